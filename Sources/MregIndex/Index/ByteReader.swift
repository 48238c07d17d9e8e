import MregStore
import MregSupport
import MregRegistry
import MregFilter

/// Reads what `ByteWriter` wrote, checking every bound: a damaged index file throws
/// `IndexCorrupt` (and is then rebuilt), it never crashes a reader.
struct ByteReader {
    let base: UnsafeRawBufferPointer
    var offset: Int

    init(_ base: UnsafeRawBufferPointer, offset: Int = 0) {
        self.base = base
        self.offset = offset
    }

    var remaining: Int { base.count - offset }

    mutating func need(_ n: Int) throws {
        guard n >= 0, n <= base.count - offset else { throw IndexCorrupt("truncated at byte \(offset)") }
    }

    mutating func u8() throws -> UInt8 {
        try need(1)
        defer { offset += 1 }
        return base[offset]
    }

    mutating func u16() throws -> UInt16 {
        try need(2)
        defer { offset += 2 }
        return UInt16(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    mutating func u32() throws -> UInt32 {
        try need(4)
        defer { offset += 4 }
        return UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    mutating func u64() throws -> UInt64 {
        try need(8)
        defer { offset += 8 }
        return UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    mutating func i64() throws -> Int64 { Int64(bitPattern: try u64()) }

    mutating func id() throws -> ObjectID {
        try need(32)
        defer { offset += 32 }
        return ObjectID(bytes: Array(base[offset..<offset + 32]))
    }

    mutating func string() throws -> String {
        let n = Int(try u32())
        try need(n)
        defer { offset += n }
        return String(decoding: UnsafeRawBufferPointer(rebasing: base[offset..<offset + n]), as: UTF8.self)
    }

    mutating func skip(_ n: Int) throws {
        try need(n)
        offset += n
    }

    mutating func align8() throws {
        let pad = (8 - offset % 8) % 8
        try skip(pad)
    }
}
