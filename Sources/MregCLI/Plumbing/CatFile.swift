import ArgumentParser
import MregRegistry
import MregFilter
import MregRemote
import MregGovernance
import MregIndex
import MregSupport
import MregStore

extension MregCommand {
    struct CatFile: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cat-file",
            abstract: "Print an object's type, size or content, verifying its id (exit 4 naming a damaged object).")

        @Flag(name: .customShort("t"), help: "Print the object's type.")
        var showType = false
        @Flag(name: .customShort("s"), help: "Print the object's payload size in bytes.")
        var showSize = false
        @Flag(name: .customShort("p"), help: "Print the object's content (JSON objects indented).")
        var prettyPrint = false
        @Flag(name: .customShort("e"), help: "Exit 0 if the object exists and is valid, 1 if not; print nothing.")
        var exists = false

        @Argument(help: "An object id, a unique id prefix (4+ hex digits), a ref, or a revision such as model@3.")
        var object: String

        func validate() throws {
            let n = [showType, showSize, prettyPrint, exists].filter { $0 }.count
            if n != 1 { throw ValidationError("give exactly one of -t, -s, -p, -e") }
        }

        func run() throws {
            let repo = try Store.open()
            if exists {
                guard let id = try? Resolver(repository: repo).objectID(object) else { throw CommandFailure(.negative) }
                do {
                    let reader = try repo.objects.openReader(id)
                    while try reader.next() != nil {}
                } catch {
                    throw CommandFailure(.negative)
                }
                return
            }
            let id = try Resolver(repository: repo).objectID(object)
            let reader = try repo.objects.openReader(id)
            if showType || showSize {
                // The header is believed only once the payload matches it (its size, the id).
                while try reader.next() != nil {}
                Terminal.line(showType ? reader.header.type.rawValue : String(reader.header.size))
                return
            }
            if reader.header.type == .blob || !ObjectType.mregTypes.contains(reader.header.type) {
                // Verified before a byte is written.
                try repo.objects.withVerifiedPayload(of: id) { try StandardOutput.writeChecked($0) }
            } else {
                let payload = try reader.readAll()
                if let json = try? JSONValue.parse(payload) {
                    Terminal.line(json.pretty)
                } else {
                    Terminal.writeBytes(payload)
                }
            }
        }
    }
}
