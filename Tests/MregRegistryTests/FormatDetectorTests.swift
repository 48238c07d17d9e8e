import MregTestSupport
import Foundation
import Testing
@testable import MregRegistry
@testable import MregFilter
@testable import MregSupport
@testable import MregIndex
@testable import MregGovernance
@testable import MregRemote

/// Detection and header parsing over small sample files written by the tests themselves.
@Suite struct FormatDetectorTests {
    // MARK: - Safetensors

    @Test func safetensorsHeaderListsTensorsInOffsetOrder() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = try dir.write("model.safetensors", Samples.safetensors())
        let header = try SafetensorsHeader.read(path: path)

        let start = header.dataStart
        #expect(header.headerLength % 8 == 0)
        #expect(start == 8 + header.headerLength)
        #expect(header.tensors == [
            .init(name: "b.weight", dtype: "F32", shape: [2, 3], begin: start, end: start + 24, parameters: 6),
            .init(name: "a.bias", dtype: "F16", shape: [3], begin: start + 24, end: start + 30, parameters: 3),
            .init(name: "c.table", dtype: "BF16", shape: [2, 1, 2], begin: start + 30, end: start + 38, parameters: 4),
        ])
        #expect(header.metadata == ["format": "pt"])
        #expect(header.parameters == 13)
        #expect(header.tensors.last?.end == Int64(Samples.safetensors().count))
    }

    @Test func detectsSafetensors() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = try dir.write("weights.bin", Samples.safetensors())
        let info = try #require(FormatDetector.detect(path: path))
        #expect(info == FormatInfo(format: "safetensors",
                                   details: ["tensors": 3, "parameters": 13, "dtypes": ["BF16", "F16", "F32"]],
                                   executesCode: false))
    }

    @Test func truncatedOrGarbageSafetensorsIsRejected() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let good = Samples.safetensors()
        var garbageWithBrace = [UInt8](repeating: 0xff, count: 100)
        garbageWithBrace.replaceSubrange(0..<9, with: [40, 0, 0, 0, 0, 0, 0, 0, UInt8(ascii: "{")])
        let cases: [(String, [UInt8])] = [
            ("data-cut.safetensors", Array(good.dropLast(10))),
            ("header-cut.safetensors", Array(good.prefix(20))),
            ("tiny.safetensors", [1, 2, 3]),
            ("empty.safetensors", []),
            ("huge-length.safetensors", [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f] + Array("{}".utf8)),
            ("not-json.safetensors", Samples.safetensors(rawHeader: "{not json}")),
            ("not-object.safetensors", Samples.safetensors(rawHeader: "[1, 2]")),
            ("garbage.safetensors", garbageWithBrace),
            ("wrong-size.safetensors", Samples.safetensors(rawHeader:
                #"{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#, dataSize: 4)),
            ("overlap.safetensors", Samples.safetensors(rawHeader:
                #"{"x":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"y":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}}"#,
                dataSize: 4)),
            ("bad-metadata.safetensors", Samples.safetensors(rawHeader: #"{"__metadata__":{"n":1}}"#)),
        ]
        for (name, bytes) in cases {
            let path = try dir.write(name, bytes)
            let error = try #require(throws: RegistryError.self, "\(name)") { try SafetensorsHeader.read(path: path) }
            guard case .badInput(.malformedFile) = error else { Issue.record("\(name): \(error)"); continue }
            #expect(!error.description.contains("\n"), "\(name)")
            #expect(FormatDetector.detect(path: path)?.format != "safetensors", "\(name)")
        }
    }

    @Test func safetensorsHeaderLengthLimit() throws {
        let prefix = Samples.le(UInt64(100_000_001)) + Array("{}".utf8)
        let error = try #require(throws: RegistryError.self) {
            try SafetensorsHeader.parse(prefix: prefix, fileSize: 300_000_000)
        }
        #expect(error.description.contains("limit"))
        #expect(throws: RegistryError.self) { try SafetensorsHeader.read(path: "/nonexistent/model.safetensors") }
    }

    // MARK: - GGUF

    @Test func ggufHeaderReadsMetadataAndTensors() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let sample = Samples.gguf()
        let path = try dir.write("model.gguf", sample.bytes)
        let header = try GGUFHeader.read(path: path)

        #expect(header.version == 3)
        #expect(header.alignment == 32)
        #expect(header.dataStart == (sample.infoEnd + 31) / 32 * 32)
        #expect(header.architecture == "llama")
        #expect(header.metadata["llama.context_length"] == 4096)
        #expect(header.metadata["llama.block_count"] == 2)
        #expect(header.metadata["llama.attention.layer_norm_rms_epsilon"] == 1e-5)
        #expect(header.metadata["general.flag"] == true)
        #expect(header.metadata["general.offset"] == -5)
        #expect(header.metadata["general.tags"] == ["a", "b", "c"])
        #expect(header.metadata["tokenizer.ggml.tokens"] == ["array_count": 70, "item_type": "string"])
        #expect(header.metadata["tokenizer.ggml.scores"] == ["array_count": 100, "item_type": "f32"])
        #expect(header.metadata.count == 9)

        let start = header.dataStart
        #expect(header.tensors == [
            .init(name: "token_embd.weight", dims: [4, 3], ggmlType: 0, dtype: "F32", begin: start,
                  byteCount: 48, parameters: 12),
            .init(name: "blk.0.attn_q.weight", dims: [32, 2], ggmlType: 8, dtype: "Q8_0", begin: start + 64,
                  byteCount: 68, parameters: 64),
        ])
        #expect(header.tensors.last?.end == Int64(sample.bytes.count))
        #expect(header.parameters == 76)
    }

    @Test func ggufTypeNames() {
        #expect(GGUFHeader.dtypeName(ggmlType: 12) == "Q4_K")
        #expect(GGUFHeader.dtypeName(ggmlType: 30) == "BF16")
        #expect(GGUFHeader.dtypeName(ggmlType: 23) == "IQ4_XS")
        #expect(GGUFHeader.dtypeName(ggmlType: 999) == "type999")
    }

    @Test func ggufCustomAlignment() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let sample = Samples.gguf(alignment: 64)
        let header = try GGUFHeader.read(path: try dir.write("aligned.gguf", sample.bytes))
        #expect(header.alignment == 64)
        #expect(header.dataStart % 64 == 0)
        #expect(header.dataStart == (sample.infoEnd + 63) / 64 * 64)
    }

    @Test func detectsGGUF() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = try dir.write("model.bin", Samples.gguf().bytes)
        let info = try #require(FormatDetector.detect(path: path))
        #expect(info == FormatInfo(format: "gguf",
                                   details: ["tensors": 2, "parameters": 76, "dtypes": ["F32", "Q8_0"],
                                             "architecture": "llama"],
                                   executesCode: false))
    }

    @Test func truncatedOrAbsurdGGUFIsRejected() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let good = Samples.gguf().bytes
        var absurd = Array(good.prefix(8))
        absurd += Samples.le(UInt64(1) << 40) + Samples.le(UInt64(0))
        let cases: [(String, [UInt8])] = [
            ("data-cut.gguf", Array(good.dropLast(5))),
            ("meta-cut.gguf", Array(good.prefix(60))),
            ("magic-only.gguf", Array("GGUF".utf8)),
            ("absurd.gguf", absurd + [UInt8](repeating: 0, count: 64)),
            ("v1.gguf", Array("GGUF".utf8) + Samples.le(UInt32(1)) + [UInt8](repeating: 0, count: 32)),
        ]
        for (name, bytes) in cases {
            let path = try dir.write(name, bytes)
            let error = try #require(throws: RegistryError.self, "\(name)") { try GGUFHeader.read(path: path) }
            guard case .badInput(.malformedFile) = error else { Issue.record("\(name): \(error)"); continue }
            #expect(FormatDetector.detect(path: path)?.format != "gguf", "\(name)")
        }
    }

    // MARK: - Archives and pickles

    @Test func detectsPyTorchZip() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let entries: [(String, [UInt8])] = [
            ("archive/data.pkl", Samples.pickle), ("archive/version", Array("3\n".utf8)),
            ("archive/data/0", [UInt8](repeating: 0, count: 16)),
        ]
        let info = try #require(FormatDetector.detect(path: try dir.write("model.pt", Samples.zip(entries))))
        #expect(info == FormatInfo(format: "pytorch", details: ["entries": 3, "pickle": "archive/data.pkl"],
                                   executesCode: true))

        // Without a central directory (a cut-off download) the local headers still tell.
        let cut = Samples.zip(entries, centralDirectory: false)
        let fallback = try #require(FormatDetector.detect(path: try dir.write("cut.pt", cut)))
        #expect(fallback.format == "pytorch")
        #expect(fallback.executesCode)
    }

    @Test func detectsKerasAndPlainZip() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let keras = Samples.zip([("metadata.json", Array("{}".utf8)), ("config.json", Array("{}".utf8)),
                                 ("model.weights.h5", Samples.hdf5)])
        let kerasInfo = try #require(FormatDetector.detect(path: try dir.write("model.keras", keras)))
        #expect(kerasInfo == FormatInfo(format: "keras", details: ["entries": 3], executesCode: false))

        let plain = Samples.zip([("readme.txt", Array("hi".utf8))])
        let plainInfo = try #require(FormatDetector.detect(path: try dir.write("stuff.pt", plain)))
        #expect(plainInfo == FormatInfo(format: "zip", details: ["entries": 1], executesCode: false))
    }

    @Test func detectsPickles() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let pickle = try #require(FormatDetector.detect(path: try dir.write("model.pkl", Samples.pickle)))
        #expect(pickle == FormatInfo(format: "pickle", details: ["protocol": 4], executesCode: true))

        for ext in ["pt", "pth", "bin"] {
            let info = try #require(FormatDetector.detect(path: try dir.write("model.\(ext)", Samples.pickle)))
            #expect(info.format == "pytorch-pickle")
            #expect(info.executesCode)
        }

        let joblib = try #require(FormatDetector.detect(path: try dir.write("model.joblib", Samples.pickle)))
        #expect(joblib == FormatInfo(format: "joblib", details: ["protocol": 4, "compression": "none"],
                                     executesCode: true))
        let zlibbed = try #require(FormatDetector.detect(path: try dir.write("z.joblib", [0x78, 0x9c, 0x6b, 0x60, 0x01, 0x00])))
        #expect(zlibbed == FormatInfo(format: "joblib", details: ["compression": "zlib"], executesCode: true))

        let legacy: [UInt8] = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e]
        #expect(FormatDetector.detect(path: try dir.write("old.tar", legacy))?.format == "pytorch-pickle")

        // A protocol-0 pickle is ASCII: only its extension says it is a pickle.
        let ascii = Array("(lp0\nI1\na.".utf8)
        #expect(FormatDetector.detect(path: try dir.write("list.pkl", ascii))?.format == "pickle")
        #expect(FormatDetector.detect(path: try dir.write("list.txt", ascii))?.format == "text")
    }

    // MARK: - Other binary formats

    @Test func detectsHDF5() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let info = try #require(FormatDetector.detect(path: try dir.write("model.h5", Samples.hdf5)))
        #expect(info == FormatInfo(format: "hdf5", details: ["keras": true], executesCode: false))

        // A 512-byte user block before the superblock.
        let shifted = [UInt8](repeating: 0, count: 512) + Samples.hdf5
        #expect(FormatDetector.detect(path: try dir.write("shifted.h5", shifted))?.format == "hdf5")
    }

    @Test func detectsONNX() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let model = Samples.onnx()
        let info = try #require(FormatDetector.detect(path: try dir.write("model.onnx", model)))
        #expect(info == FormatInfo(format: "onnx",
                                   details: ["ir_version": 8, "producer": "pytorch", "producer_version": "2.1.0",
                                             "opset": 17],
                                   executesCode: false))
        // The graph is enough whatever the name.
        #expect(FormatDetector.detect(path: try dir.write("model.bin", model))?.format == "onnx")
        // Without a graph only the extension makes it plausible.
        let graphless = Samples.onnx(graph: false)
        #expect(FormatDetector.detect(path: try dir.write("small.onnx", graphless))?.format == "onnx")
        #expect(FormatDetector.detect(path: try dir.write("small.bin", graphless)) == nil)
        // Trailing bytes that are not protobuf fields.
        #expect(FormatDetector.detect(path: try dir.write("junk.onnx", model + [0xff, 0xff, 0x00])) == nil)
    }

    @Test func detectsNumpy() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let info = try #require(FormatDetector.detect(path: try dir.write("x.npy", Samples.numpy)))
        #expect(info == FormatInfo(format: "numpy",
                                   details: ["version": "1.0", "dtype": "<f4", "fortran_order": false, "shape": [2, 3]],
                                   executesCode: false))
    }

    // MARK: - Text formats and misses

    @Test func detectsTextFormats() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let json = try #require(FormatDetector.detect(path: try dir.write("config.json", Array(#"{"a": 1, "b": [1, 2]}"#.utf8))))
        #expect(json == FormatInfo(format: "json", details: ["type": "object", "keys": 2], executesCode: false))
        let array = try #require(FormatDetector.detect(path: try dir.write("list.txt", Array("[1, 2, 3]\n".utf8))))
        #expect(array.details == ["type": "array", "items": 3])

        #expect(FormatDetector.detect(path: try dir.write("params.yaml", Array("a: 1\nb: [1, 2]\n".utf8)))?.format == "yaml")
        #expect(FormatDetector.detect(path: try dir.write("bad.yml", Array("a: [1, 2\n".utf8)))?.format == "text")
        #expect(FormatDetector.detect(path: try dir.write("broken.json", Array("{ nope".utf8)))?.format == "text")
        // Beyond the sniffed 64 KiB, JSON is trusted on its first character and extension.
        let big = Array(("{\"k\": \"" + String(repeating: "x", count: 70_000) + "\"}").utf8)
        #expect(FormatDetector.detect(path: try dir.write("tokenizer.json", big)) ==
                FormatInfo(format: "json", details: ["type": "object"], executesCode: false))
        #expect(FormatDetector.detect(path: try dir.write("tokenizer.txt", big))?.format == "text")
        let text = try #require(FormatDetector.detect(path: try dir.write("README.md", Array("# Model\nhéllo\n".utf8))))
        #expect(text == FormatInfo(format: "text", details: [:], executesCode: false))
    }

    @Test func unknownOrUnreadableGivesNil() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        #expect(FormatDetector.detect(path: try dir.write("empty.bin", [])) == nil)
        let noise = (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7919 &+ ($0 >> 3)) }
        #expect(FormatDetector.detect(path: try dir.write("noise.bin", noise)) == nil)
        #expect(FormatDetector.detect(path: dir.path + "/missing.bin") == nil)
        #expect(FormatDetector.detect(path: dir.path) == nil)
        // A FIFO must neither hang nor be read.
        let fifo = dir.path + "/pipe"
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(FormatDetector.detect(path: fifo) == nil)
        #expect(throws: RegistryError.self) { try SafetensorsHeader.read(path: fifo) }
        #expect(throws: RegistryError.self) { try GGUFHeader.read(path: fifo) }
    }

    @Test func executesCodeMatchesFormat() {
        #expect(FormatInfo(format: "pickle").executesCode)
        #expect(FormatInfo(format: "pytorch").executesCode)
        #expect(!FormatInfo(format: "safetensors").executesCode)
        #expect(!FormatInfo(format: "keras").executesCode)
    }
}

// MARK: - Sample builders

/// A temporary directory for one test; call `remove()` when done.
private struct TempDir {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("mreg-format-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let file = path + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return file
    }
}

/// Byte builders for the sample files.
private enum Samples {
    static func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }

    /// A safetensors file; by default three tensors whose JSON order differs from their data order.
    static func safetensors(rawHeader: String? = nil, dataSize: Int = 38) -> [UInt8] {
        let header = rawHeader ?? """
            {"__metadata__":{"format":"pt"},\
            "a.bias":{"dtype":"F16","shape":[3],"data_offsets":[24,30]},\
            "c.table":{"dtype":"BF16","shape":[2,1,2],"data_offsets":[30,38]},\
            "b.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}
            """
        var json = Array(header.utf8)
        while json.count % 8 != 0 { json.append(0x20) }
        return le(UInt64(json.count)) + json + (0..<dataSize).map { UInt8(truncatingIfNeeded: $0) }
    }

    /// A GGUF v3 file with nine metadata entries and two tensors; `infoEnd` is where the tensor infos end.
    static func gguf(alignment: UInt32? = nil) -> (bytes: [UInt8], infoEnd: Int64) {
        var b = Array("GGUF".utf8) + le(UInt32(3)) + le(UInt64(2)) + le(UInt64(alignment == nil ? 9 : 10))
        func string(_ s: String) { b += le(UInt64(s.utf8.count)) + Array(s.utf8) }
        func key(_ k: String, _ type: UInt32) { string(k); b += le(type) }
        key("general.architecture", 8); string("llama")
        key("llama.context_length", 4); b += le(UInt32(4096))
        key("llama.block_count", 10); b += le(UInt64(2))
        key("llama.attention.layer_norm_rms_epsilon", 6); b += le(Float(1e-5).bitPattern)
        key("general.flag", 7); b += [1]
        key("general.offset", 5); b += le(Int32(-5))
        key("general.tags", 9); b += le(UInt32(8)) + le(UInt64(3)); ["a", "b", "c"].forEach(string)
        key("tokenizer.ggml.tokens", 9); b += le(UInt32(8)) + le(UInt64(70))
        for i in 0..<70 { string("tok\(i)") }
        key("tokenizer.ggml.scores", 9); b += le(UInt32(6)) + le(UInt64(100))
        for i in 0..<100 { b += le(Float(i).bitPattern) }
        if let alignment { key("general.alignment", 4); b += le(alignment) }

        string("token_embd.weight"); b += le(UInt32(2)) + le(UInt64(4)) + le(UInt64(3)) + le(UInt32(0)) + le(UInt64(0))
        string("blk.0.attn_q.weight"); b += le(UInt32(2)) + le(UInt64(32)) + le(UInt64(2)) + le(UInt32(8))
        b += le(UInt64(alignment == nil ? 64 : 128))
        let infoEnd = Int64(b.count)
        let align = Int(alignment ?? 32)
        while b.count % align != 0 { b.append(0) }
        b += [UInt8](repeating: 1, count: 48)
        b += [UInt8](repeating: 0, count: alignment == nil ? 16 : 80)
        b += [UInt8](repeating: 2, count: 68)
        return (b, infoEnd)
    }

    /// A protocol-4 pickle of a small dict.
    static let pickle: [UInt8] = [0x80, 0x04, 0x95, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0x7d, 0x94, 0x8c, 0x01, 0x61, 0x94, 0x4b, 0x01, 0x73, 0x2e]

    /// The HDF5 superblock signature followed by a Keras attribute name.
    static let hdf5: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]
        + [UInt8](repeating: 0, count: 120) + Array("keras_version".utf8) + [UInt8](repeating: 0, count: 64)

    /// A NumPy v1.0 file holding a 2x3 float32 array.
    static var numpy: [UInt8] {
        var header = Array("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }".utf8)
        while (10 + header.count + 1) % 64 != 0 { header.append(0x20) }
        header.append(0x0a)
        return [0x93] + Array("NUMPY".utf8) + [1, 0] + le(UInt16(header.count)) + header
            + [UInt8](repeating: 0, count: 24)
    }

    static func varint(_ value: UInt64) -> [UInt8] {
        var v = value, out: [UInt8] = []
        while v >= 0x80 { out.append(UInt8(v & 0x7f) | 0x80); v >>= 7 }
        return out + [UInt8(v)]
    }

    static func field(_ number: UInt64, _ payload: [UInt8]) -> [UInt8] {
        varint(number << 3 | 2) + varint(UInt64(payload.count)) + payload
    }

    /// An ONNX ModelProto: ir_version 8, producer pytorch 2.1.0, a tiny graph, opset 17.
    static func onnx(graph: Bool = true) -> [UInt8] {
        var b: [UInt8] = [0x08, 0x08]
        b += field(2, Array("pytorch".utf8))
        b += field(3, Array("2.1.0".utf8))
        if graph {
            let node = field(1, Array("x".utf8)) + field(2, Array("y".utf8)) + field(4, Array("Relu".utf8))
            b += field(7, field(1, node) + field(2, Array("main_graph".utf8)))
        }
        b += field(8, field(1, []) + [0x10, 17])
        return b
    }

    /// A stored (uncompressed) zip, optionally without its central directory.
    static func zip(_ entries: [(String, [UInt8])], centralDirectory: Bool = true) -> [UInt8] {
        var out: [UInt8] = []
        var directory: [UInt8] = []
        for (name, data) in entries {
            let offset = UInt32(out.count)
            let nameBytes = Array(name.utf8)
            let common = le(UInt16(20)) + le(UInt16(0)) + le(UInt16(0)) + le(UInt16(0)) + le(UInt16(0x21))
                + le(UInt32(0)) + le(UInt32(data.count)) + le(UInt32(data.count))
                + le(UInt16(nameBytes.count)) + le(UInt16(0))
            out += le(UInt32(0x0403_4b50)) + common + nameBytes + data
            directory += le(UInt32(0x0201_4b50)) + le(UInt16(20)) + common
                + le(UInt16(0)) + le(UInt16(0)) + le(UInt16(0)) + le(UInt32(0)) + le(offset) + nameBytes
        }
        guard centralDirectory else { return out }
        let directoryOffset = UInt32(out.count)
        out += directory
        out += le(UInt32(0x0605_4b50)) + le(UInt16(0)) + le(UInt16(0)) + le(UInt16(entries.count))
            + le(UInt16(entries.count)) + le(UInt32(directory.count)) + le(directoryOffset) + le(UInt16(0))
        return out
    }
}
