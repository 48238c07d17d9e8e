import MregStore
import MregSupport
import MregRegistry
import MregFilter

/// Appends little-endian integers, ids and length-prefixed strings to a byte array:
/// the encoder of the index files (`Docs/FORMAT.md` §5).
struct ByteWriter {
    var bytes: [UInt8] = []
    /// Set when a count or offset did not fit its 32-bit field: the bytes are then unusable.
    private(set) var overflowed = false

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    var count: Int { bytes.count }

    mutating func u8(_ v: UInt8) { bytes.append(v) }

    mutating func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }

    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }

    /// A count or offset as a UInt32; one that does not fit is written as 0 and marks the writer ``overflowed``.
    mutating func u32(count v: Int) {
        guard let fitted = UInt32(exactly: v) else {
            overflowed = true
            return u32(0)
        }
        u32(fitted)
    }

    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }

    mutating func i64(_ v: Int64) { u64(UInt64(bitPattern: v)) }

    mutating func id(_ v: ObjectID) { bytes.append(contentsOf: v.bytes) }

    mutating func raw(_ v: some Collection<UInt8>) { bytes.append(contentsOf: v) }

    /// A UInt32 length, then the UTF-8 bytes.
    mutating func string(_ s: String) {
        var copy = s
        copy.withUTF8 { u32(count: $0.count); bytes.append(contentsOf: $0) }
    }

    /// Zero bytes up to the next multiple of 8.
    mutating func align8() {
        while bytes.count % 8 != 0 { bytes.append(0) }
    }

    /// Overwrites a UInt64 written earlier at `offset`.
    mutating func patchU64(_ v: UInt64, at offset: Int) {
        withUnsafeBytes(of: v.littleEndian) { src in
            for i in 0..<8 { bytes[offset + i] = src[i] }
        }
    }
}
