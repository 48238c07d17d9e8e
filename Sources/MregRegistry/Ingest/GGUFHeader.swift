import MregSupport
import MregStore

/// The header of a GGUF (v2 or v3, little-endian) file: its metadata and tensor table.
///
/// The file is read through a small buffered reader from the start up to the end of the
/// tensor infos; the tensor data is never read. Every count and length is checked against
/// fixed limits and the file size, so a corrupt or hostile file fails with an error
/// instead of exhausting memory.
public struct GGUFHeader: Sendable {
    /// One tensor: its name, dimensions, ggml type and absolute position in the file.
    public struct Tensor: Sendable, Equatable {
        public var name: String
        /// The dimensions as stored, innermost (`ne[0]`) first.
        public var dims: [Int64]
        /// The raw ggml type number.
        public var ggmlType: UInt32
        /// The ggml type name, e.g. `F32`, `Q4_K`, `BF16`; `type<N>` for an unknown type.
        public var dtype: String
        /// Absolute file offset of the tensor data (`dataStart + offset`).
        public var begin: Int64
        /// The number of data bytes, or nil when the ggml type's block size is unknown.
        public var byteCount: Int64?
        /// Number of elements: the product of `dims`.
        public var parameters: Int64

        public init(name: String, dims: [Int64], ggmlType: UInt32, dtype: String, begin: Int64,
                    byteCount: Int64?, parameters: Int64) {
            self.name = name
            self.dims = dims
            self.ggmlType = ggmlType
            self.dtype = dtype
            self.begin = begin
            self.byteCount = byteCount
            self.parameters = parameters
        }

        /// Absolute file offset one past the last data byte, when the size is known.
        public var end: Int64? { byteCount.map { begin + $0 } }
    }

    /// Limits that reject absurd headers before any large allocation.
    public enum Limits {
        public static let maxTensors: UInt64 = 10_000_000
        public static let maxKeyValues: UInt64 = 1_000_000
        public static let maxStringBytes: UInt64 = 1 << 20
        public static let maxDimensions: UInt32 = 8
        public static let maxArrayDepth = 8
        /// Arrays longer than this are recorded by their count only.
        public static let maxStoredArrayItems: UInt64 = 64
    }

    /// The format version (2 or 3).
    public var version: UInt32
    /// Scalar, string and short-array metadata values by key.
    ///
    /// Arrays of more than ``Limits/maxStoredArrayItems`` items are recorded as
    /// `{"array_count": n, "item_type": "<type>"}` instead of their items.
    public var metadata: [String: JSONValue]
    /// The tensors in file order.
    public var tensors: [Tensor]
    /// The data alignment (`general.alignment`, default 32).
    public var alignment: Int64
    /// The absolute offset of the data section.
    public var dataStart: Int64
    /// The total number of elements over all tensors.
    public var parameters: Int64

    /// The `general.architecture` value, e.g. `llama`, when present.
    public var architecture: String? { metadata["general.architecture"]?.stringValue }

    /// Reads and validates the header of the GGUF file at `path`.
    ///
    /// - Throws: `RegistryError.io` when the file cannot be read, `.badInput(.malformedFile)` when it is not a valid GGUF file.
    public static func read(path: String) throws -> GGUFHeader {
        let (file, fileSize) = try RegularFile.open(path)
        defer { file.close() }
        var reader = Reader(file: file, fileSize: fileSize, path: path)
        return try parse(&reader)
    }

    /// The ggml type name for a type number, `type<N>` when unknown.
    public static func dtypeName(ggmlType: UInt32) -> String {
        typeTable[ggmlType]?.name ?? "type\(ggmlType)"
    }

    /// Elements per block and bytes per block of a ggml type, nil when unknown.
    public static func blockLayout(ggmlType: UInt32) -> (elements: Int64, bytes: Int64)? {
        guard let entry = typeTable[ggmlType], entry.blockElements > 0 else { return nil }
        return (entry.blockElements, entry.blockBytes)
    }

    // MARK: - Parsing

    private static func parse(_ r: inout Reader) throws -> GGUFHeader {
        let magic = try r.bytes(4)
        guard magic == Array("GGUF".utf8) else { throw r.fail("not a GGUF file (bad magic)") }
        let version = try r.u32()
        guard version == 2 || version == 3 else {
            if version.byteSwapped == 2 || version.byteSwapped == 3 {
                throw r.fail("big-endian GGUF files are not supported")
            }
            throw r.fail("unsupported GGUF version \(version)")
        }
        let tensorCount = try r.u64()
        let kvCount = try r.u64()
        // Each tensor info takes at least 8+4+4+8 bytes and each key/value at least 8+4+1.
        guard tensorCount <= Limits.maxTensors, tensorCount <= UInt64(r.remaining / 24) else {
            throw r.fail("implausible tensor count \(tensorCount)")
        }
        guard kvCount <= Limits.maxKeyValues, kvCount <= UInt64(r.remaining / 13) else {
            throw r.fail("implausible metadata count \(kvCount)")
        }

        var metadata: [String: JSONValue] = [:]
        var alignment: Int64 = 32
        for _ in 0..<kvCount {
            let key = try r.string()
            guard metadata[key] == nil else { throw r.fail("duplicate metadata key '\(key)'") }
            let type = try r.u32()
            if key == "general.alignment" {
                guard type == 4 else { throw r.fail("general.alignment is not a u32") }
                let value = try r.u32()
                guard value > 0, value & (value - 1) == 0, value <= 1 << 20 else {
                    throw r.fail("invalid general.alignment \(value)")
                }
                alignment = Int64(value)
                metadata[key] = .int(Int64(value))
            } else {
                metadata[key] = try value(type: type, depth: 0, &r)
            }
        }

        var infos: [(name: String, dims: [Int64], type: UInt32, offset: UInt64)] = []
        infos.reserveCapacity(Int(min(tensorCount, 65_536)))
        var names = Set<String>()
        for _ in 0..<tensorCount {
            let name = try r.string()
            guard names.insert(name).inserted else { throw r.fail("duplicate tensor name '\(name)'") }
            let dimCount = try r.u32()
            guard dimCount <= Limits.maxDimensions else {
                throw r.fail("tensor '\(name)' has \(dimCount) dimensions")
            }
            var dims: [Int64] = []
            for _ in 0..<dimCount {
                let dim = try r.u64()
                guard dim <= UInt64(Int64.max) else { throw r.fail("tensor '\(name)' has an invalid dimension") }
                dims.append(Int64(dim))
            }
            infos.append((name, dims, try r.u32(), try r.u64()))
        }

        let infoEnd = r.offset
        let dataStart = (infoEnd + alignment - 1) / alignment * alignment
        let fileSize = r.fileSize
        var tensors: [Tensor] = []
        tensors.reserveCapacity(infos.count)
        var total: Int64 = 0
        for info in infos {
            func bad(_ problem: String) -> RegistryError {
                RegistryError.badInput(.malformedFile(path: nil, problem: "GGUF tensor '\(info.name)': \(problem)"))
            }
            var parameters: Int64 = 1
            for dim in info.dims {
                let (product, overflow) = parameters.multipliedReportingOverflow(by: dim)
                guard !overflow else { throw bad("element count overflows") }
                parameters = product
            }
            guard info.offset % UInt64(alignment) == 0 else { throw bad("data offset \(info.offset) is not aligned to \(alignment)") }
            guard info.offset <= UInt64(max(0, fileSize - dataStart)) else {
                throw bad("data offset \(info.offset) goes beyond the end of the file")
            }
            let begin = dataStart + Int64(info.offset)
            var byteCount: Int64?
            if let layout = blockLayout(ggmlType: info.type) {
                let innermost = info.dims.first ?? 1
                guard innermost % layout.elements == 0 else {
                    throw bad("first dimension \(innermost) is not a multiple of the \(layout.elements)-element block")
                }
                let (bytes, overflow) = (parameters / layout.elements).multipliedReportingOverflow(by: layout.bytes)
                guard !overflow, bytes <= fileSize - begin else {
                    throw bad("data goes beyond the end of the file (truncated?)")
                }
                byteCount = bytes
            }
            let (sum, overflow) = total.addingReportingOverflow(parameters)
            guard !overflow else { throw RegistryError.badInput(.malformedFile(path: nil, problem: "GGUF parameter count overflows")) }
            total = sum
            tensors.append(Tensor(name: info.name, dims: info.dims, ggmlType: info.type,
                                  dtype: dtypeName(ggmlType: info.type), begin: begin,
                                  byteCount: byteCount, parameters: parameters))
        }
        return GGUFHeader(version: version, metadata: metadata, tensors: tensors, alignment: alignment,
                          dataStart: dataStart, parameters: total)
    }

    /// Reads one metadata value of the given GGUF value type.
    private static func value(type: UInt32, depth: Int, _ r: inout Reader) throws -> JSONValue {
        switch type {
        case 0: return .int(Int64(try r.u8()))
        case 1: return .int(Int64(Int8(bitPattern: try r.u8())))
        case 2: return .int(Int64(try r.u16()))
        case 3: return .int(Int64(Int16(bitPattern: try r.u16())))
        case 4: return .int(Int64(try r.u32()))
        case 5: return .int(Int64(Int32(bitPattern: try r.u32())))
        case 6: return floatValue(Float(bitPattern: try r.u32()))
        case 7:
            let byte = try r.u8()
            guard byte <= 1 else { throw r.fail("invalid bool value \(byte)") }
            return .bool(byte == 1)
        case 8: return .string(try r.string())
        case 9: return try array(depth: depth, &r)
        case 10:
            let v = try r.u64()
            return v <= UInt64(Int64.max) ? .int(Int64(v)) : .double(Double(v))
        case 11: return .int(Int64(bitPattern: try r.u64()))
        case 12:
            let d = Double(bitPattern: try r.u64())
            return d.isFinite ? .double(d) : .string(String(d))
        default: throw r.fail("unknown metadata value type \(type)")
        }
    }

    /// Reads an array value; long arrays are skipped and recorded by their count.
    private static func array(depth: Int, _ r: inout Reader) throws -> JSONValue {
        guard depth < Limits.maxArrayDepth else { throw r.fail("metadata arrays nested too deeply") }
        let itemType = try r.u32()
        let count = try r.u64()
        let minimumItemSize: UInt64
        switch itemType {
        case 0, 1, 7: minimumItemSize = 1
        case 2, 3: minimumItemSize = 2
        case 4, 5, 6: minimumItemSize = 4
        case 8, 10, 11, 12: minimumItemSize = 8
        case 9: minimumItemSize = 12
        default: throw r.fail("unknown array item type \(itemType)")
        }
        guard count <= UInt64(r.remaining) / minimumItemSize else {
            throw r.fail("array of \(count) items goes beyond the end of the file")
        }
        if count <= Limits.maxStoredArrayItems {
            var items: [JSONValue] = []
            items.reserveCapacity(Int(count))
            for _ in 0..<count { items.append(try value(type: itemType, depth: depth + 1, &r)) }
            return .array(items)
        }
        switch itemType {
        case 8:
            for _ in 0..<count { try r.skipString() }
        case 9:
            for _ in 0..<count { _ = try array(depth: depth + 1, &r) }
        default:
            try r.skip(Int64(count * minimumItemSize))
        }
        return .object(["array_count": .int(Int64(count)), "item_type": .string(typeName(itemType))])
    }

    /// A float32 as the double with the same shortest decimal form (1e-5, not 9.99999974e-06).
    private static func floatValue(_ f: Float) -> JSONValue {
        guard f.isFinite else { return .string(String(f)) }
        return .double(Double(String(f)) ?? Double(f))
    }

    private static func typeName(_ type: UInt32) -> String {
        switch type {
        case 0: "u8"
        case 1: "i8"
        case 2: "u16"
        case 3: "i16"
        case 4: "u32"
        case 5: "i32"
        case 6: "f32"
        case 7: "bool"
        case 8: "string"
        case 9: "array"
        case 10: "u64"
        case 11: "i64"
        case 12: "f64"
        default: "type\(type)"
        }
    }

    /// The ggml type table: name, elements per block, bytes per block (0 when not known).
    private static let typeTable: [UInt32: (name: String, blockElements: Int64, blockBytes: Int64)] = [
        0: ("F32", 1, 4), 1: ("F16", 1, 2),
        2: ("Q4_0", 32, 18), 3: ("Q4_1", 32, 20), 4: ("Q4_2", 0, 0), 5: ("Q4_3", 0, 0),
        6: ("Q5_0", 32, 22), 7: ("Q5_1", 32, 24), 8: ("Q8_0", 32, 34), 9: ("Q8_1", 32, 36),
        10: ("Q2_K", 256, 84), 11: ("Q3_K", 256, 110), 12: ("Q4_K", 256, 144),
        13: ("Q5_K", 256, 176), 14: ("Q6_K", 256, 210), 15: ("Q8_K", 256, 292),
        16: ("IQ2_XXS", 256, 66), 17: ("IQ2_XS", 256, 74), 18: ("IQ3_XXS", 256, 98),
        19: ("IQ1_S", 256, 50), 20: ("IQ4_NL", 32, 18), 21: ("IQ3_S", 256, 110),
        22: ("IQ2_S", 256, 82), 23: ("IQ4_XS", 256, 136),
        24: ("I8", 1, 1), 25: ("I16", 1, 2), 26: ("I32", 1, 4), 27: ("I64", 1, 8), 28: ("F64", 1, 8),
        29: ("IQ1_M", 256, 56), 30: ("BF16", 1, 2),
        31: ("Q4_0_4_4", 32, 18), 32: ("Q4_0_4_8", 32, 18), 33: ("Q4_0_8_8", 32, 18),
        34: ("TQ1_0", 256, 54), 35: ("TQ2_0", 256, 66),
        36: ("IQ4_NL_4_4", 32, 18), 37: ("IQ4_NL_4_8", 32, 18), 38: ("IQ4_NL_8_8", 32, 18),
        39: ("MXFP4", 32, 17), 40: ("NVFP4", 64, 36), 41: ("Q1_0", 128, 18),
    ]

    // MARK: - Buffered reader

    /// A forward-only little-endian reader over an open file with a 64 KiB buffer.
    private struct Reader {
        let file: OpenFile
        let fileSize: Int64
        let path: String
        private var buffer: [UInt8] = []
        private var index = 0
        private var bufferStart: Int64 = 0

        init(file: OpenFile, fileSize: Int64, path: String) {
            self.file = file
            self.fileSize = fileSize
            self.path = path
        }

        /// The absolute offset of the next byte.
        var offset: Int64 { bufferStart + Int64(index) }
        /// Bytes left in the file after `offset`.
        var remaining: Int64 { max(0, fileSize - offset) }

        func fail(_ problem: String) -> RegistryError {
            RegistryError.badInput(.malformedFile(path: path, problem: "GGUF \(problem) at offset \(offset)"))
        }

        /// Makes at least `count` bytes available from `index`, or throws if the file ends first.
        private mutating func ensure(_ count: Int) throws {
            if buffer.count - index >= count { return }
            guard Int64(count) <= remaining else { throw fail("file is truncated (needed \(count) more bytes)") }
            let kept = Array(buffer[index...])
            bufferStart += Int64(index)
            index = 0
            let want = max(count, 1 << 16)
            var fresh = [UInt8](repeating: 0, count: want)
            let readOffset = bufferStart + Int64(kept.count)
            var got = 0
            while kept.count + got < count {
                let n: Int
                do {
                    n = try fresh.withUnsafeMutableBytes { raw in
                        try file.read(atOffset: readOffset + Int64(got), into: UnsafeMutableRawBufferPointer(rebasing: raw[got...]))
                    }
                } catch StoreError.io(_, _, let code) {
                    throw fail("read failed: \(ErrnoText.describe(code.rawValue))")
                }
                guard n > 0 else { throw fail("file is truncated (needed \(count) more bytes)") }
                got += n
            }
            buffer = kept + fresh[0..<got]
        }

        mutating func bytes(_ count: Int) throws -> [UInt8] {
            try ensure(count)
            defer { index += count }
            return Array(buffer[index..<index + count])
        }

        mutating func skip(_ count: Int64) throws {
            guard count <= remaining else { throw fail("file is truncated (needed \(count) more bytes)") }
            if Int64(buffer.count - index) >= count {
                index += Int(count)
            } else {
                bufferStart = offset + count
                buffer = []
                index = 0
            }
        }

        private mutating func littleEndian(_ width: Int) throws -> UInt64 {
            try ensure(width)
            var value: UInt64 = 0
            for i in 0..<width { value |= UInt64(buffer[index + i]) << (8 * UInt64(i)) }
            index += width
            return value
        }

        mutating func u8() throws -> UInt8 { UInt8(try littleEndian(1)) }
        mutating func u16() throws -> UInt16 { UInt16(try littleEndian(2)) }
        mutating func u32() throws -> UInt32 { UInt32(try littleEndian(4)) }
        mutating func u64() throws -> UInt64 { try littleEndian(8) }

        private mutating func stringLength() throws -> Int {
            let length = try u64()
            guard length <= Limits.maxStringBytes else { throw fail("string of \(length) bytes is too long") }
            guard length <= UInt64(remaining) else { throw fail("string of \(length) bytes goes beyond the end of the file") }
            return Int(length)
        }

        mutating func string() throws -> String {
            String(decoding: try bytes(try stringLength()), as: UTF8.self)
        }

        mutating func skipString() throws {
            try skip(Int64(try stringLength()))
        }
    }
}
