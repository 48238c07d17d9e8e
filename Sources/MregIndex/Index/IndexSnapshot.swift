import MregStore
#if canImport(Glibc)
import Glibc
#endif
import MregSupport
import MregRegistry
import MregFilter

/// `index/all`: every model's segment in one file, so that `list` and `search` read one
/// file (plus one head ref per model) instead of one record per model.
///
/// Its payload starts with a small summary section (what `list` shows, with its own
/// checksum), so `list` reads only that part; `search` reads the whole file.
/// Each summary and segment names the head it reflects; a reader uses it only for a model
/// whose head ref still names that event, and takes the model's own record otherwise.
struct IndexSnapshot: Sendable {
    /// The segments, by model name.
    let segments: [String: IndexSegment]

    /// Bytes before the summary section: model count, 0, section length, section checksum.
    static let prefixSize = 24

    init(file: IndexFile) throws {
        var r = ByteReader(file.payload)
        let count = Int(try r.u32())
        _ = try r.u32()
        let summaryLength = Int(truncatingIfNeeded: try r.u64())
        _ = try r.u64()
        try r.skip(summaryLength)
        try r.need(count * 8)
        var out = [String: IndexSegment](minimumCapacity: count)
        for _ in 0..<count {
            let offset = Int(truncatingIfNeeded: try r.u64())
            let segment = try IndexSegment(file: file, offset: offset)
            out[segment.model] = segment
        }
        segments = out
    }

    /// The summaries alone, reading only the start of the file (nil when it does not exist).
    static func readSummaries(_ path: String) throws -> [String: ModelSummary]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)  // a FIFO must not block
        guard fd >= 0 else {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw IndexCorrupt("cannot open \(path)")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { throw IndexCorrupt("\(path) is not a regular file") }
        func read(_ count: Int, at offset: Int) throws -> [UInt8] {
            var buffer = [UInt8](repeating: 0, count: count)
            var done = 0
            while done < count {
                let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(offset + done)) }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw IndexCorrupt("\(path) is truncated") }
                done += n
            }
            return buffer
        }
        let head = try read(IndexFile.headerSize + prefixSize, at: 0)
        let (count, length, checksum) = try head.withUnsafeBytes { raw -> (Int, Int, UInt64) in
            guard Array(raw[0..<8]) == IndexFile.magic,
                  UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt32.self)) == IndexFile.formatVersion,
                  UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 12, as: UInt32.self)) == IndexFile.Kind.snapshot.rawValue else {
                throw IndexCorrupt("\(path) is not a snapshot of this version")
            }
            var p = ByteReader(raw, offset: IndexFile.headerSize)
            let count = Int(try p.u32())
            _ = try p.u32()
            let length = Int(truncatingIfNeeded: try p.u64())
            return (count, length, try p.u64())
        }
        guard length >= 0, length % 8 == 0, length < 1 << 31 else { throw IndexCorrupt("\(path) has a bad summary section") }
        let section = try read(length, at: IndexFile.headerSize + prefixSize)
        return try section.withUnsafeBytes { raw in
            guard IndexFile.checksum(raw) == checksum else { throw IndexCorrupt("\(path) fails its summary checksum") }
            var r = ByteReader(raw)
            var out = [String: ModelSummary](minimumCapacity: count)
            for _ in 0..<count {
                let s = try decodeSummary(&r)
                out[s.model] = s
            }
            return out
        }
    }

    /// The payload of a snapshot holding these segments (copied byte for byte).
    static func encode(_ segments: [IndexSegment]) -> [UInt8] {
        var summaries = ByteWriter(capacity: segments.count * 160)
        for s in segments { encodeSummary(s.summary, into: &summaries) }
        summaries.align8()
        let start = prefixSize + summaries.count
        var total = start + segments.count * 8
        for s in segments { total += s.length }
        var w = ByteWriter(capacity: total)
        w.u32(count: segments.count)
        w.u32(0)
        w.u64(UInt64(summaries.count))
        w.u64(summaries.bytes.withUnsafeBytes { IndexFile.checksum($0) })
        w.raw(summaries.bytes)
        var offset = start + segments.count * 8
        for s in segments {
            w.u64(UInt64(offset))
            offset += s.length
        }
        for s in segments { w.raw(s.base) }
        return w.bytes
    }

    static func encodeSummary(_ s: ModelSummary, into w: inout ByteWriter) {
        w.string(s.model)
        w.id(s.head)
        w.i64(s.eventCount)
        w.i64(Int64(s.versionCount))
        w.i64(s.latestVersion ?? .min)
        w.u8(s.lastChange == nil ? 0 : 1)
        w.string(s.lastChange ?? "")
        w.u32(count: s.stages.count)
        for (k, v) in s.stages.sorted(by: { $0.key < $1.key }) { w.string(k); w.i64(v) }
        w.u32(count: s.tags.count)
        for (k, v) in s.tags.sorted(by: { $0.key < $1.key }) { w.string(k); w.i64(v) }
    }

    static func decodeSummary(_ r: inout ByteReader) throws -> ModelSummary {
        let model = try r.string()
        let head = try r.id()
        let events = try r.i64()
        let versions = Int(try r.i64())
        let latest = try r.i64()
        let hasLast = try r.u8() != 0
        let last = try r.string()
        var stages = [String: Int64](), tags = [String: Int64]()
        for _ in 0..<Int(try r.u32()) { let k = try r.string(); stages[k] = try r.i64() }
        for _ in 0..<Int(try r.u32()) { let k = try r.string(); tags[k] = try r.i64() }
        return ModelSummary(model: model, head: head, eventCount: events, versionCount: versions,
                            latestVersion: latest == .min ? nil : latest, stages: stages, tags: tags, lastChange: hasLast ? last : nil)
    }
}
