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
public struct Ingester: Sendable {
    public var store: ObjectStore
    public var policy: ChunkPolicy
    public var cache: StatCache?
    /// Called (from any thread) with each count of bytes processed.
    public var progress: (@Sendable (Int64) -> Void)?

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

    /// Stores one file and detects its format.
    public func ingest(_ entry: FileWalker.Entry) throws -> Result {
        if let hit = cache?.lookup(entry.source), store.contains(hit.object) {
            progress?(hit.stamp.size)
            let file = ManifestFile(path: entry.path, mode: entry.mode, size: hit.stamp.size, digest: hit.digest,
                                    object: hit.object, format: hit.format, details: hit.details)
            return Result(file: file, newBytes: 0, executesCode: hit.executesCode, cached: true)
        }
        let stampBefore = StatCache.Stamp.of(entry.source)
        let hashedAt = StatCache.now()
        let info = FormatDetector.detect(path: entry.source)
        let object: ObjectID, digest: String, newBytes: Int64, size: Int64
        if entry.size >= policy.threshold {
            (object, digest, newBytes, size) = try ingestChunked(entry, format: info?.format)
        } else {
            let written = try store.write(type: .blob, file: entry.source, contentDigest: true)
            progress?(written.size)
            guard let contentDigest = written.contentDigest else {
                throw RegistryError.io(.init("read", entry.source, reason: "its content digest was not computed"))
            }
            (object, digest, newBytes, size) = (written.id, contentDigest, written.storedBytes, written.size)
        }
        guard size == entry.size else {
            throw RegistryError.conflict(.inputChanged(path: entry.source))
        }
        if let stampBefore { cache?.record(entry.source, stampBefore: stampBefore, hashedAt: hashedAt, object: object, digest: digest, info: info) }
        let file = ManifestFile(path: entry.path, mode: entry.mode, size: size, digest: digest, object: object,
                                format: info?.format, details: info?.details ?? .null)
        return Result(file: file, newBytes: newBytes, executesCode: info?.executesCode ?? false, cached: false)
    }

    /// Chunks a large file and stores its chunks in parallel.
    func ingestChunked(_ entry: FileWalker.Entry, format: String?) throws -> (ObjectID, String, Int64, Int64) {
        let path = entry.source
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw RegistryError.io(.init("read", path, errno: errno)) }
        defer { close(fd) }
        let size = entry.size
        if let ranges = policy.structuralRanges(path: path, size: size, format: format) {
            // Structure known: digest the whole file on one thread while chunks are written on the others.
            let (digest, written) = try Parallel.both({ try Self.digest(fd: fd, size: size, path: path, cdc: nil).0 },
                                                      { try writeChunks(fd: fd, path: path, ranges: ranges) })
            return try finishChunks(written, digest: digest, size: size, path: path)
        } else {
            // No structure: one pass finds content-defined boundaries and the digest, then chunks are written in parallel.
            let (digest, lengths) = try Self.digest(fd: fd, size: size, path: path, cdc: FastCDC(maxSize: Int(policy.maxChunk)))
            var start: Int64 = 0
            let ranges = lengths.map { len in
                defer { start += Int64(len) }
                return start..<(start + Int64(len))
            }
            let written = try writeChunks(fd: fd, path: path, ranges: ranges)
            return try finishChunks(written, digest: digest, size: size, path: path)
        }
    }

    func finishChunks(_ written: [WriteResult], digest: String, size: Int64, path: String) throws -> (ObjectID, String, Int64, Int64) {
        let list = ChunkList(chunks: written.map { ChunkList.Chunk(object: $0.id, size: $0.size) })
        guard list.size == size else { throw RegistryError.conflict(.inputChanged(path: path)) }
        let listObject = try store.write(type: .chunks, bytes: list.json.canonicalBytes)
        let newBytes = written.reduce(0) { $0 + $1.storedBytes } + listObject.storedBytes
        return (listObject.id, digest, newBytes, size)
    }

    /// Writes each range of the file as a blob, on all cores, in order of the ranges.
    func writeChunks(fd: Int32, path: String, ranges: [Range<Int64>]) throws -> [WriteResult] {
        let store = self.store
        let progress = self.progress
        return try Parallel.map(ranges) { range in
            var offset = range.lowerBound
            return try store.write(type: .blob, size: Int64(range.count)) { buf in
                let want = min(buf.count, Int(range.upperBound - offset))
                if want == 0 { return 0 }
                let n = pread(fd, buf.baseAddress, want, off_t(offset))
                if n < 0 { throw RegistryError.io(.init("read", path, errno: errno)) }
                offset += Int64(n)
                progress?(Int64(n))
                return n
            }
        }
    }

    /// Reads the file once in order: its `sha256:` digest, and FastCDC chunk lengths when asked.
    static func digest(fd: Int32, size: Int64, path: String, cdc: FastCDC?) throws -> (String, [Int]) {
        var hasher = SHA256()
        var scanner = cdc.map { FastCDC.Scanner($0) }
        var buffer = [UInt8](repeating: 0, count: 4 << 20)
        var offset: Int64 = 0
        while offset < size {
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(offset)) }
            if n < 0 { throw RegistryError.io(.init("read", path, errno: errno)) }
            if n == 0 { break }
            buffer.withUnsafeBytes { raw in
                let piece = UnsafeRawBufferPointer(rebasing: raw[..<n])
                hasher.update(bufferPointer: piece)
                scanner?.feed(piece)
            }
            offset += Int64(n)
        }
        guard offset == size else { throw RegistryError.conflict(.inputChanged(path: path)) }
        let digest = "sha256:" + Hex.encode(hasher.finalize())
        return (digest, scanner?.finish() ?? [])
    }
}
