import Crypto
import SystemPackage

/// The index of a pack (`objects/pack/pack-<hex>.idx`): sorted ids, a 256-entry fan-out,
/// and each object's offset and length in the pack (FORMAT.md §1.7).
///
/// The whole index is read and checked when it is loaded (its checksum, the fan-out
/// against the ids, the ids strictly ascending), so a damaged or lying index is refused
/// before any lookup uses it. Lookups are a fan-out step and a binary search.
public struct PackIndex: Sendable {
    /// `MREGPIDX`, then version 1 (big-endian u32) and the object count (big-endian u32).
    static let magic: [UInt8] = Array("MREGPIDX".utf8)
    static let version: UInt32 = 1
    static let headerSize = 16
    static let fanOutSize = 256 * 4
    /// Bytes per object: id (32), offset (8), length (8).
    static let bytesPerObject = 48
    /// The largest object count an index may claim (the pack format's limit).
    public static let maximumCount = 1 << 28

    /// The raw bytes of the index file.
    package let bytes: [UInt8]
    /// How many objects the pack holds.
    public let count: Int
    /// The SHA-256 of the pack file it indexes (the pack's trailer).
    public let packChecksum: [UInt8]

    /// Checks `bytes` as an index; throws `StoreError.corrupt` naming `path` when it is not one.
    public init(bytes: [UInt8], path: FilePath) throws {
        func damaged(_ why: String) -> StoreError {
            StoreError.corrupt(object: nil, path: path, reason: "pack index is damaged: \(why)")
        }
        guard bytes.count >= Self.headerSize + Self.fanOutSize + 64 else { throw damaged("truncated (\(bytes.count) bytes)") }
        guard Array(bytes[0..<8]) == Self.magic else { throw damaged("bad magic (not an mreg pack index)") }
        let version = Self.uint32(bytes, 8)
        guard version == Self.version else { throw damaged("unknown version \(version)") }
        let count = Int(Self.uint32(bytes, 12))
        guard count <= Self.maximumCount else { throw damaged("claims \(count) objects") }
        let expected = Self.headerSize + Self.fanOutSize + count * Self.bytesPerObject + 64
        guard bytes.count == expected else {
            throw damaged("\(bytes.count) bytes where \(count) objects take \(expected) (truncated or extended)")
        }
        let body = bytes.count - 32
        let digest = Array(SHA256.hash(data: bytes[0..<body]))
        guard digest == Array(bytes[body...]) else { throw damaged("checksum mismatch") }
        // Fan-out: non-decreasing, ending at the count, and agreeing with the ids.
        var previous = 0
        for b in 0..<256 {
            let value = Int(Self.uint32(bytes, Self.headerSize + 4 * b))
            guard value >= previous, value <= count else { throw damaged("fan-out entry \(b) is \(value), out of order") }
            previous = value
        }
        guard previous == count else { throw damaged("fan-out ends at \(previous), not at the object count \(count)") }
        let ids = Self.headerSize + Self.fanOutSize
        for i in 0..<count {
            let at = ids + 32 * i
            let first = Int(bytes[at])
            let low = first == 0 ? 0 : Int(Self.uint32(bytes, Self.headerSize + 4 * (first - 1)))
            let high = Int(Self.uint32(bytes, Self.headerSize + 4 * first))
            guard i >= low && i < high else { throw damaged("fan-out disagrees with object \(i) (first byte \(first))") }
            if i > 0 {
                let before = at - 32
                var ordered = false
                for k in 0..<32 where bytes[before + k] != bytes[at + k] {
                    ordered = bytes[before + k] < bytes[at + k]
                    break
                }
                guard ordered else { throw damaged("ids are not strictly ascending at object \(i)") }
            }
        }
        self.bytes = bytes
        self.count = count
        self.packChecksum = Array(bytes[(body - 32)..<body])
    }

    /// Where an object sits in the pack, or nil when the pack does not hold it.
    public func lookup(_ id: ObjectID) -> (offset: Int64, length: Int64)? {
        let key = id.bytes
        let first = Int(id.firstByte)
        var low = first == 0 ? 0 : Int(Self.uint32(bytes, Self.headerSize + 4 * (first - 1)))
        var high = Int(Self.uint32(bytes, Self.headerSize + 4 * first))
        let ids = Self.headerSize + Self.fanOutSize
        while low < high {
            let mid = (low + high) / 2
            let order = compare(key, at: ids + 32 * mid)
            if order == 0 { return entry(mid) }
            if order < 0 { high = mid } else { low = mid + 1 }
        }
        return nil
    }

    /// The id of the `i`-th object (in id order).
    public func id(at i: Int) -> ObjectID {
        let at = Self.headerSize + Self.fanOutSize + 32 * i
        return ObjectID(bytes: bytes[at..<at + 32])
    }

    /// The offset and length of the `i`-th object (in id order).
    public func entry(_ i: Int) -> (offset: Int64, length: Int64) {
        let offsets = Self.headerSize + Self.fanOutSize + 32 * count
        let lengths = offsets + 8 * count
        return (Int64(bitPattern: Self.uint64(bytes, offsets + 8 * i)), Int64(bitPattern: Self.uint64(bytes, lengths + 8 * i)))
    }

    /// The ids whose first byte is `first`, ascending.
    public func ids(firstByte first: UInt8) -> [ObjectID] {
        let low = first == 0 ? 0 : Int(Self.uint32(bytes, Self.headerSize + 4 * (Int(first) - 1)))
        let high = Int(Self.uint32(bytes, Self.headerSize + 4 * Int(first)))
        return (low..<high).map { id(at: $0) }
    }

    /// Every id, ascending.
    public var ids: [ObjectID] { (0..<count).map { id(at: $0) } }

    private func compare(_ id: [UInt8], at: Int) -> Int {
        for k in 0..<32 where id[k] != bytes[at + k] {
            return id[k] < bytes[at + k] ? -1 : 1
        }
        return 0
    }

    /// Encodes an index for `entries` (any order) of a pack whose trailer is `packChecksum`.
    public static func encode(_ entries: [(id: ObjectID, offset: Int64, length: Int64)], packChecksum: [UInt8]) -> [UInt8] {
        let sorted = entries.sorted { $0.id < $1.id }
        var out = magic
        out.reserveCapacity(headerSize + fanOutSize + sorted.count * bytesPerObject + 64)
        append32(&out, version)
        append32(&out, UInt32(sorted.count))
        var counts = [Int](repeating: 0, count: 256)
        for e in sorted { counts[Int(e.id.firstByte)] += 1 }
        var running = 0
        for b in 0..<256 {
            running += counts[b]
            append32(&out, UInt32(running))
        }
        for e in sorted { out.append(contentsOf: e.id.bytes) }
        for e in sorted { append64(&out, UInt64(e.offset)) }
        for e in sorted { append64(&out, UInt64(e.length)) }
        out.append(contentsOf: packChecksum)
        out.append(contentsOf: Array(SHA256.hash(data: out)))
        return out
    }

    static func uint32(_ b: [UInt8], _ at: Int) -> UInt32 {
        UInt32(b[at]) << 24 | UInt32(b[at + 1]) << 16 | UInt32(b[at + 2]) << 8 | UInt32(b[at + 3])
    }

    static func uint64(_ b: [UInt8], _ at: Int) -> UInt64 {
        UInt64(uint32(b, at)) << 32 | UInt64(uint32(b, at + 4))
    }

    static func append32(_ out: inout [UInt8], _ v: UInt32) {
        out.append(contentsOf: [UInt8(v >> 24), UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff)])
    }

    static func append64(_ out: inout [UInt8], _ v: UInt64) {
        append32(&out, UInt32(v >> 32))
        append32(&out, UInt32(v & 0xffff_ffff))
    }
}
