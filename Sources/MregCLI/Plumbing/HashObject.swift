import ArgumentParser
import Foundation
import MregStore
import MregSupport

extension MregCommand {
    struct HashObject: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "hash-object",
            abstract: "Compute the object id of files (and with -w, store them).",
            discussion: "Ids are git's SHA-256 object ids: the same as 'git hash-object' in a repository made with 'git init --object-format=sha256'.")

        @Flag(name: .customShort("w"), help: "Write the object into the store.")
        var write = false

        @Option(name: .customShort("t"), help: "The object type (blob, chunks, manifest, event).")
        var type: String = "blob"

        @Flag(name: .long, help: "Read the object from standard input.")
        var stdin = false

        @Argument(help: "Files to hash.")
        var files: [String] = []

        @OptionGroup var output: OutputOptions

        func validate() throws {
            if !stdin && files.isEmpty { throw ValidationError("give a FILE or --stdin") }
        }

        func run() throws {
            let type = try ObjectType(parsing: self.type)
            let repo = write ? try Store.open() : nil
            var hashed = [JSONValue]()
            func report(_ id: ObjectID, _ source: JSONValue) {
                if output.json {
                    hashed.append(.object(["file": source, "id": .string(id.hex), "type": .string(type.rawValue), "written": .bool(repo != nil)]))
                } else {
                    Terminal.line(id.hex)
                }
            }
            if stdin {
                report(try hashStdin(type: type, repo: repo), .null)
            }
            for file in files {
                // A missing or unreadable file is a StoreError that names it.
                if let repo {
                    report(try repo.objects.write(type: type, file: file).id, .string(file))
                } else {
                    report(try ObjectStore.hash(type: type, file: file), .string(file))
                }
            }
            if output.json { output.emit(.array(hashed)) }
        }

        /// Standard input may be a pipe of unknown length: the store spools it to a temp file first.
        func hashStdin(type: ObjectType, repo: Repository?) throws -> ObjectID {
            let temp = try ObjectStore.spool(0, into: repo?.objects.directory ?? NSTemporaryDirectory())
            defer { try? FileManager.default.removeItem(atPath: temp) }
            if let repo { return try repo.objects.write(type: type, file: temp).id }
            return try ObjectStore.hash(type: type, file: temp)
        }
    }
}
