import Crypto
import Foundation
import MregStore
import MregSupport
import Synchronization
import SystemPackage
#if canImport(Glibc)
import Glibc  // iovec
#elseif canImport(Darwin)
import Darwin
#endif

/// What `export` wrote.
public struct ExportResult: Sendable {
    public var version: ResolvedVersion
    public var directory: String
    public var files: Int
    public var bytes: Int64
}

extension Registry {
    /// Streams the bytes of a file's object (a `blob`, or a `chunks` list of blobs), verifying each object.
    public func streamContent(of object: ObjectID, _ body: (ArraySlice<UInt8>) throws -> Void) throws {
        try streamContent(of: store.openReader(object), body)
    }

    /// Streams the bytes of the file object `reader` opened (see `streamContent(of:_:)`).
    func streamContent(of reader: ObjectReader, _ body: (ArraySlice<UInt8>) throws -> Void) throws {
        let object = reader.id
        switch reader.header.type {
        case .blob:
            while let piece = try reader.next() { try body(piece) }
        case .chunks:
            let list = try ChunkList.decode(reader.readAll(), id: object)
            for chunk in list.chunks {
                let r = try store.openReader(chunk.object)
                guard r.header.type == .blob, r.header.size == chunk.size else {
                    throw RegistryError.corrupt(.init(object: "chunk \(chunk.object.abbreviated()) of \(object.abbreviated())", reason: "it is not a \(chunk.size)-byte blob"))
                }
                while let piece = try r.next() { try body(piece) }
            }
        default:
            throw RegistryError.corrupt(.init(object: "object \(object.abbreviated())", reason: "it is a \(reader.header.type), not file content"))
        }
    }

    /// Streams one file of a version, checking its size and `sha256:` digest at the end.
    public func streamFile(_ file: ManifestFile, _ body: (ArraySlice<UInt8>) throws -> Void) throws {
        var hasher = SHA256()
        var size: Int64 = 0
        try streamContent(of: file.object) { piece in
            hasher.update(data: piece)
            size += Int64(piece.count)
            try body(piece)
        }
        try Self.checkContent(of: file, size: size, digest: Self.digest(hasher), version: nil)
    }

    /// `sha256:<hex>` of what `hasher` has seen (once per file: written out directly).
    static func digest(_ hasher: SHA256) -> String {
        let digits = Array("0123456789abcdef".utf8)
        return hasher.finalize().withUnsafeBytes { raw in
            String(unsafeUninitializedCapacity: 7 + 2 * raw.count) { out in
                var i = 0
                for c in "sha256:".utf8 { out[i] = c; i += 1 }
                for b in raw {
                    out[i] = digits[Int(b >> 4)]
                    out[i + 1] = digits[Int(b & 0xf)]
                    i += 2
                }
                return i
            }
        }
    }

    /// Throws unless `size` and `digest` are the ones `file`'s manifest entry records: the error names
    /// the path, the version (when known) and both digests.
    static func checkContent(of file: ManifestFile, size: Int64, digest: String, version: String?) throws {
        guard size != file.size || digest != file.digest else { return }
        let what = version.map { "'\(file.path)' of \($0)" } ?? file.path
        throw RegistryError.corrupt(.init(object: what, reason: """
            its stored content (\(size) bytes, \(digest)) is not what the manifest records (\(file.size) bytes, \
            \(file.digest)): the store is damaged, or the file changed while it was registered
            """))
    }

    /// Writes one file's bytes to `out` (a new file at `staged`), verified before it is moved
    /// into place: a single blob is streamed and checked against the manifest's size and
    /// `sha256:` digest; a chunked file's chunks are written in parallel (each verified against
    /// its id, the chunk list against its own) while the file is read back in order and its
    /// whole `sha256:` digest checked against the manifest's.
    func writeFile(_ file: ManifestFile, to out: OpenFile, staged: String, version: String,
                   progress: (@Sendable (Int64) -> Void)?) throws {
        let reader = try store.openReader(file.object)
        switch reader.header.type {
        case .chunks:
            let list = try ChunkList.decode(reader.readAll(), id: file.object)
            try writeChunks(list, of: file, to: out, staged: staged, version: version, progress: progress)
        case .blob:
            var hasher = SHA256()
            var size: Int64 = 0
            while let piece = try reader.next() {
                hasher.update(data: piece)
                size += Int64(piece.count)
                // Only the write's failure is this file's; a store read failure passes through.
                try RegistryError.mappingStoreIO(operation: "write", path: file.path) {
                    try piece.withUnsafeBytes { try out.writeAll($0) }
                }
                progress?(Int64(piece.count))
            }
            try Self.checkContent(of: file, size: size, digest: Self.digest(hasher), version: version)
        default:
            throw RegistryError.corrupt(.init(object: "object \(file.object.abbreviated()) of '\(file.path)'", reason: "it is a \(reader.header.type), not file content"))
        }
    }

    /// Writes a chunked file: chunks in parallel at their offsets, while the calling thread reads
    /// the file back in order as chunks land and hashes it, so the whole-file digest is checked
    /// with no second pass over the store.
    private func writeChunks(_ list: ChunkList, of file: ManifestFile, to out: OpenFile, staged: String,
                             version: String, progress: (@Sendable (Int64) -> Void)?) throws {
        // Offsets from sizes read from an object: checked, so no sum can overflow.
        var offsets = [Int64]()
        offsets.reserveCapacity(list.chunks.count)
        var total: Int64 = 0
        for chunk in list.chunks {
            let (sum, overflow) = total.addingReportingOverflow(chunk.size)
            guard chunk.size >= 0, !overflow else {
                throw RegistryError.corrupt(.init(object: "chunk list \(file.object.abbreviated()) of '\(file.path)'", reason: "its chunk sizes do not add up to a file size"))
            }
            offsets.append(total)
            total = sum
        }
        guard total == file.size else {
            throw RegistryError.corrupt(.init(object: "'\(file.path)' of \(version)", reason: "its chunk list holds \(total) bytes, the manifest says \(file.size)"))
        }
        try RegistryError.mappingStoreIO(operation: "write", path: file.path) { try out.resize(to: file.size) }
        let store = self.store
        let chunks = list.chunks
        let starts = offsets
        let path = file.path
        // Chunk i's semaphore is signalled once it is written (and, whatever happens, once the
        // writers stop), so the reader never waits for a chunk no one will write.
        let written = chunks.map { _ in DispatchSemaphore(value: 0) }
        let failed = Mutex(false)
        let (_, digest) = try Parallel.both({
            defer { for s in written { s.signal() } }
            do {
                try Parallel.forEach(Array(chunks.indices)) { i in
                    try Self.writeChunk(chunks[i], at: starts[i], of: path, to: out, store: store, progress: progress)
                    written[i].signal()
                }
            } catch {
                failed.withLock { $0 = true }
                throw error
            }
        }, { () throws -> String? in
            let back = try RegistryError.mappingStoreIO(operation: "read back", path: path) {
                try OpenFile.forReading(FilePath(staged))
            }
            defer { back.close() }
            var hasher = SHA256()
            var buffer = [UInt8](repeating: 0, count: 1 << 20)
            for i in chunks.indices {
                written[i].wait()
                if failed.withLock({ $0 }) { return nil }
                var at = starts[i]
                let end = at + chunks[i].size
                while at < end {
                    let want = Int(min(Int64(buffer.count), end - at))
                    let n = try RegistryError.mappingStoreIO(operation: "read back", path: path) {
                        try buffer.withUnsafeMutableBytes {
                            try back.readFully(atOffset: at, into: UnsafeMutableRawBufferPointer(rebasing: $0[..<want]))
                        }
                    }
                    guard n == want else {
                        throw RegistryError.io(.init("read back", path, reason: "the file written is shorter than it should be"))
                    }
                    hasher.update(data: buffer[..<n])
                    at += Int64(n)
                }
            }
            return Self.digest(hasher)
        })
        if let digest { try Self.checkContent(of: file, size: total, digest: digest, version: version) }
    }

    /// Writes one chunk at `offset`, verified against its id (a chunk written with stored
    /// blocks before it is written, a compressed one by the end of its stream).
    private static func writeChunk(_ chunk: ChunkList.Chunk, at offset: Int64, of path: String, to out: OpenFile,
                                   store: ObjectStore, progress: (@Sendable (Int64) -> Void)?) throws {
        if let mapped = try store.mapStored(chunk.object) {
            // Weights: verified in place, written straight from the mapping.
            guard mapped.header.type == .blob, mapped.header.size == chunk.size else {
                throw RegistryError.corrupt(.init(object: "chunk \(chunk.object.abbreviated()) of \(path)", reason: "it is not a \(chunk.size)-byte blob"))
            }
            try pwriteAll(out, slices: mapped.slices, at: offset, path: path)
            progress?(chunk.size)
            return
        }
        let reader = try store.openReader(chunk.object)
        guard reader.header.type == .blob, reader.header.size == chunk.size else {
            throw RegistryError.corrupt(.init(object: "chunk \(chunk.object.abbreviated()) of \(path)", reason: "it is not a \(chunk.size)-byte blob"))
        }
        var at = offset
        while let piece = try reader.next() {
            try piece.withUnsafeBytes { raw in
                try pwriteAll(out, slices: [raw], at: at, path: path)
            }
            at += Int64(piece.count)
            progress?(Int64(piece.count))
        }
    }

    /// The operating system's reason behind a Foundation file error, in a few words.
    static func reason(_ error: Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return ErrnoText.describe(Int32(underlying.code))
        }
        if ns.domain == NSPOSIXErrorDomain { return ErrnoText.describe(Int32(ns.code)) }
        switch ns.code {
        case NSFileNoSuchFileError, NSFileReadNoSuchFileError: return "a part of the path does not exist"
        case NSFileWriteNoPermissionError: return "permission denied"
        case NSFileWriteFileExistsError: return "a file is in the way"
        default: return "a part of the path is not a writable folder"
        }
    }

    /// Writes `slices` contiguously at `offset` with `pwritev`.
    static func pwriteAll(_ out: OpenFile, slices: [UnsafeRawBufferPointer], at offset: Int64, path: String) throws {
        var iov = slices.compactMap { slice in
            slice.baseAddress.map { iovec(iov_base: UnsafeMutableRawPointer(mutating: $0), iov_len: slice.count) }
        }
        try RegistryError.mappingStoreIO(operation: "write", path: path) {
            try out.writeAll(vectors: &iov, atOffset: offset)
        }
    }

    /// Why a manifest path may not be written under an export folder, or nil if it is safe.
    public static func unsafePathReason(_ path: String) -> String? {
        let bytes = path.utf8
        if bytes.isEmpty { return "it is empty" }
        if bytes.first == UInt8(ascii: "/") { return "it is absolute" }
        // One pass over the bytes (a version may hold 100,000 paths): each component, in turn.
        var start = bytes.startIndex
        while true {
            var end = start
            while end != bytes.endIndex, bytes[end] != UInt8(ascii: "/") {
                if bytes[end] == 0 || bytes[end] == UInt8(ascii: "\\") { return "it holds a NUL or backslash" }
                bytes.formIndex(after: &end)
            }
            let component = bytes[start..<end]
            if component.isEmpty || component.elementsEqual(".".utf8) || component.elementsEqual("..".utf8) {
                return "it holds an empty, '.' or '..' component"
            }
            if component.elementsEqual(".mreg".utf8) || component.elementsEqual(".git".utf8) {
                return "it writes into a .mreg or .git folder"
            }
            if end == bytes.endIndex { break }
            start = bytes.index(after: end)
        }
        if path.hasPrefix(ExportStaging.prefix) { return "it starts with \(ExportStaging.prefix), the name of export's staging folders" }
        return nil
    }

    /// Writes a version's files under `directory`, verifying each digest; all or nothing.
    ///
    /// Checks every path first: refuses paths that would land outside the folder (absolute,
    /// `..`, through symbolic links) and manifests that list a path twice or as both a file and
    /// a folder; never overwrites existing files unless `force` (a file already there with the
    /// same bytes and mode is left as it is, so an interrupted export can be run again). Writes
    /// everything into a staging folder inside `directory` first (removing those of exports that
    /// died), verifies it all, then moves it into place; a failure at any point, moving
    /// included, leaves `directory` as it was. Nothing is fsynced (as `cp`).
    ///
    /// - Parameter progress: called with each file's path before the files are written.
    /// - Parameter environment: write the dependency files recorded with the version's environment
    ///   (`requirements.txt`, `uv.lock`, …) instead of its files.
    public func export(_ revision: String, to directory: String, force: Bool = false, environment: Bool = false,
                       progress: ((String) -> Void)? = nil, observer: (any TransferObserver)? = nil) throws -> ExportResult {
        defer { observer?.finish() }
        var progressBytes: (@Sendable (Int64) -> Void)?
        if let observer { progressBytes = { observer.advance(bytes: $0) } }
        let resolved = try resolve(revision)
        var manifest = try Manifest.load(resolved.manifestID, from: store)
        let label = resolved.label
        if environment { manifest = try Self.environmentFiles(of: manifest, version: label) }
        let root = Repository.absolute(directory)
        if FileSystem.exists(FilePath(root)), !FileSystem.isDirectory(FilePath(root)) {
            throw RegistryError.badInput(.unusablePath(action: "export into", path: directory, problem: "it is a file"))
        }
        let plan = try exportPlan(manifest, into: root, force: force, version: label)
        observer?.expect(bytes: plan.files.reduce(0) { $0 + $1.size })
        let created = try Self.makeFolder(root, named: directory)
        var staging: ExportStaging?
        do {
            ExportStaging.removeStale(in: root)
            let folder = try ExportStaging(in: root)
            staging = folder
            for file in plan.files { progress?(file.path) }
            try stage(plan.files, in: folder, version: label, progress: progressBytes)
            try folder.install(plan.files.map(\.path), force: force, version: label)
            folder.remove()
        } catch {
            staging?.remove()
            for folder in created { FileSystem.removeEmptyDirectory(FilePath(folder)) }
            throw error
        }
        return ExportResult(version: resolved, directory: root, files: manifest.files.count, bytes: plan.bytes)
    }

    /// A manifest whose files are the dependency files `manifest` recorded with its environment
    /// (those stored: one too large was recorded by name and size only); refused when there are none.
    static func environmentFiles(of manifest: Manifest, version: String) throws -> Manifest {
        let env = EnvironmentSummary(manifest.environment)
        let files = env.files.compactMap { f -> ManifestFile? in
            guard let digest = f.digest, let object = f.object else { return nil }
            return ManifestFile(path: f.path, mode: ManifestFile.fileMode, size: f.size, digest: digest, object: object)
        }
        guard !files.isEmpty else {
            throw RegistryError.notFound(.init(.environmentFiles, env.captured
                ? "its environment records none stored (no requirements*.txt, pyproject.toml, *.lock… at the work tree's root, or too large)"
                : "it was registered without an environment (--env none, or before mreg recorded one)", model: version))
        }
        if files.contains(where: { $0.path.contains("/") }) || ManifestPath.violation(in: files.map { ManifestPath.Entry(path: $0.path, target: nil) }) != nil {
            throw RegistryError.corrupt(.init(object: "manifest of \(version)", reason: "its environment names a dependency file by an unsafe path"))
        }
        return Manifest(model: manifest.model, message: manifest.message, files: files)
    }

    /// The files of `manifest` to write into `root` (those not already there), after every check
    /// that can be made before writing; and the bytes of the whole version.
    private func exportPlan(_ manifest: Manifest, into root: String, force: Bool,
                            version: String) throws -> (files: [ManifestFile], bytes: Int64) {
        // Duplicate and nested paths, escaping links and sizes that overflow were refused when the
        // manifest was decoded (`Manifest.init(json:)`, `ManifestPath.violation`); what is left to
        // check is what a target folder makes unsafe.
        for file in manifest.files {
            if let reason = Self.unsafePathReason(file.path) {
                throw RegistryError.refused(.unsafeExport(path: file.path, version: version, reason: reason))
            }
        }
        let bytes = manifest.totalSize
        // What is in the target already. Folders seen are remembered (most files share them).
        var folders = Set<String>()
        var missing = Set<String>()
        var files = [ManifestFile]()
        files.reserveCapacity(manifest.files.count)
        for file in manifest.files {
            let path = file.path
            var present = true
            // Its folders, outermost first.
            var rest = path.startIndex
            while let slash = path[rest...].firstIndex(of: "/") {
                let folder = String(path[..<slash])
                rest = path.index(after: slash)
                if folders.contains(folder) { continue }
                if missing.contains(folder) { present = false; break }
                let full = root + "/" + folder
                guard let status = FileSystem.linkStatus(FilePath(full)) else {
                    missing.insert(folder)
                    present = false
                    break
                }
                if status.isSymbolicLink { throw RegistryError.refused(.unsafeExport(path: path, version: nil, reason: "'\(full)' is a symbolic link")) }
                if !status.isDirectory {
                    throw RegistryError.badInput(.unusablePath(action: "export", path: path, problem: "'\(full)' is not a folder"))
                }
                folders.insert(folder)
            }
            // The file itself.
            if present {
                let full = root + "/" + path
                if let status = FileSystem.linkStatus(FilePath(full)) {
                    if status.isDirectory {
                        throw RegistryError.badInput(.unusablePath(action: "export", path: path, problem: "a folder is in the way; remove it or export into another folder"))
                    }
                    if !force {
                        let same = try file.target.map { status.isSymbolicLink && Self.linkTarget(full) == $0 }
                            ?? (status.isRegularFile && Self.holds(full, status: status, file))
                        guard same else { throw RegistryError.conflict(.pathExists(path: full)) }
                    }
                } else {
                    present = false
                }
            }
            // A file already there with the same content (and no --force) is left alone.
            if !present || force { files.append(file) }
        }
        return (files, bytes)
    }

    /// Whether the regular file at `path` holds exactly `file`'s bytes, with its mode.
    private static func holds(_ path: String, status: FileStatus, _ file: ManifestFile) throws -> Bool {
        guard status.size == file.size, (status.permissions & 0o100 != 0) == (file.mode == "100755"),
              let handle = try? OpenFile.forReading(FilePath(path)) else { return false }
        defer { handle.close() }
        var hasher = SHA256()
        var size: Int64 = 0
        var buffer = [UInt8](repeating: 0, count: Int(min(1 << 20, max(1, file.size))))
        while true {
            guard let n = try? buffer.withUnsafeMutableBytes({ try handle.read(into: $0) }) else { return false }
            if n == 0 { break }
            hasher.update(data: buffer[..<n])
            size += Int64(n)
        }
        return size == file.size && digest(hasher) == file.digest
    }

    /// The target text of the symbolic link at `path`; nil when it is not one.
    private static func linkTarget(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4097)
        let n = readlink(path, &buffer, buffer.count - 1)
        guard n >= 0 else { return nil }
        return String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Creates `root` and its missing parents; returns those it created, deepest first.
    private static func makeFolder(_ root: String, named directory: String) throws -> [String] {
        var missing = [String]()
        var path = root
        while !path.isEmpty, path != "/", !FileSystem.exists(FilePath(path)) {
            missing.append(path)
            path = (path as NSString).deletingLastPathComponent
        }
        for (i, folder) in missing.enumerated().reversed() {
            guard mkdir(folder, 0o777) == 0 || errno == EEXIST else {
                let code = errno
                for made in missing[(i + 1)...] { FileSystem.removeEmptyDirectory(FilePath(made)) }
                throw RegistryError.io(.init("create the folder", directory, errno: code))
            }
        }
        return missing
    }

    /// Writes `files` under the staging folder's tree: the folders first, then the files in
    /// parallel (small files are many; a chunked file's chunks are parallel within it).
    private func stage(_ files: [ManifestFile], in staging: ExportStaging, version: String,
                       progress: (@Sendable (Int64) -> Void)?) throws {
        let tree = staging.tree
        var folders = Set<String>()
        for file in files {
            var end = file.path.endIndex
            while let slash = file.path[..<end].lastIndex(of: "/") {
                guard folders.insert(String(file.path[..<slash])).inserted else { break }
                end = slash
            }
        }
        // Sorted, a folder comes before the folders in it.
        for folder in folders.sorted() {
            guard mkdir("\(tree)/\(folder)", 0o777) == 0 else {
                throw RegistryError.io(.init("create the folder for", folder, errno: errno))
            }
        }
        try Parallel.forEach(files) { file in
            let staged = "\(tree)/\(file.path)"
            if let target = file.target {
                // A symbolic link is made as a link (never written through); its target was checked
                // to stay inside the version when the manifest was read.
                guard symlink(target, staged) == 0 else { throw RegistryError.io(.init("create the symbolic link", file.path, errno: errno)) }
                return
            }
            let out = try RegistryError.mappingStoreIO(operation: "write", path: file.path) {
                try OpenFile.creatingNew(FilePath(staged), permissions: file.mode == "100755" ? 0o755 : 0o644)
            }
            do {
                try writeFile(file, to: out, staged: staged, version: version, progress: progress)
            } catch {
                out.close()
                throw error
            }
            // A failed close can be a failed write (NFS, quotas): it is this file's error.
            do { try out.descriptor.close() } catch let code as Errno {
                throw RegistryError.io(.init("write", file.path, errno: code.rawValue))
            }
        }
    }
}
