import ArgumentParser
import Foundation
import MregStore
#if canImport(Glibc)
import Glibc
#endif

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
                guard FileManager.default.fileExists(atPath: file) else {
                    throw StoreError(.notFound, "cannot hash '\(file)': no such file")
                }
                if let repo {
                    Terminal.line(try repo.objects.write(type: type, file: file).id.hex)
                } else {
                    Terminal.line(try Self.hashFile(file, type: type).hex)
                }
            }
        }

        static func hashFile(_ path: String, type: ObjectType) throws -> ObjectID {
            let fd = open(path, O_RDONLY)
            guard fd >= 0 else { throw StoreError(.io, "cannot open '\(path)': \(String(cString: strerror(errno)))") }
            defer { close(fd) }
            var st = stat()
            fstat(fd, &st)
            return try ObjectStore.hash(type: type, size: Int64(st.st_size)) { buf in
                let n = Glibc.read(fd, buf.baseAddress, buf.count)
                if n < 0 { throw StoreError(.io, "cannot read '\(path)'") }
                return n
            }
        }

        /// Standard input may be a pipe of unknown length: spool it to a temp file first.
        func hashStdin(type: ObjectType, repo: Repository?) throws -> ObjectID {
            let dir = repo?.objects.directory ?? NSTemporaryDirectory()
            let temp = "\(dir)/tmp_obj_stdin_\(getpid())_\(UInt32.random(in: 0...UInt32.max))"
            let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL, 0o600)
            guard fd >= 0 else { throw StoreError(.io, "cannot create '\(temp)'") }
            defer { unlink(temp) }
            var buffer = [UInt8](repeating: 0, count: 1 << 20)
            while true {
                let n = buffer.withUnsafeMutableBytes { Glibc.read(0, $0.baseAddress, $0.count) }
                if n < 0 { if errno == EINTR { continue }; close(fd); throw StoreError(.io, "cannot read standard input") }
                if n == 0 { break }
                let written = buffer.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, n) }
                if written != n { close(fd); throw StoreError(.io, "cannot write '\(temp)'") }
            }
            close(fd)
            if let repo { return try repo.objects.write(type: type, file: temp).id }
            return try Self.hashFile(temp, type: type)
        }
    }
}
