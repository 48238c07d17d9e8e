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
            for prefix in prefixes.isEmpty ? ["refs/"] : prefixes {
                let p = prefix.hasPrefix("refs/") || prefix == "refs" ? prefix : "refs/" + prefix
                rows += try repo.refs.list(prefix: p).map { ($0.name, $0.id) }
            }
            if output.json {
                output.emit(.array(rows.map { .object(["ref": .string($0.0.rawValue), "id": .string($0.1.hex)]) }))
            } else {
                for (name, id) in rows { Terminal.line("\(id.hex) \(name)") }
            }
            if rows.isEmpty { throw CommandFailure(.negative) }
        }
    }
}
