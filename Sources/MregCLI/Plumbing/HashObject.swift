import ArgumentParser
import Foundation
import MregStore

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

        func validate() throws {
            if !stdin && files.isEmpty { throw ValidationError("give a FILE or --stdin") }
        }

        func run() throws {
            let type = try ObjectType(parsing: self.type)
            let repo = write ? try Store.open() : nil
            if stdin {
                Terminal.line(try hashStdin(type: type, repo: repo).hex)
            }
            for file in files {
                // A missing or unreadable file is a StoreError that names it.
                if let repo {
                    Terminal.line(try repo.objects.write(type: type, file: file).id.hex)
                } else {
                    Terminal.line(try ObjectStore.hash(type: type, file: file).hex)
                }
            }
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
