import Crypto
import MregStore

/// Reads one of `du`'s cache files (`LinkCache`, `UsageCache`): a magic, little-endian
/// fields, and a SHA-256 trailer over everything before it (Docs/FORMAT.md §5a, §5b).
///
/// Every read checks that the field lies before the trailer; any problem throws `Damaged`,
/// which callers treat as a missing file.
struct CacheFileReader {
    /// The file cannot be used: wrong magic, bad checksum, truncated, or a bad field.
    struct Damaged: Error {}

    static let digestSize = 32

    private let bytes: [UInt8]
    private let bodyEnd: Int
    /// The offset of the next field.
    private(set) var at: Int

    /// Checks the magic, the size (at least `minimumBody` bytes after the magic) and the
    /// trailer; the first field read is the one after the magic.
    init(_ bytes: [UInt8], magic: [UInt8], minimumBody: Int = 8) throws(Damaged) {
        guard bytes.count >= magic.count + minimumBody + Self.digestSize, Array(bytes[0..<magic.count]) == magic else {
            throw Damaged()
        }
        let bodyEnd = bytes.count - Self.digestSize
        guard Array(SHA256.hash(data: bytes[0..<bodyEnd])) == Array(bytes[bodyEnd...]) else { throw Damaged() }
        self.bytes = bytes
        self.bodyEnd = bodyEnd
        self.at = magic.count
    }

    /// Throws unless `n` more bytes lie before the trailer.
    func need(_ n: Int) throws(Damaged) { guard n >= 0, at <= bodyEnd - n else { throw Damaged() } }

    /// Throws unless every field has been read.
    func expectEnd() throws(Damaged) { guard at == bodyEnd else { throw Damaged() } }

    mutating func u8() throws(Damaged) -> UInt8 {
        try need(1)
        defer { at += 1 }
        return bytes[at]
    }

    mutating func u32() throws(Damaged) -> UInt32 {
        try need(4)
        defer { at += 4 }
        return bytes.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: at, as: UInt32.self)) }
    }

    mutating func i64() throws(Damaged) -> Int64 {
        try need(8)
        defer { at += 8 }
        return bytes.withUnsafeBytes { Int64(littleEndian: $0.loadUnaligned(fromByteOffset: at, as: Int64.self)) }
    }

    /// A count or byte size: an `i64` in 0…2⁶⁰ (an exabyte), else the file is damaged, so
    /// sums of such figures cannot overflow.
    mutating func amount() throws(Damaged) -> Int64 {
        let value = try i64()
        guard value >= 0, value <= 1 << 60 else { throw Damaged() }
        return value
    }

    mutating func id() throws(Damaged) -> ObjectID {
        try need(32)
        defer { at += 32 }
        let start = at
        return bytes.withUnsafeBytes { ObjectID(bytes: UnsafeRawBufferPointer(rebasing: $0[start..<start + 32])) }
    }

    /// A u32 length and that many bytes of UTF-8.
    mutating func string() throws(Damaged) -> String {
        let n = Int(try u32())
        try need(n)
        defer { at += n }
        guard let s = String(validating: bytes[at..<at + n], as: UTF8.self) else { throw Damaged() }
        return s
    }

    /// A u32 count and that many ids.
    mutating func ids() throws(Damaged) -> [ObjectID] {
        let n = Int(try u32())
        try need(n * 32)
        var out = [ObjectID]()
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(try id()) }
        return out
    }
}
