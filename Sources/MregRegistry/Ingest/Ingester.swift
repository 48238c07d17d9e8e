import Crypto
import Foundation
import MregStore
import MregSupport
#if canImport(Glibc)
import Glibc
#endif

/// Stores files as objects and describes them for a manifest.
///
/// Small files become one `blob`. Files of at least `policy.threshold` bytes are
/// cut into chunks (on tensor boundaries for safetensors and GGUF, by FastCDC
/// otherwise), each a `blob`, listed by a `chunks` object; identical chunks are
/// stored once. Chunks are hashed, compressed and written on all cores while
/// another thread computes the whole file's `sha256:` digest; memory stays at a
/// few MiB per core whatever the file size.
///
/// What is stored always matches the digest recorded: the digest pass also hashes each
/// chunk as it reads it, and those hashes must equal what the chunk writers stored; the
/// file's size, times and inode must be the same after reading as before (and as when it was
/// walked). Otherwise `RegistryError.conflict(.inputChanged)` is thrown: the version is not
/// made (the objects already written are unreferenced, which `fsck` reports as dangling).
public struct Ingester: Sendable {
    public var store: ObjectStore
    public var policy: ChunkPolicy
    public var cache: StatCache?
    /// Called (from any thread) with each count of bytes processed.
    public var progress: (@Sendable (Int64) -> Void)?
    /// A test seam: called on the reading thread after each piece a file's digest pass (or a
    /// small file's only pass) read, with the file's path and the offset after the piece.
    var readHook: (@Sendable (_ path: String, _ offset: Int64) -> Void)?

    public init(store: ObjectStore, policy: ChunkPolicy = .standard, cache: StatCache? = nil,
                progress: (@Sendable (Int64) -> Void)? = nil) {
        self.store = store
        self.policy = policy
        self.cache = cache
        self.progress = progress
    }

    public struct Result: Sendable {
        public var file: ManifestFile
        /// Bytes this file added to the store (0 when every byte was there already).
        public var newBytes: Int64
        public var executesCode: Bool
        /// True when the stat cache answered without reading the file.
        public var cached: Bool
    }

    /// Stores one file (or symbolic link) and detects its format.
    public func ingest(_ entry: FileWalker.Entry) throws -> Result {
        if let target = entry.target { return try ingestLink(entry, target: target) }
        if let hit = cache?.lookup(entry.source), entry.stamp.map({ $0 == hit.stamp }) ?? true, store.freshen(hit.object) {
            progress?(hit.stamp.size)
            let file = ManifestFile(path: entry.path, mode: entry.mode, size: hit.stamp.size, digest: hit.digest,
                                    object: hit.object, format: hit.format, details: hit.details)
            return Result(file: file, newBytes: 0, executesCode: hit.executesCode, cached: true)
        }
        let path = entry.source
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw RegistryError.io(.init("read", path, errno: errno)) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw RegistryError.io(.init("read", path, errno: errno)) }
        guard st.st_mode & S_IFMT == S_IFREG else {
            throw RegistryError.badInput(.unusablePath(action: "register", path: path, problem: "not a regular file"))
        }
        let before = StatCache.Stamp(st)
        if let walked = entry.stamp, walked != before { throw RegistryError.conflict(.inputChanged(path: path)) }
        let hashedAt = StatCache.now()
        let info = FormatDetector.detect(path: path, descriptor: fd)
        let object: ObjectID, digest: String, newBytes: Int64
        let size = before.size
        if size >= policy.threshold {
            (object, digest, newBytes) = try ingestChunked(fd: fd, path: path, size: size, format: info?.format)
        } else {
            (object, digest, newBytes) = try ingestWhole(fd: fd, path: path, size: size)
        }
        try Self.checkUnchanged(fd: fd, path: path, since: before)
        cache?.record(path, stampBefore: before, hashedAt: hashedAt, object: object, digest: digest, info: info, checked: true)
        let file = ManifestFile(path: entry.path, mode: entry.mode, size: size, digest: digest, object: object,
                                format: info?.format, details: info?.details ?? .null)
        return Result(file: file, newBytes: newBytes, executesCode: info?.executesCode ?? false, cached: false)
    }

    /// Stores every entry, in the order given: files below the chunk threshold (and links) on
    /// all cores, in batches (for a folder of many small files the work is mostly system calls
    /// per file), then larger files one at a time (each is chunked on all cores already).
    ///
    /// After the first error no further batch starts, and that error is rethrown.
    public func ingestAll(_ entries: [FileWalker.Entry]) throws -> [Result] {
        var results = [Result?](repeating: nil, count: entries.count)
        let small = entries.indices.filter { entries[$0].target != nil || entries[$0].size < policy.threshold }
        let batch = 64
        let batches = stride(from: 0, to: small.count, by: batch).map { Array(small[$0..<min(small.count, $0 + batch)]) }
        let done = try Parallel.map(batches) { indices in try indices.map { ($0, try self.ingest(entries[$0])) } }
        for part in done { for (i, result) in part { results[i] = result } }
        for i in entries.indices where results[i] == nil { results[i] = try ingest(entries[i]) }
        return results.compactMap { $0 }
    }

    /// A symbolic link: a blob of its target's bytes (as git stores links).
    func ingestLink(_ entry: FileWalker.Entry, target: String) throws -> Result {
        let bytes = Array(target.utf8)
        let written = try store.write(type: .blob, bytes: bytes)
        progress?(Int64(bytes.count))
        let file = ManifestFile(path: entry.path, mode: ManifestFile.linkMode, size: Int64(bytes.count), digest: Digest.sha256(bytes),
                                object: written.id, target: target)
        return Result(file: file, newBytes: written.storedBytes, executesCode: false, cached: false)
    }

    /// Throws `inputChanged` unless the open file and the file at `path` still have the stamp `before`.
    static func checkUnchanged(fd: Int32, path: String, since before: StatCache.Stamp) throws {
        guard StatCache.Stamp.of(descriptor: fd) == before, StatCache.Stamp.of(path) == before else {
            throw RegistryError.conflict(.inputChanged(path: path))
        }
    }

    /// A file below the chunk threshold: one blob, its id and digest computed from the same bytes.
    func ingestWhole(fd: Int32, path: String, size: Int64) throws -> (ObjectID, String, Int64) {
        let progress = self.progress, hook = readHook
        var offset: Int64 = 0
        let written = try store.write(type: .blob, size: size, contentDigest: true) { buf in
            let want = Int(min(Int64(buf.count), size - offset))
            if want == 0 { return 0 }
            let n = pread(fd, buf.baseAddress, want, off_t(offset))
            if n < 0 { throw RegistryError.io(.init("read", path, errno: errno)) }
            if n == 0 { throw RegistryError.conflict(.inputChanged(path: path)) }
            offset += Int64(n)
            progress?(Int64(n))
            hook?(path, offset)
            return n
        }
        guard let contentDigest = written.contentDigest else {
            throw RegistryError.io(.init("read", path, reason: "its content digest was not computed"))
        }
        return (written.id, contentDigest, written.storedBytes)
    }

    /// Chunks a large file and stores its chunks in parallel.
    func ingestChunked(fd: Int32, path: String, size: Int64, format: String?) throws -> (ObjectID, String, Int64) {
        let hook = readHook
        if let ranges = policy.structuralRanges(path: path, size: size, format: format) {
            // Structure known: digest the whole file (and each chunk's object id) on one thread while chunks are written on the others.
            let (scan, written) = try Parallel.both({ try Self.scan(fd: fd, size: size, path: path, cuts: .ranges(ranges), hook: hook) },
                                                    { try writeChunks(fd: fd, path: path, ranges: ranges, contentDigest: false) })
            guard scan.chunks == written.map(\.id.bytes) else { throw RegistryError.conflict(.inputChanged(path: path)) }
            return try finishChunks(written, digest: scan.digest, size: size, path: path)
        } else {
            // No structure: one pass finds content-defined boundaries, the digest and each chunk's
            // content digest; then chunks are written in parallel and must have the same content.
            let scan = try Self.scan(fd: fd, size: size, path: path, cuts: .contentDefined(FastCDC(maxSize: Int(policy.maxChunk))), hook: hook)
            var start: Int64 = 0
            let ranges = scan.lengths.map { len in
                defer { start += Int64(len) }
                return start..<(start + Int64(len))
            }
            let written = try writeChunks(fd: fd, path: path, ranges: ranges, contentDigest: true)
            guard scan.chunks == written.map({ $0.contentDigest.flatMap { Hex.decode($0.dropFirst(7)) } ?? [] }) else {
                throw RegistryError.conflict(.inputChanged(path: path))
            }
            return try finishChunks(written, digest: scan.digest, size: size, path: path)
        }
    }

    func finishChunks(_ written: [WriteResult], digest: String, size: Int64, path: String) throws -> (ObjectID, String, Int64) {
        let list = ChunkList(chunks: written.map { ChunkList.Chunk(object: $0.id, size: $0.size) })
        guard list.size == size else { throw RegistryError.conflict(.inputChanged(path: path)) }
        let listObject = try store.write(type: .chunks, bytes: list.json.canonicalBytes)
        let newBytes = written.reduce(0) { $0 + $1.storedBytes } + listObject.storedBytes
        return (listObject.id, digest, newBytes)
    }

    /// Writes each range of the file as a blob, on all cores, in order of the ranges.
    func writeChunks(fd: Int32, path: String, ranges: [Range<Int64>], contentDigest: Bool) throws -> [WriteResult] {
        let store = self.store
        let progress = self.progress
        return try Parallel.map(ranges) { range in
            var offset = range.lowerBound
            return try store.write(type: .blob, size: Int64(range.count), contentDigest: contentDigest) { buf in
                let want = min(buf.count, Int(range.upperBound - offset))
                if want == 0 { return 0 }
                let n = pread(fd, buf.baseAddress, want, off_t(offset))
                if n < 0 { throw RegistryError.io(.init("read", path, errno: errno)) }
                if n == 0 { throw RegistryError.conflict(.inputChanged(path: path)) }
                offset += Int64(n)
                progress?(Int64(n))
                return n
            }
        }
    }

    /// Where a digest pass cuts the file into chunks.
    enum Cuts {
        /// Known ranges (covering the file in order): each chunk's object id is computed.
        case ranges([Range<Int64>])
        /// FastCDC boundaries, found while reading: each chunk's content digest is computed.
        case contentDefined(FastCDC)
    }

    /// What a digest pass found.
    struct Scan {
        /// `sha256:` of the whole file.
        var digest: String
        /// Chunk lengths (for `.contentDefined`).
        var lengths: [Int]
        /// Each chunk's object id (`.ranges`) or content digest (`.contentDefined`), raw.
        var chunks: [[UInt8]]
    }

    /// Reads the file once in order: its `sha256:` digest and each chunk's hash, with FastCDC chunk lengths when asked.
    static func scan(fd: Int32, size: Int64, path: String, cuts: Cuts,
                     hook: (@Sendable (String, Int64) -> Void)?) throws -> Scan {
        var whole = SHA256()
        var chunks = [[UInt8]]()
        var part = SHA256()
        var ranges: [Range<Int64>] = []
        var rangeIndex = 0
        var scanner: FastCDC.Scanner?
        var inChunk = 0
        switch cuts {
        case .ranges(let r):
            ranges = r
            if let first = r.first { part.update(data: ObjectHeader(type: .blob, size: Int64(first.count)).encoded) }
        case .contentDefined(let cdc):
            scanner = FastCDC.Scanner(cdc)
        }
        var buffer = [UInt8](repeating: 0, count: 4 << 20)
        var offset: Int64 = 0
        while offset < size {
            let want = Int(min(Int64(buffer.count), size - offset))
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, want, off_t(offset)) }
            if n < 0 { throw RegistryError.io(.init("read", path, errno: errno)) }
            if n == 0 { break }
            buffer.withUnsafeBytes { raw in
                let piece = UnsafeRawBufferPointer(rebasing: raw[..<n])
                whole.update(bufferPointer: piece)
                if scanner != nil {
                    let known = scanner?.lengths.count ?? 0
                    scanner?.feed(piece)
                    var p = 0
                    for length in scanner?.lengths.dropFirst(known) ?? [] {
                        let take = length - inChunk
                        part.update(bufferPointer: UnsafeRawBufferPointer(rebasing: piece[p..<(p + take)]))
                        chunks.append(Array(part.finalize()))
                        part = SHA256()
                        p += take
                        inChunk = 0
                    }
                    part.update(bufferPointer: UnsafeRawBufferPointer(rebasing: piece[p...]))
                    inChunk += n - p
                } else {
                    var pos = offset, p = 0
                    while p < n, rangeIndex < ranges.count {
                        let take = Int(min(Int64(n - p), ranges[rangeIndex].upperBound - pos))
                        part.update(bufferPointer: UnsafeRawBufferPointer(rebasing: piece[p..<(p + take)]))
                        p += take
                        pos += Int64(take)
                        if pos == ranges[rangeIndex].upperBound {
                            chunks.append(Array(part.finalize()))
                            rangeIndex += 1
                            part = SHA256()
                            if rangeIndex < ranges.count { part.update(data: ObjectHeader(type: .blob, size: Int64(ranges[rangeIndex].count)).encoded) }
                        }
                    }
                }
            }
            offset += Int64(n)
            hook?(path, offset)
        }
        guard offset == size else { throw RegistryError.conflict(.inputChanged(path: path)) }
        var lengths = [Int]()
        if scanner != nil {
            lengths = scanner?.finish() ?? []
            if inChunk > 0 { chunks.append(Array(part.finalize())) }
        }
        return Scan(digest: "sha256:" + Hex.encode(whole.finalize()), lengths: lengths, chunks: chunks)
    }
}
