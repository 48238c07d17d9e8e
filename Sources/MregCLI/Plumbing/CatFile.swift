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

        @Argument(help: "An object id, a unique id prefix (4+ hex digits), a ref, or a revision such as model@3.", completion: StoreCompletions.revisions)
        var object: String

        @OptionGroup var output: OutputOptions

        func validate() throws {
            let n = [showType, showSize, prettyPrint, exists].filter { $0 }.count
            if n != 1 { throw ValidationError("give exactly one of -t, -s, -p, -e") }
            if exists && output.json { throw ValidationError("-e prints nothing; --json goes with -t, -s or -p") }
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
            if showType || showSize || (output.json && (reader.header.type == .blob || !ObjectType.mregTypes.contains(reader.header.type))) {
                // The header is believed only once the payload matches it (its size, the id).
                while try reader.next() != nil {}
                if output.json {
                    if prettyPrint { throw CommandFailure(.usage, message: "mreg: error: \(id.hex) is a \(reader.header.type.rawValue): its bytes are not JSON; use 'mreg cat-file -p' without --json") }
                    output.emit(header(id, reader.header))
                } else {
                    Terminal.line(showType ? reader.header.type.rawValue : String(reader.header.size))
                }
                return
            }
            if reader.header.type == .blob || !ObjectType.mregTypes.contains(reader.header.type) {
                // Verified before a byte is written.
                try repo.objects.withVerifiedPayload(of: id) { try StandardOutput.writeChecked($0) }
            } else {
                let payload = try reader.readAll()
                if output.json {
                    guard let json = try? JSONValue.parse(payload) else {
                        throw CommandFailure(.corrupt, message: "mreg: error: \(reader.header.type.rawValue) \(id.hex) does not hold JSON; run 'mreg fsck'")
                    }
                    guard case .object(var fields) = header(id, reader.header) else { return }
                    fields["content"] = json
                    output.emit(.object(fields))
                } else if let json = try? JSONValue.parse(payload) {
                    Terminal.line(json.pretty)
                } else {
                    Terminal.writeBytes(payload)
                }
            }
        }

        /// `{"id", "type", "size"}` of an object.
        func header(_ id: ObjectID, _ header: ObjectHeader) -> JSONValue {
            .object(["id": .string(id.hex), "type": .string(header.type.rawValue), "size": .int(Int64(header.size))])
        }
    }
}
