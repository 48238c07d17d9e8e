#if canImport(Glibc)
import MregSupport
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Yams

/// What a file is: its format name, format-specific details and whether loading it can run code.
public struct FormatInfo: Sendable, Equatable {
    /// The format name, e.g. `safetensors`, `gguf`, `onnx`, `pytorch`, `pickle`, `json`, `text`.
    public var format: String
    /// Format-specific facts, e.g. `{"tensors": 3, "parameters": 42, "dtypes": ["F32"]}`.
    public var details: JSONValue
    /// True when loading the file with its usual library can run arbitrary code (pickle-based formats).
    public var executesCode: Bool

    public init(format: String, details: JSONValue = [:], executesCode: Bool) {
        self.format = format
        self.details = details
        self.executesCode = executesCode
    }

    /// Builds an info whose `executesCode` follows ``FormatDetector/codeExecutingFormats``.
    public init(format: String, details: JSONValue = [:]) {
        self.init(format: format, details: details, executesCode: FormatDetector.codeExecutingFormats.contains(format))
    }
}

/// Recognises model and data file formats from their bytes, using the extension only as a tie-breaker.
///
/// Only the first 64 KiB are read, plus the structured headers of safetensors and GGUF files,
/// the central directory of zip archives and the top-level fields of ONNX protobufs. JSON and
/// YAML content is validated only when the whole file fits in those 64 KiB; a larger file is
/// trusted on its first character and extension.
/// Detection never throws: a damaged file is reported as whatever its bytes still are, or nil.
public enum FormatDetector {
    /// Formats whose loading (with pickle underneath) can run arbitrary code.
    public static let codeExecutingFormats: Set<String> = ["pickle", "pytorch", "pytorch-pickle", "joblib"]

    /// How much of the start of a file is sniffed.
    public static let sniffLength = 1 << 16

    /// Detects the format of the file at `path`, or nil when no known format fits (or it cannot be read).
    public static func detect(path: String) -> FormatInfo? { detect(path: path, descriptor: nil) }

    /// `detect(path:)` reading through `descriptor`, a file already open at `path` (left open),
    /// so registering many small files does not open each one twice.
    static func detect(path: String, descriptor: Int32?) -> FormatInfo? {
        guard let file = SniffedFile(path: path, descriptor: descriptor) else { return nil }
        defer { file.close() }
        let head = file.head
        let ext = fileExtension(path)
        guard !head.isEmpty else { return nil }

        if let info = safetensors(file) { return info }
        if let info = gguf(file, path: path) { return info }
        if let info = hdf5(head) { return info }
        if head.starts(with: [0x93] + Array("NUMPY".utf8)) { return numpy(head) }
        if head.starts(with: [0x50, 0x4b, 0x03, 0x04]) || head.starts(with: [0x50, 0x4b, 0x05, 0x06]) {
            return zip(file)
        }
        if let info = pickle(head, ext: ext) { return info }
        if ext == "joblib", let compression = compression(head) {
            return FormatInfo(format: "joblib", details: ["compression": .string(compression)])
        }
        if let info = onnx(file, ext: ext) { return info }
        if let text = text(head, truncated: file.size > Int64(head.count)) {
            return textFormat(text, file: file, ext: ext)
        }
        return nil
    }

    // MARK: - Structured weights

    private static func safetensors(_ file: SniffedFile) -> FormatInfo? {
        let head = file.head
        guard head.count > 8, head[8] == UInt8(ascii: "{"),
              let length = try? SafetensorsHeader.validatedHeaderLength(prefix: head, fileSize: file.size) else {
            return nil
        }
        let header: SafetensorsHeader?
        if Int64(head.count) >= 8 + length {
            header = try? SafetensorsHeader.parse(prefix: head, fileSize: file.size)
        } else {
            header = try? SafetensorsHeader.read(path: file.path)
        }
        guard let header else { return nil }
        let dtypes = Set(header.tensors.map(\.dtype)).sorted()
        return FormatInfo(format: "safetensors", details: [
            "tensors": .int(Int64(header.tensors.count)),
            "parameters": .int(header.parameters),
            "dtypes": .array(dtypes.map { .string($0) }),
        ])
    }

    private static func gguf(_ file: SniffedFile, path: String) -> FormatInfo? {
        guard file.head.starts(with: Array("GGUF".utf8)), let header = try? GGUFHeader.read(path: path) else {
            return nil
        }
        let dtypes = Set(header.tensors.map(\.dtype)).sorted()
        var details: [String: JSONValue] = [
            "tensors": .int(Int64(header.tensors.count)),
            "parameters": .int(header.parameters),
            "dtypes": .array(dtypes.map { .string($0) }),
        ]
        if let architecture = header.architecture { details["architecture"] = .string(architecture) }
        return FormatInfo(format: "gguf", details: .object(details))
    }

    /// HDF5, whose superblock sits at offset 0, 512, 1024, 2048, …
    private static func hdf5(_ head: [UInt8]) -> FormatInfo? {
        let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]
        var offset = 0
        while offset + signature.count <= head.count {
            if head[offset..<offset + signature.count].elementsEqual(signature) {
                var details: [String: JSONValue] = [:]
                if contains(head, "keras_version") || contains(head, "model_config") { details["keras"] = true }
                return FormatInfo(format: "hdf5", details: .object(details))
            }
            offset = offset == 0 ? 512 : offset * 2
        }
        return nil
    }

    /// A NumPy `.npy` array: version, dtype, shape and order from the header dictionary.
    private static func numpy(_ head: [UInt8]) -> FormatInfo {
        guard head.count >= 10 else { return FormatInfo(format: "numpy") }
        let major = head[6], minor = head[7]
        var details: [String: JSONValue] = ["version": .string("\(major).\(minor)")]
        let lengthSize = major == 1 ? 2 : 4
        if head.count >= 8 + lengthSize {
            var length = 0
            for i in 0..<lengthSize { length |= Int(head[8 + i]) << (8 * i) }
            let start = 8 + lengthSize
            let end = min(head.count, start + length)
            let dictionary = String(decoding: head[start..<end], as: UTF8.self)
            if let descr = pythonString(after: "'descr':", in: dictionary) { details["dtype"] = .string(descr) }
            if let range = dictionary.firstRange(of: "'fortran_order':") {
                let rest = dictionary[range.upperBound...].drop { $0 == " " }
                if rest.hasPrefix("True") { details["fortran_order"] = true }
                if rest.hasPrefix("False") { details["fortran_order"] = false }
            }
            if let range = dictionary.firstRange(of: "'shape':"),
               let open = dictionary[range.upperBound...].firstIndex(of: "("),
               let close = dictionary[open...].firstIndex(of: ")") {
                let dims = dictionary[dictionary.index(after: open)..<close]
                    .split(separator: ",")
                    .compactMap { Int64($0.filter { $0 != " " }) }
                details["shape"] = .array(dims.map { .int($0) })
            }
        }
        return FormatInfo(format: "numpy", details: .object(details))
    }

    // MARK: - Archives

    /// A zip: a PyTorch checkpoint (`…/data.pkl`), a Keras v3 `.keras` archive, or another zip.
    private static func zip(_ file: SniffedFile) -> FormatInfo {
        let names = zipCentralDirectoryNames(file) ?? zipLocalHeaderNames(file.head)
        let count: JSONValue = .int(Int64(names.count))
        if let pickle = names.first(where: { $0 == "data.pkl" || $0.hasSuffix("/data.pkl") }) {
            return FormatInfo(format: "pytorch", details: ["entries": count, "pickle": .string(pickle)])
        }
        let top = Set(names)
        if top.contains("config.json"),
           top.contains("model.weights.h5") || top.contains("model.weights.npz") || top.contains("metadata.json") {
            return FormatInfo(format: "keras", details: ["entries": count])
        }
        return FormatInfo(format: "zip", details: ["entries": count])
    }

    /// Entry names from the central directory found via the end-of-central-directory record (zip64 aware).
    private static func zipCentralDirectoryNames(_ file: SniffedFile) -> [String]? {
        let tailLength = Int(min(file.size, 65_557))
        let tailStart = file.size - Int64(tailLength)
        guard let tail = file.read(offset: tailStart, count: tailLength), tail.count >= 22 else { return nil }
        var eocd = tail.count - 22
        while eocd >= 0, le(tail, eocd, 4) != 0x0605_4b50 { eocd -= 1 }
        guard eocd >= 0 else { return nil }
        var entries = le(tail, eocd + 10, 2)
        var directorySize = le(tail, eocd + 12, 4)
        var directoryOffset = le(tail, eocd + 16, 4)
        if entries == 0xffff || directorySize == 0xffff_ffff || directoryOffset == 0xffff_ffff {
            // Zip64: the locator sits just before the classic record and points at the zip64 record.
            guard eocd >= 20, le(tail, eocd - 20, 4) == 0x0706_4b50 else { return nil }
            let recordOffset = le(tail, eocd - 20 + 8, 8)
            guard recordOffset < UInt64(file.size), let record = file.read(offset: Int64(recordOffset), count: 56),
                  record.count == 56, le(record, 0, 4) == 0x0606_4b50 else { return nil }
            entries = le(record, 32, 8)
            directorySize = le(record, 40, 8)
            directoryOffset = le(record, 48, 8)
        }
        guard entries <= 1_000_000, directorySize <= 16 << 20,
              directoryOffset <= UInt64(file.size), directorySize <= UInt64(file.size) - directoryOffset,
              let directory = file.read(offset: Int64(directoryOffset), count: Int(directorySize)) else {
            return nil
        }
        var names: [String] = []
        var position = 0
        while names.count < entries, position + 46 <= directory.count, le(directory, position, 4) == 0x0201_4b50 {
            let nameLength = Int(le(directory, position + 28, 2))
            let extraLength = Int(le(directory, position + 30, 2))
            let commentLength = Int(le(directory, position + 32, 2))
            guard position + 46 + nameLength <= directory.count else { break }
            names.append(String(decoding: directory[position + 46..<position + 46 + nameLength], as: UTF8.self))
            position += 46 + nameLength + extraLength + commentLength
        }
        return names.isEmpty && entries > 0 ? nil : names
    }

    /// Entry names from the local file headers within the sniffed bytes (for damaged or truncated zips).
    private static func zipLocalHeaderNames(_ head: [UInt8]) -> [String] {
        var names: [String] = []
        var position = 0
        while position + 30 <= head.count, le(head, position, 4) == 0x0403_4b50 {
            let flags = le(head, position + 6, 2)
            let compressedSize = Int(le(head, position + 18, 4))
            let nameLength = Int(le(head, position + 26, 2))
            let extraLength = Int(le(head, position + 28, 2))
            guard position + 30 + nameLength <= head.count else { break }
            names.append(String(decoding: head[position + 30..<position + 30 + nameLength], as: UTF8.self))
            // With a data descriptor (flag bit 3) or zip64 sizes, the next header cannot be located.
            guard flags & 0x08 == 0, compressedSize != 0xffff_ffff else { break }
            position += 30 + nameLength + extraLength + compressedSize
        }
        return names
    }

    // MARK: - Pickles

    /// A pickle (protocol 2–5 by its bytes, or any `.pkl`/`.pickle` file) and its PyTorch and joblib variants.
    private static func pickle(_ head: [UInt8], ext: String) -> FormatInfo? {
        // torch.save's legacy (pre-1.6) format starts with a pickled magic number.
        let legacyTorch: [UInt8] = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]
        if head.starts(with: legacyTorch) {
            return FormatInfo(format: "pytorch-pickle", details: ["protocol": 2])
        }
        var details: [String: JSONValue] = [:]
        if head.count >= 2, head[0] == 0x80, (2...5).contains(head[1]) {
            details["protocol"] = .int(Int64(head[1]))
        } else if ext != "pkl" && ext != "pickle" {
            return nil
        }
        switch ext {
        case "pt", "pth", "bin": return FormatInfo(format: "pytorch-pickle", details: .object(details))
        case "joblib":
            details["compression"] = "none"
            return FormatInfo(format: "joblib", details: .object(details))
        default: return FormatInfo(format: "pickle", details: .object(details))
        }
    }

    /// The compression a joblib dump was written with, from its first bytes.
    private static func compression(_ head: [UInt8]) -> String? {
        if head.count >= 2, head[0] == 0x78, [0x01, 0x5e, 0x9c, 0xda].contains(head[1]) { return "zlib" }
        if head.starts(with: [0x1f, 0x8b]) { return "gzip" }
        if head.starts(with: [0x04, 0x22, 0x4d, 0x18]) { return "lz4" }
        if head.starts(with: Array("BZh".utf8)) { return "bz2" }
        if head.starts(with: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]) { return "xz" }
        if head.starts(with: [0x5d, 0x00, 0x00]) { return "lzma" }
        if head.starts(with: Array("ZF0x".utf8)) { return "zlib" }
        return nil
    }

    // MARK: - ONNX

    /// An ONNX ModelProto, recognised by walking its top-level protobuf fields to the exact end of the file.
    private static func onnx(_ file: SniffedFile, ext: String) -> FormatInfo? {
        guard file.head.first == 0x08 else { return nil }
        var cursor = ProtobufCursor(file: file)
        var irVersion: UInt64?
        var producer: String?
        var producerVersion: String?
        var opset: UInt64?
        var hasGraph = false
        var fieldCount = 0
        while cursor.position < file.size {
            fieldCount += 1
            guard fieldCount <= 100_000, let tag = cursor.varint() else { return nil }
            let field = tag >> 3, wire = tag & 7
            switch (field, wire) {
            case (1, 0), (5, 0):
                guard let value = cursor.varint() else { return nil }
                if field == 1 { irVersion = value }
            case (2, 2), (3, 2), (4, 2), (6, 2), (7, 2), (8, 2), (14, 2), (20, 2), (25, 2):
                guard let length = cursor.varint(), length <= UInt64(file.size - cursor.position) else { return nil }
                let start = cursor.position
                switch field {
                case 2 where length <= 4096: producer = cursor.string(count: Int(length))
                case 3 where length <= 4096: producerVersion = cursor.string(count: Int(length))
                case 7: hasGraph = true
                case 8 where length <= 4096:
                    if let set = cursor.operatorSet(length: Int(length)), set.domain.isEmpty || set.domain == "ai.onnx" {
                        opset = set.version
                    }
                default: break
                }
                cursor.position = start + Int64(length)
            default:
                return nil
            }
        }
        guard cursor.position == file.size, let irVersion, (1...100).contains(irVersion) else { return nil }
        guard hasGraph || (producer != nil && ext == "onnx") else { return nil }
        var details: [String: JSONValue] = ["ir_version": .int(Int64(irVersion))]
        if let producer { details["producer"] = .string(producer) }
        if let producerVersion { details["producer_version"] = .string(producerVersion) }
        if let opset, opset <= UInt64(Int64.max) { details["opset"] = .int(Int64(opset)) }
        return FormatInfo(format: "onnx", details: .object(details))
    }

    // MARK: - Text

    /// The sniffed bytes as UTF-8 text without binary control characters, or nil.
    private static func text(_ head: [UInt8], truncated: Bool) -> String? {
        for byte in head where byte < 0x20 && ![0x09, 0x0a, 0x0c, 0x0d, 0x1b].contains(byte) { return nil }
        // A multi-byte character may be cut by the end of the sniffed window.
        for drop in 0...(truncated ? 3 : 0) where drop < head.count || drop == 0 {
            if let text = String(validating: head.dropLast(drop), as: UTF8.self) { return text }
        }
        return nil
    }

    /// JSON, YAML or plain text; the content is validated only when the whole file was sniffed.
    private static func textFormat(_ text: String, file: SniffedFile, ext: String) -> FormatInfo {
        let whole = file.size == Int64(file.head.count)
        var body = Substring(text)
        if body.hasPrefix("\u{FEFF}") { body = body.dropFirst() }
        let first = body.first(where: { !$0.isWhitespace })
        if first == "{" || first == "[" {
            if whole {
                switch try? JSONValue.parse(Array(body.utf8)) {
                case .object(let object)?:
                    return FormatInfo(format: "json", details: ["type": "object", "keys": .int(Int64(object.count))])
                case .array(let array)?:
                    return FormatInfo(format: "json", details: ["type": "array", "items": .int(Int64(array.count))])
                default: break
                }
            } else if ext == "json" {
                return FormatInfo(format: "json", details: ["type": first == "{" ? "object" : "array"])
            }
        }
        if ext == "yaml" || ext == "yml" || body.hasPrefix("%YAML") {
            if !whole || isValidYAML(text) { return FormatInfo(format: "yaml") }
        }
        return FormatInfo(format: "text")
    }

    private static func isValidYAML(_ text: String) -> Bool {
        guard var documents = try? Yams.compose_all(yaml: text) else { return false }
        while documents.next() != nil {}
        return documents.error == nil
    }

    // MARK: - Helpers

    /// The lowercased extension of the last path component, or "".
    static func fileExtension(_ path: String) -> String {
        // The last non-empty component (as `split(separator: "/").last`, without splitting it all).
        var end = path.endIndex
        while end > path.startIndex, path[path.index(before: end)] == "/" { end = path.index(before: end) }
        let trimmed = path[..<end]
        let name = trimmed.lastIndex(of: "/").map { trimmed[trimmed.index(after: $0)...] } ?? trimmed
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return name[name.index(after: dot)...].lowercased()
    }

    /// A little-endian unsigned integer of `width` bytes at `offset`; 0 when out of range.
    private static func le(_ bytes: [UInt8], _ offset: Int, _ width: Int) -> UInt64 {
        guard offset >= 0, offset + width <= bytes.count else { return 0 }
        var value: UInt64 = 0
        for i in 0..<width { value |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
        return value
    }

    private static func contains(_ haystack: [UInt8], _ needle: String) -> Bool {
        let pattern = Array(needle.utf8)
        guard let first = pattern.first, haystack.count >= pattern.count else { return false }
        var i = 0
        while i + pattern.count <= haystack.count {
            if haystack[i] == first, haystack[i..<i + pattern.count].elementsEqual(pattern) { return true }
            i += 1
        }
        return false
    }

    /// The quoted Python string after `key` in a NumPy header dictionary.
    private static func pythonString(after key: String, in text: String) -> String? {
        guard let range = text.firstRange(of: key) else { return nil }
        let rest = text[range.upperBound...].drop { $0 == " " }
        guard let quote = rest.first, quote == "'" || quote == "\"" else { return nil }
        let body = rest.dropFirst()
        guard let close = body.firstIndex(of: quote) else { return nil }
        return String(body[..<close])
    }

    // MARK: - File access

    /// An open file, its size and its first ``sniffLength`` bytes.
    private struct SniffedFile {
        let path: String
        let fd: Int32
        let size: Int64
        let head: [UInt8]

        /// Whether `close()` closes `fd` (this opened it).
        let owned: Bool

        /// Opens `path`, or uses `descriptor` (open at `path`, which `close()` leaves open).
        init?(path: String, descriptor: Int32? = nil) {
            let fd = descriptor ?? open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
            guard fd >= 0 else { return nil }
            var st = stat()
            guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG,
                  let head = SniffedFile.read(fd: fd, offset: 0, count: Int(min(Int64(st.st_size), Int64(FormatDetector.sniffLength)))) else {
                if descriptor == nil { closeDescriptor(fd) }
                return nil
            }
            self.path = path
            self.fd = fd
            self.size = Int64(st.st_size)
            self.head = head
            owned = descriptor == nil
        }

        func close() { if owned { closeDescriptor(fd) } }

        /// Up to `count` bytes at `offset` (fewer at the end of the file), or nil on a read error.
        func read(offset: Int64, count: Int) -> [UInt8]? {
            SniffedFile.read(fd: fd, offset: offset, count: count)
        }

        private static func read(fd: Int32, offset: Int64, count: Int) -> [UInt8]? {
            RegularFile.read(fd: fd, offset: offset, count: count)
        }
    }

    /// Reads protobuf varints and short strings at any position of a file through a 4 KiB window.
    private struct ProtobufCursor {
        let file: SniffedFile
        var position: Int64 = 0
        private var window: [UInt8] = []
        private var windowStart: Int64 = 0

        init(file: SniffedFile) {
            self.file = file
            self.window = file.head
        }

        private mutating func byte(at offset: Int64) -> UInt8? {
            if offset >= windowStart, offset < windowStart + Int64(window.count) {
                return window[Int(offset - windowStart)]
            }
            guard offset < file.size, let bytes = file.read(offset: offset, count: 4096), !bytes.isEmpty else {
                return nil
            }
            window = bytes
            windowStart = offset
            return window[0]
        }

        mutating func varint() -> UInt64? {
            var value: UInt64 = 0
            for shift in stride(from: UInt64(0), to: 70, by: 7) {
                guard let byte = byte(at: position) else { return nil }
                position += 1
                if shift == 63 && byte > 1 { return nil }
                value |= UInt64(byte & 0x7f) << shift
                if byte & 0x80 == 0 { return value }
            }
            return nil
        }

        mutating func string(count: Int) -> String? {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(count)
            for i in 0..<Int64(count) {
                guard let byte = byte(at: position + i) else { return nil }
                bytes.append(byte)
            }
            return String(decoding: bytes, as: UTF8.self)
        }

        /// Parses an OperatorSetIdProto (domain = 1, version = 2) of `length` bytes at `position`.
        mutating func operatorSet(length: Int) -> (domain: String, version: UInt64)? {
            let end = position + Int64(length)
            var domain = ""
            var version: UInt64?
            while position < end {
                guard let tag = varint() else { return nil }
                switch (tag >> 3, tag & 7) {
                case (1, 2):
                    guard let n = varint(), n <= UInt64(end - position), let text = string(count: Int(n)) else { return nil }
                    domain = text
                    position += Int64(n)
                case (2, 0):
                    version = varint()
                default:
                    return nil
                }
            }
            return version.map { (domain, $0) }
        }
    }
}

/// Closes a descriptor; a free function so that `SniffedFile.close()` can call it.
private func closeDescriptor(_ fd: Int32) {
    _ = close(fd)
}
