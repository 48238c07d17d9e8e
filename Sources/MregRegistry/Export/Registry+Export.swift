import Crypto
import Foundation
import MregStore
import MregSupport
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
        let reader = try store.openReader(object)
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
        let digest = "sha256:" + hasher.finalize().map { String(format: "%02x", $0) }.joined()
        guard size == file.size, digest == file.digest else {
            throw RegistryError.corrupt(.init(object: file.path, reason: "it does not match its manifest (size \(size) vs \(file.size), digest \(digest.prefix(19))… vs \(file.digest.prefix(19))…): the store is damaged"))
        }
    }

    /// Writes one file's bytes to `out`, verified: a chunked file's chunks are read and
    /// written in parallel (each verified against its id, the chunk list against its own),
    /// a single blob is streamed and checked against the manifest's `sha256:` digest.
    func writeFile(_ file: ManifestFile, to out: OpenFile, progress: (@Sendable (Int64) -> Void)?) throws {
        let header = try store.header(of: file.object)
        if header.type == .chunks {
            let list = try ChunkList.decode(store.read(file.object, as: .chunks), id: file.object)
            guard list.size == file.size else {
                throw RegistryError.corrupt(.init(object: file.path, reason: "its chunk list holds \(list.size) bytes, the manifest says \(file.size)"))
            }
            var starts = [Int64]()
            var pos: Int64 = 0
            for c in list.chunks { starts.append(pos); pos += c.size }
            let offsets = starts
            try RegistryError.mappingStoreIO(operation: "write", path: file.path) { try out.resize(to: file.size) }
            let store = self.store
            try Parallel.forEach(Array(zip(list.chunks, offsets))) { chunk, offset in
                if let mapped = try store.mapStored(chunk.object) {
                    // Weights: verified in place, written straight from the mapping.
                    guard mapped.header.type == .blob, mapped.header.size == chunk.size else {
                        throw RegistryError.corrupt(.init(object: "chunk \(chunk.object.abbreviated()) of \(file.path)", reason: "it is not a \(chunk.size)-byte blob"))
                    }
                    try Self.pwriteAll(out, slices: mapped.slices, at: offset, path: file.path)
                    progress?(chunk.size)
                    return
                }
                let reader = try store.openReader(chunk.object)
                guard reader.header.type == .blob, reader.header.size == chunk.size else {
                    throw RegistryError.corrupt(.init(object: "chunk \(chunk.object.abbreviated()) of \(file.path)", reason: "it is not a \(chunk.size)-byte blob"))
                }
                var at = offset
                while let piece = try reader.next() {
                    try piece.withUnsafeBytes { raw in
                        try Self.pwriteAll(out, slices: [raw], at: at, path: file.path)
                    }
                    at += Int64(piece.count)
                    progress?(Int64(piece.count))
                }
            }
            return
        }
        try streamFile(file) { piece in
            // Only the write's failure is this file's; a store read failure passes through.
            try RegistryError.mappingStoreIO(operation: "write", path: file.path) {
                try piece.withUnsafeBytes { try out.writeAll($0) }
            }
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
        if path.isEmpty { return "it is empty" }
        if path.hasPrefix("/") { return "it is absolute" }
        if path.contains("\0") || path.contains("\\") { return "it holds a NUL or backslash" }
        for c in path.split(separator: "/", omittingEmptySubsequences: false) {
            if c.isEmpty || c == "." || c == ".." { return "it holds an empty, '.' or '..' component" }
            if c == ".mreg" || c == ".git" { return "it writes into a .mreg or .git folder" }
        }
        return nil
    }

    /// Writes a version's files under `directory`, verifying each digest.
    ///
    /// Refuses paths that would land outside the folder (absolute, `..`, through
    /// symbolic links); never overwrites existing files unless `force`; writes
    /// everything into a staging folder first, so a failure leaves nothing half-written.
    public func export(_ revision: String, to directory: String, force: Bool = false,
                       progress: ((String) -> Void)? = nil, observer: (any TransferObserver)? = nil) throws -> ExportResult {
        defer { observer?.finish() }
        var progressBytes: (@Sendable (Int64) -> Void)?
        if let observer { progressBytes = { observer.advance(bytes: $0) } }
        let resolved = try resolve(revision)
        let manifest = try Manifest.load(resolved.manifestID, from: store)
        observer?.expect(bytes: manifest.totalSize)
        let root = Repository.absolute(directory)
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: root, isDirectory: &isDir), !isDir.boolValue {
            throw RegistryError.badInput(.unusablePath(action: "export into", path: directory, problem: "it is a file"))
        }
        // Check every path before writing anything.
        for file in manifest.files {
            if let reason = Self.unsafePathReason(file.path) {
                throw RegistryError.refused(.unsafeExport(path: file.path, version: resolved.label, reason: reason))
            }
            var prefix = root
            let parts = file.path.split(separator: "/")
            for (i, part) in parts.enumerated() {
                prefix += "/\(part)"
                guard let status = FileSystem.linkStatus(FilePath(prefix)) else { break }
                if i < parts.count - 1 {
                    if status.isSymbolicLink { throw RegistryError.refused(.unsafeExport(path: file.path, version: nil, reason: "'\(prefix)' is a symbolic link")) }
                    if !status.isDirectory {
                        throw RegistryError.badInput(.unusablePath(action: "export", path: file.path, problem: "'\(prefix)' is not a folder"))
                    }
                } else {
                    if status.isDirectory {
                        throw RegistryError.badInput(.unusablePath(action: "export", path: file.path, problem: "a folder is in the way"))
                    }
                    if !force { throw RegistryError.conflict(.pathExists(path: prefix)) }
                }
            }
        }
        do {
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        } catch {
            throw RegistryError.io(.init("create the folder", directory, reason: Self.reason(error)))
        }
        let staging = "\(root)/.mreg-export-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        do {
            try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: false)
        } catch {
            throw RegistryError.io(.init("write into", directory, reason: Self.reason(error)))
        }
        defer { try? FileManager.default.removeItem(atPath: staging) }
        var bytes: Int64 = 0
        for (i, file) in manifest.files.enumerated() {
            progress?(file.path)
            let temp = "\(staging)/\(i)"
            if let target = file.target {
                // A symbolic link is made as a link (never written through); its target was checked
                // to stay inside the version when the manifest was read.
                guard symlink(target, temp) == 0 else { throw RegistryError.io(.init("create the symbolic link", file.path, errno: errno)) }
                continue
            }
            let out = try RegistryError.mappingStoreIO(operation: "write", path: temp) {
                try OpenFile.creatingNew(FilePath(temp), permissions: file.mode == "100755" ? 0o755 : 0o644)
            }
            defer { out.close() }
            try writeFile(file, to: out, progress: progressBytes)
            bytes += file.size
        }
        for (i, file) in manifest.files.enumerated() {
            let target = "\(root)/\(file.path)"
            do {
                try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            } catch {
                throw RegistryError.io(.init("create the folder for", file.path, reason: Self.reason(error)))
            }
            try RegistryError.mappingStoreIO(operation: "move into place", path: file.path) {
                try FileSystem.move(FilePath("\(staging)/\(i)"), to: FilePath(target))
            }
        }
        return ExportResult(version: resolved, directory: root, files: manifest.files.count, bytes: bytes)
    }
}
