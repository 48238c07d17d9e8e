import CZlib
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a zlib stream made only of stored (uncompressed) deflate blocks, straight
/// from the caller's buffer with `writev`: what zlib level 0 produces, several times faster.
///
/// Layout: `78 01`, then blocks of at most 65535 bytes, each `00 LEN(le16) NLEN(le16) data`,
/// then a final empty block `01 00 00 ff ff`, then the Adler-32 of the data (big-endian).
final class StoredZlibWriter {
    static let maxBlock = 65535
    let file: OpenFile
    private var adler: uLong = 1
    private(set) var written: Int64 = 0

    init(file: OpenFile) throws {
        self.file = file
        try writeRaw([0x78, 0x01])
    }

    private func writeRaw(_ bytes: [UInt8]) throws {
        try file.writeAll(bytes)
        written += Int64(bytes.count)
    }

    func write(_ data: UnsafeRawBufferPointer) throws {
        guard data.count > 0, let base = data.baseAddress else { return }
        adler = CZlib.adler32(adler, base.assumingMemoryBound(to: Bytef.self), uInt(data.count))
        let blocks = (data.count + Self.maxBlock - 1) / Self.maxBlock
        var headers = [UInt8](repeating: 0, count: blocks * 5)
        for b in 0..<blocks {
            let len = min(Self.maxBlock, data.count - b * Self.maxBlock)
            headers[b * 5 + 1] = UInt8(len & 0xff)
            headers[b * 5 + 2] = UInt8(len >> 8)
            headers[b * 5 + 3] = UInt8(~len & 0xff)
            headers[b * 5 + 4] = UInt8((~len >> 8) & 0xff)
        }
        try headers.withUnsafeBytes { hdr in
            var iov = [iovec]()
            iov.reserveCapacity(blocks * 2)
            for b in 0..<blocks {
                let len = min(Self.maxBlock, data.count - b * Self.maxBlock)
                iov.append(iovec(iov_base: UnsafeMutableRawPointer(mutating: hdr.baseAddress! + b * 5), iov_len: 5))
                iov.append(iovec(iov_base: UnsafeMutableRawPointer(mutating: base + b * Self.maxBlock), iov_len: len))
            }
            try file.writeAll(vectors: &iov)
        }
        written += Int64(data.count + blocks * 5)
    }

    func finish() throws {
        let a = UInt32(truncatingIfNeeded: adler)
        try writeRaw([0x01, 0x00, 0x00, 0xff, 0xff, UInt8(a >> 24), UInt8((a >> 16) & 0xff), UInt8((a >> 8) & 0xff), UInt8(a & 0xff)])
    }
}

/// Reads a zlib stream of stored blocks without zlib (a memcpy instead of inflate).
///
/// Throws `StoredZlibReader.NotStored` at the first compressed block, so the caller
/// can fall back to zlib.
final class StoredZlibReader {
    struct NotStored: Error {}

    let file: OpenFile
    private var input: [UInt8]
    private var start = 0
    private var end = 0
    private var blockLeft = 0
    private var finalBlock = false
    private var adler: uLong = 1
    private(set) var finished = false
    private var headerChecked = false

    init(file: OpenFile, capacity: Int = 1 << 20) {
        self.file = file
        input = [UInt8](repeating: 0, count: max(64, capacity))
    }

    /// Ensures `count` bytes are buffered; false at end of file.
    private func need(_ count: Int) throws -> Bool {
        if end - start >= count { return true }
        if start > 0 {
            let left = end - start
            input.withUnsafeMutableBytes { raw in
                raw.baseAddress!.copyMemory(from: raw.baseAddress! + start, byteCount: left)
            }
            start = 0
            end = left
        }
        while end - start < count {
            let n = try input.withUnsafeMutableBytes { raw in
                try file.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[end...]))
            }
            if n == 0 { return false }
            end += n
        }
        return true
    }

    /// Whether the first bytes of a file are a zlib header followed by a stored block.
    static func looksStored(_ prefix: [UInt8]) -> Bool {
        guard prefix.count >= 3 else { return false }
        let cmf = UInt16(prefix[0]), flg = UInt16(prefix[1])
        return prefix[0] & 0x0f == 8 && (cmf << 8 | flg) % 31 == 0 && flg & 0x20 == 0 && (prefix[2] >> 1) & 0x03 == 0
    }

    /// Fills `out` with inflated bytes; 0 means the stream ended (adler checked, nothing after it).
    func read(into out: UnsafeMutableRawBufferPointer) throws -> Int {
        if !headerChecked {
            guard try need(2) else { throw StoreError.corruptData("zlib stream is truncated") }
            start += 2
            headerChecked = true
        }
        var produced = 0
        while produced < out.count && !finished {
            if blockLeft == 0 {
                if finalBlock {
                    guard try need(4) else { throw StoreError.corruptData("zlib stream is truncated") }
                    let stored = input[start..<start + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
                    start += 4
                    guard stored == UInt32(truncatingIfNeeded: adler) else {
                        throw StoreError.corruptData("zlib data is corrupt (incorrect data check)")
                    }
                    if try need(1) { throw StoreError.corruptData("trailing bytes after the zlib stream") }
                    finished = true
                    break
                }
                guard try need(5) else { throw StoreError.corruptData("zlib stream is truncated") }
                let head = input[start]
                guard (head >> 1) & 0x03 == 0 else { throw NotStored() }
                let len = Int(input[start + 1]) | Int(input[start + 2]) << 8
                let nlen = Int(input[start + 3]) | Int(input[start + 4]) << 8
                guard len == (~nlen & 0xffff) else { throw StoreError.corruptData("zlib data is corrupt (invalid stored block lengths)") }
                finalBlock = head & 1 == 1
                blockLeft = len
                start += 5
                continue
            }
            if start == end { guard try need(1) else { throw StoreError.corruptData("zlib stream is truncated") } }
            let n = min(blockLeft, out.count - produced, end - start)
            input.withUnsafeBytes { raw in
                (out.baseAddress! + produced).copyMemory(from: raw.baseAddress! + start, byteCount: n)
            }
            adler = CZlib.adler32(adler, (out.baseAddress! + produced).assumingMemoryBound(to: Bytef.self), uInt(n))
            start += n
            blockLeft -= n
            produced += n
        }
        return produced
    }
}
