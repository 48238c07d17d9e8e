import MregSupport
import MregStore

/// The header of a `.safetensors` file: its tensors, their byte ranges and its metadata.
///
/// A safetensors file is an 8-byte little-endian length N, N bytes of JSON, then the
/// tensor data. Only the length and the JSON are read, never the data, so reading the
/// header of a 100 GB file costs one small read.
public struct SafetensorsHeader: Sendable {
    /// One tensor: its name, element type, shape and absolute byte range in the file.
    public struct Tensor: Sendable, Equatable {
        public var name: String
        /// The safetensors dtype, e.g. `F32`, `BF16`, `I64`.
        public var dtype: String
        public var shape: [Int64]
        /// Absolute file offset of the first byte (`dataStart + data_offsets[0]`).
        public var begin: Int64
        /// Absolute file offset one past the last byte (`dataStart + data_offsets[1]`).
        public var end: Int64
        /// Number of elements: the product of `shape` (1 for a scalar).
        public var parameters: Int64

        public init(name: String, dtype: String, shape: [Int64], begin: Int64, end: Int64, parameters: Int64) {
            self.name = name
            self.dtype = dtype
            self.shape = shape
            self.begin = begin
            self.end = end
            self.parameters = parameters
        }

        /// The number of data bytes, `end - begin`.
        public var byteCount: Int64 { end - begin }
    }

    /// The largest JSON header accepted, as in the reference implementation (100 MB).
    public static let maxHeaderLength: Int64 = 100_000_000

    /// The length N of the JSON header.
    public var headerLength: Int64
    /// The absolute offset of the data section, `8 + N`.
    public var dataStart: Int64
    /// The tensors, sorted by data offset (then by name).
    public var tensors: [Tensor]
    /// The string-to-string `__metadata__` entry, empty when absent.
    public var metadata: [String: String]
    /// The total number of elements over all tensors.
    public var parameters: Int64

    /// Reads and validates the header of the safetensors file at `path`.
    ///
    /// Reads only the 8-byte length and the JSON header.
    /// - Throws: `RegistryError.io` when the file cannot be read, `.badInput(.malformedFile)` when it is not a valid safetensors file.
    public static func read(path: String) throws -> SafetensorsHeader {
        let (file, fileSize) = try RegularFile.open(path)
        defer { file.close() }
        let lengthBytes = try readFully(file, offset: 0, count: 8, path: path)
        let length = try validatedHeaderLength(prefix: lengthBytes, fileSize: fileSize)
        let json = try readFully(file, offset: 8, count: Int(length), path: path)
        return try parse(prefix: lengthBytes + json, fileSize: fileSize)
    }

    /// Parses a header from the first bytes of a file.
    ///
    /// - Parameters:
    ///   - prefix: at least the first `8 + N` bytes of the file (more is ignored).
    ///   - fileSize: the size of the whole file, used to check that every tensor lies inside it.
    /// - Throws: `RegistryError.badInput(.malformedFile)` when the bytes are not a valid safetensors header.
    public static func parse(prefix: [UInt8], fileSize: Int64) throws -> SafetensorsHeader {
        let length = try validatedHeaderLength(prefix: prefix, fileSize: fileSize)
        guard Int64(prefix.count) >= 8 + length else {
            throw RegistryError.badInput(.malformedFile(path: nil, problem: "safetensors header is truncated: need \(8 + length) bytes, have \(prefix.count)"))
        }
        let jsonBytes = Array(prefix[8..<(8 + Int(length))])
        guard jsonBytes.first == UInt8(ascii: "{") else {
            throw RegistryError.badInput(.malformedFile(path: nil, problem: "safetensors header does not start with '{'"))
        }
        let root: [String: JSONValue]
        do {
            guard let object = try JSONValue.parse(jsonBytes).objectValue else {
                throw RegistryError.badInput(.malformedFile(path: nil, problem: "safetensors header is not a JSON object"))
            }
            root = object
        } catch let error as JSONValue.ParseError {
            throw RegistryError.badInput(.malformedFile(path: nil, problem: "safetensors header is not valid JSON: \(error)"))
        }

        let dataStart = 8 + length
        var metadata: [String: String] = [:]
        var tensors: [Tensor] = []
        tensors.reserveCapacity(root.count)
        for (name, value) in root {
            if name == "__metadata__" {
                metadata = try parseMetadata(value)
            } else {
                tensors.append(try parseTensor(name: name, value: value, dataStart: dataStart, fileSize: fileSize))
            }
        }
        tensors.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }

        var total: Int64 = 0
        for (index, tensor) in tensors.enumerated() {
            if index > 0, tensor.begin < tensors[index - 1].end {
                throw RegistryError.badInput(.malformedFile(path: nil, problem: "safetensors tensors '\(tensors[index - 1].name)' and '\(tensor.name)' overlap"))
            }
            let (sum, overflow) = total.addingReportingOverflow(tensor.parameters)
            guard !overflow else { throw RegistryError.badInput(.malformedFile(path: nil, problem: "safetensors parameter count overflows")) }
            total = sum
        }
        return SafetensorsHeader(headerLength: length, dataStart: dataStart, tensors: tensors,
                                 metadata: metadata, parameters: total)
    }

    /// The element size in bits of the safetensors dtypes this reader knows; nil for others.
    public static func bitsPerElement(dtype: String) -> Int64? {
        switch dtype {
        case "BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0": return 8
        case "U16", "I16", "F16", "BF16": return 16
        case "U32", "I32", "F32": return 32
        case "U64", "I64", "F64", "C64": return 64
        case "F6_E2M3", "F6_E3M2": return 6
        case "F4": return 4
        default: return nil
        }
    }

    // MARK: - Private

    /// Validates the 8-byte little-endian header length against the limits and the file size.
    static func validatedHeaderLength(prefix: [UInt8], fileSize: Int64) throws -> Int64 {
        guard prefix.count >= 8, fileSize >= 8 else {
            throw RegistryError.badInput(.malformedFile(path: nil, problem: "file is too short to be safetensors (\(fileSize) bytes)"))
        }
        var raw: UInt64 = 0
        for i in 0..<8 { raw |= UInt64(prefix[i]) << (8 * UInt64(i)) }
        guard raw <= UInt64(maxHeaderLength) else {
            throw RegistryError.badInput(.malformedFile(path: nil, problem: "safetensors header length \(raw) exceeds the \(maxHeaderLength)-byte limit"))
        }
        let length = Int64(raw)
        guard length >= 2 else {
            throw RegistryError.badInput(.malformedFile(path: nil, problem: "safetensors header length \(length) is too small"))
        }
        guard length <= fileSize - 8 else {
            throw RegistryError.badInput(.malformedFile(path: nil, problem: "safetensors header length \(length) goes beyond the end of the \(fileSize)-byte file"))
        }
        return length
    }

    private static func parseMetadata(_ value: JSONValue) throws -> [String: String] {
        guard let object = value.objectValue else {
            throw RegistryError.badInput(.malformedFile(path: nil, problem: "safetensors __metadata__ is not a JSON object"))
        }
        var metadata: [String: String] = [:]
        for (key, item) in object {
            guard let text = item.stringValue else {
                throw RegistryError.badInput(.malformedFile(path: nil, problem: "safetensors __metadata__ value for '\(key)' is not a string"))
            }
            metadata[key] = text
        }
        return metadata
    }

    private static func parseTensor(name: String, value: JSONValue, dataStart: Int64, fileSize: Int64) throws -> Tensor {
        func bad(_ problem: String) -> RegistryError {
            RegistryError.badInput(.malformedFile(path: nil, problem: "safetensors tensor '\(name)': \(problem)"))
        }
        guard let dtype = value["dtype"]?.stringValue, !dtype.isEmpty else { throw bad("missing or invalid dtype") }
        guard let shapeItems = value["shape"]?.arrayValue else { throw bad("missing or invalid shape") }
        var shape: [Int64] = []
        shape.reserveCapacity(shapeItems.count)
        var parameters: Int64 = 1
        for item in shapeItems {
            guard case .int(let dim) = item, dim >= 0 else { throw bad("shape contains an invalid dimension") }
            shape.append(dim)
            let (product, overflow) = parameters.multipliedReportingOverflow(by: dim)
            guard !overflow else { throw bad("element count overflows") }
            parameters = product
        }
        guard let offsets = value["data_offsets"]?.arrayValue, offsets.count == 2,
              case .int(let start) = offsets[0], case .int(let stop) = offsets[1] else {
            throw bad("missing or invalid data_offsets")
        }
        guard start >= 0, start <= stop else { throw bad("data_offsets [\(start), \(stop)] are not an increasing pair") }
        guard stop <= fileSize - dataStart else {
            throw bad("data_offsets end \(stop) goes beyond the end of the file (data section is \(fileSize - dataStart) bytes)")
        }
        if let bits = bitsPerElement(dtype: dtype) {
            let (totalBits, overflow) = parameters.multipliedReportingOverflow(by: bits)
            guard !overflow, totalBits % 8 == 0, totalBits / 8 == stop - start else {
                throw bad("\(stop - start) data bytes do not match \(dtype) shape \(shape)")
            }
        }
        return Tensor(name: name, dtype: dtype, shape: shape, begin: dataStart + start, end: dataStart + stop,
                      parameters: parameters)
    }

    /// Reads exactly `count` bytes at `offset`.
    private static func readFully(_ file: OpenFile, offset: Int64, count: Int, path: String) throws -> [UInt8] {
        let bytes = try RegularFile.read(file, offset: offset, count: count, path: path)
        guard bytes.count == count else { throw RegistryError.badInput(.malformedFile(path: path, problem: "truncated: the safetensors header ends early")) }
        return bytes
    }
}
