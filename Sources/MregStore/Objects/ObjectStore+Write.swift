import Crypto
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SystemPackage

/// What writing one object did.
public struct WriteResult: Sendable, Equatable {
    public var id: ObjectID
    /// False when the object was already in the store.
    public var isNew: Bool
    /// Payload size in bytes.
    public var size: Int64
    /// Bytes the object takes on disk (0 when it already existed).
    public var storedBytes: Int64
    /// `sha256:` digest of the payload alone, when it was asked for.
    public var contentDigest: String?
}

extension ObjectStore {
    static let bufferSize = 1024 * 1024

    /// Writes an object whose payload is pulled from `source`, in constant memory.
    ///
    /// `source` fills the buffer it is given and returns the count, 0 at the end;
    /// it must deliver exactly `size` bytes. The object is streamed into a temp
    /// file, then linked into place; an object that already exists is success.
    ///
    /// Metadata objects (manifests, events, chunk lists) are always fsynced before they
    /// are linked into place; blobs only with `core.fsyncObjects = true`. `sync` overrides both.
    public func write(type: ObjectType, size: Int64, contentDigest: Bool = false, sync: Bool? = nil,
                      from source: (UnsafeMutableRawBufferPointer) throws -> Int) throws -> WriteResult {
        // Small objects get a small buffer: zeroing 1 MiB per object dominates when there are many.
        var buffer = [UInt8](repeating: 0, count: Int(max(1, min(Int64(Self.bufferSize), size + 1))))
        // Read the first piece before choosing the compression level.
        var firstCount = try buffer.withUnsafeMutableBytes { try Self.fill($0, from: source) }
        let level = buffer.withUnsafeBytes { compression.level(forSample: UnsafeRawBufferPointer(rebasing: $0[..<firstCount]), type: type, size: size) }

        let tempPath = FilePath("\(directory)/\(Self.tempPrefix)\(LocalHost.processID)_\(LocalHost.randomSuffix())")
        let file: OpenFile
        do {
            file = try OpenFile.creatingNew(tempPath, permissions: 0o444)
        } catch let e as StoreError where e.errno == .noSuchFileOrDirectory {
            // The folder is made when it is missing, not checked before each object (a stat per
            // object is a tenth of registering 100,000 small files).
            try FileSystem.makeDirectories(FilePath(directory), mode: dirMode)
            file = try OpenFile.creatingNew(tempPath, permissions: 0o444)
        }
        defer { FileSystem.removeIfPresent(tempPath) }
        var closed = false
        defer { if !closed { file.close() } }

        var hasher = SHA256()
        var plain = contentDigest ? SHA256() : nil
        // Level 0 is written by hand (stored blocks straight from the buffer); other levels through zlib.
        let stored: StoredZlibWriter? = level == 0 ? try StoredZlibWriter(file: file) : nil
        let deflater: Deflater? = level == 0 ? nil : try Deflater(level: level, expectedInput: size)
        var compressedBytes: Int64 = 0
        let sink: (UnsafeRawBufferPointer) throws -> Void = { piece in
            try file.writeAll(piece)
            compressedBytes += Int64(piece.count)
        }
        func emit(_ piece: UnsafeRawBufferPointer) throws {
            if let stored { try stored.write(piece) } else { try deflater?.compress(piece, sink: sink) }
        }
        let head = ObjectHeader(type: type, size: size).encoded
        hasher.update(data: head)
        try head.withUnsafeBytes { try emit($0) }

        var total: Int64 = 0
        while true {
            let n = firstCount >= 0 ? firstCount : try buffer.withUnsafeMutableBytes { try Self.fill($0, from: source) }
            firstCount = -1
            if n == 0 { break }
            total += Int64(n)
            if total > size { break }
            try buffer.withUnsafeBytes { raw in
                let piece = UnsafeRawBufferPointer(rebasing: raw[..<n])
                hasher.update(bufferPointer: piece)
                plain?.update(bufferPointer: piece)
                try emit(piece)
            }
        }
        guard total == size else {
            throw StoreError.invalid(reason: "input changed while it was read: expected \(size) bytes, got \(total > size ? "more" : String(total))")
        }
        if let stored { try stored.finish() } else { try deflater?.finish(sink: sink) }
        let storedBytes = stored?.written ?? compressedBytes
        if sync ?? (fsyncObjects || type != .blob) { try file.sync() }
        file.close()
        closed = true

        let id = ObjectID(digest: hasher.finalize())
        let digest = plain.map { "sha256:" + Hex.encode($0.finalize()) }
        KillPoint.reach("object-temp-written")
        let isNew = try install(tempPath: tempPath, id: id)
        KillPoint.reach("object-installed")
        return WriteResult(id: id, isNew: isNew, size: size, storedBytes: isNew ? storedBytes : 0, contentDigest: digest)
    }

    /// Writes an object whose payload is in memory.
    @discardableResult
    public func write(type: ObjectType, bytes: [UInt8]) throws -> WriteResult {
        var offset = 0
        return try write(type: type, size: Int64(bytes.count)) { buf in
            let n = min(buf.count, bytes.count - offset)
            bytes.withUnsafeBytes { src in
                buf.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[offset..<offset + n]))
            }
            offset += n
            return n
        }
    }

    /// Writes a file's content as one object, streaming it.
    public func write(type: ObjectType = .blob, file path: String, contentDigest: Bool = false, sync: Bool? = nil) throws -> WriteResult {
        let file = try OpenFile.forReading(FilePath(path))
        defer { file.close() }
        let size = try file.status().size
        return try write(type: type, size: size, contentDigest: contentDigest, sync: sync) { try file.read(into: $0) }
    }

    /// The id a file would get as an object, without writing anything.
    public static func hash(type: ObjectType = .blob, file path: String) throws -> ObjectID {
        let file = try OpenFile.forReading(FilePath(path))
        defer { file.close() }
        let size = try file.status().size
        return try hash(type: type, size: size) { try file.read(into: $0) }
    }

    /// Copies a stream of unknown length (standard input) into a temp file in `directory`,
    /// since an object's header needs its size first; the caller removes the file.
    public static func spool(_ fd: Int32, into directory: String) throws -> String {
        let input = OpenFile(descriptor: FileDescriptor(rawValue: fd), path: "standard input")
        let temp = FilePath("\(directory)/\(tempPrefix)stdin_\(LocalHost.processID)_\(LocalHost.randomSuffix())")
        let out = try OpenFile.creatingNew(temp, permissions: 0o600)
        defer { out.close() }
        var buffer = [UInt8](repeating: 0, count: bufferSize)
        do {
            while true {
                let n = try buffer.withUnsafeMutableBytes { try input.read(into: $0) }
                if n == 0 { return temp.string }
                try buffer.withUnsafeBytes { try out.writeAll(UnsafeRawBufferPointer(rebasing: $0[..<n])) }
            }
        } catch {
            FileSystem.removeIfPresent(temp)
            throw error
        }
    }

    /// Computes the id an object would get, without writing anything.
    public static func hash(type: ObjectType, size: Int64,
                            from source: (UnsafeMutableRawBufferPointer) throws -> Int) throws -> ObjectID {
        var hasher = SHA256()
        hasher.update(data: ObjectHeader(type: type, size: size).encoded)
        var buffer = [UInt8](repeating: 0, count: bufferSize)
        var total: Int64 = 0
        while true {
            let n = try buffer.withUnsafeMutableBytes { try fill($0, from: source) }
            if n == 0 { break }
            total += Int64(n)
            buffer.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[..<n])) }
        }
        guard total == size else {
            throw StoreError.invalid(reason: "input changed while it was read: expected \(size) bytes, got \(total)")
        }
        return ObjectID(digest: hasher.finalize())
    }

    static func fill(_ buf: UnsafeMutableRawBufferPointer, from source: (UnsafeMutableRawBufferPointer) throws -> Int) throws -> Int {
        var done = 0
        while done < buf.count {
            let n = try source(UnsafeMutableRawBufferPointer(rebasing: buf[done...]))
            if n == 0 { break }
            done += n
        }
        return done
    }

    var dirMode: mode_t { sharedGroup ? 0o2775 : 0o755 }

    /// Moves a finished temp file to the object's path. Returns false if the object already existed.
    ///
    /// The link is tried first: an existing object fails it (`EEXIST`), and a missing fan-out
    /// folder (`ENOENT`) is made and the link tried once more, so no `stat` precedes each object.
    /// An object already there is reused only once it is freshened (see `freshen`): when a gc
    /// deleted it meanwhile, the freshening fails and the link is tried again.
    func install(tempPath: FilePath, id: ObjectID) throws -> Bool {
        let target = filePath(for: id)
        if sharedGroup { FileSystem.setPermissions(tempPath, 0o444) }
        var madeFolder = false
        var attempts = 0
        while true {
            attempts += 1
            do {
                try FileSystem.hardLink(tempPath, to: target)
                return true
            } catch let e as StoreError {
                guard let code = e.errno else { throw e }
                if code == .fileExists {
                    // Written by another process a moment ago (fresh), or deleted by a gc since.
                    if freshen(id) || attempts > 3 { return false }
                    continue
                }
                if code == .noSuchFileOrDirectory && !madeFolder {
                    try FileSystem.makeDirectories(target.removingLastComponent(), mode: dirMode)
                    madeFolder = true
                    continue
                }
                // Filesystems without hard links: rename (the content is identical anyway).
                let noLinks: [Errno] = [.notPermitted, .notSupported, .improperLink, .tooManyLinks, .noFunction]
                guard noLinks.contains(code) else { throw e }
                if freshen(id) { return false }
                try FileSystem.move(tempPath, to: target)
                return true
            }
        }
    }
}
