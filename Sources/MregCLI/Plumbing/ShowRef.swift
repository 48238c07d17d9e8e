import ArgumentParser
import MregRegistry
import MregFilter
import MregRemote
import MregGovernance
import MregIndex
import MregSupport
import MregStore

extension MregCommand {
    struct ShowRef: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show-ref",
            abstract: "List refs and the ids they hold (exit 1 if none match).")

        @Argument(help: "Only refs starting with these prefixes (e.g. refs/models/fraud/).")
        var prefixes: [String] = []

        @OptionGroup var output: OutputOptions

        func run() throws {
            let repo = try Store.open()
            var rows = [(RefName, ObjectID)]()
            // A damaged ref is named on stderr (exit 4); the others are listed.
            var damaged = [StoreError]()
            for prefix in prefixes.isEmpty ? ["refs/"] : prefixes {
                let p = prefix.hasPrefix("refs/") || prefix == "refs" ? prefix : "refs/" + prefix
                for entry in repo.refs.scan(prefix: p) {
                    switch entry {
                    case .ref(let name, let id): rows.append((name, id))
                    case .corrupt(_, let error): damaged.append(error)
                    case .lock, .stray: continue
                    }
                }
            }
            render(rows)
            for error in damaged { Terminal.error("mreg: error: \(error)") }
            if !damaged.isEmpty { throw CommandFailure(.corrupt) }
            if rows.isEmpty { throw CommandFailure(.negative) }
        }

        func render(_ rows: [(RefName, ObjectID)]) {
            if output.json {
                output.emit(.array(rows.map { .object(["ref": .string($0.0.rawValue), "id": .string($0.1.hex)]) }))
            } else {
                for (name, id) in rows { Terminal.line("\(id.hex) \(name)") }
            }
        }
    }
}
