import MregSupport
import MregRegistry

extension FuzzTarget {
    /// The chunk policy the weight targets cut with (small chunks, so cutting has work to do).
    static let smallChunks = ChunkPolicy(threshold: 0, maxChunk: 4096)

    /// Safetensors headers: the input is a whole `.safetensors` file.
    static let safetensors = FuzzTarget(
        name: "safetensors",
        summary: "a .safetensors file: its header parsed, its format detected, its tensor-boundary chunks computed",
        dictionary: ["{\"", "\"dtype\"", "\"shape\"", "\"data_offsets\"", "\"__metadata__\"", "\"F32\"", "\"F16\"",
                     "\"BF16\"", "\"I64\"", "\"U8\"", "\"BOOL\"", "\"F8_E4M3\"", "\"F4\"", "[]", "[0,0]",
                     "9223372036854775807", "4294967296", "-1", "1e3"],
        rawDictionary: [[0, 0, 0, 0, 0, 0, 0, 0], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f], [0x00, 0xe1, 0xf5, 0x05, 0, 0, 0, 0]]
    ) { context, input in
        _ = attempt { try SafetensorsHeader.parse(prefix: input, fileSize: Int64(input.count)) }
        _ = attempt { try SafetensorsHeader.parse(prefix: input, fileSize: Int64.max) }
        guard let path = context.file("weights.safetensors", input) else { return }
        if let header = attempt({ try SafetensorsHeader.read(path: path) }) {
            for tensor in header.tensors { _ = SafetensorsHeader.bitsPerElement(dtype: tensor.dtype) }
        }
        _ = FormatDetector.detect(path: path)
        checkCuts(smallChunks.structuralRanges(path: path, size: Int64(input.count), format: "safetensors"), size: input.count)
    }

    /// GGUF headers: the input is a whole `.gguf` file.
    static let gguf = FuzzTarget(
        name: "gguf",
        summary: "a .gguf file: its header parsed, its format detected, its tensor-boundary chunks computed",
        dictionary: ["GGUF", "general.architecture", "general.alignment", "llama", "tokenizer.ggml.tokens"],
        rawDictionary: [[3, 0, 0, 0], [2, 0, 0, 0], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
                        [0, 0, 0, 0, 0, 0, 0, 0x80], [1, 0, 0, 0, 0, 0, 0, 0], [8, 0, 0, 0], [9, 0, 0, 0], [32, 0, 0, 0]]
    ) { context, input in
        guard let path = context.file("weights.gguf", input) else { return }
        if let header = attempt({ try GGUFHeader.read(path: path) }) {
            for tensor in header.tensors {
                _ = GGUFHeader.dtypeName(ggmlType: tensor.ggmlType)
                _ = GGUFHeader.blockLayout(ggmlType: tensor.ggmlType)
            }
            _ = header.architecture
        }
        _ = FormatDetector.detect(path: path)
        checkCuts(smallChunks.structuralRanges(path: path, size: Int64(input.count), format: "gguf"), size: input.count)
    }

    /// The extensions the formats target picks from with its first byte.
    static let formatExtensions = ["bin", "pt", "pth", "ckpt", "pkl", "pickle", "joblib", "onnx", "h5", "keras", "npy",
                                   "npz", "zip", "json", "yaml", "yml", "txt", "md", "safetensors", "gguf", "", "msgpack"]

    /// Format detection of any file: the first byte picks the extension, the rest is the file.
    static let formats = FuzzTarget(
        name: "formats",
        summary: "FormatDetector on any file (zip, ONNX, pickle, NumPy, HDF5, JSON, YAML, text), first byte picking the extension",
        dictionary: ["PK\u{3}\u{4}", "PK\u{5}\u{6}", "PK\u{1}\u{2}", "\u{93}NUMPY", "archive/data.pkl", "data.pkl",
                     "keras_version", "model_config", "%YAML 1.2", "---", "{", "["],
        rawDictionary: [[0x80, 0x02], [0x80, 0x05], [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a], [0x08, 0x07, 0x12],
                        [0x3a, 0x00], [0xff, 0xff, 0xff, 0xff, 0x0f], [0x78, 0x9c], [0x1f, 0x8b]]
    ) { context, input in
        guard let first = input.first else { return }
        let ext = formatExtensions[Int(first) % formatExtensions.count]
        guard let path = context.file(ext.isEmpty ? "file" : "file.\(ext)", Array(input.dropFirst())) else { return }
        if let info = FormatDetector.detect(path: path) {
            invariant(info.executesCode == FormatDetector.codeExecutingFormats.contains(info.format),
                      "format \(info.format) says executesCode \(info.executesCode)")
            _ = info.details.canonical
        }
    }

    /// Chunk ranges must cover the file exactly, in order, none empty or above the maximum.
    static func checkCuts(_ ranges: [Range<Int64>]?, size: Int) {
        guard let ranges else { return }
        var position: Int64 = 0
        for range in ranges {
            invariant(range.lowerBound == position && !range.isEmpty, "chunk \(range) does not follow \(position)")
            position = range.upperBound
        }
        invariant(position == Int64(size), "chunks cover \(position) of \(size) bytes")
    }
}
