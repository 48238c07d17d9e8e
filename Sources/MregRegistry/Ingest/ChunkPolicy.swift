import MregStore
import MregSupport

/// When and where large files are cut into chunks.
///
/// Files of at least `threshold` bytes are chunked. Safetensors and GGUF files
/// are cut on their structure: the header in its own chunk, then each tensor,
/// tensors larger than `maxChunk` cut at fixed offsets from the tensor's start.
/// Other files use FastCDC with chunks between `maxChunk/16` and `maxChunk`,
/// averaging `maxChunk/4`.
public struct ChunkPolicy: Sendable, Equatable {
    public var threshold: Int64
    public var maxChunk: Int64

    public static let standard = ChunkPolicy(threshold: 64 << 20, maxChunk: 64 << 20)

    public init(threshold: Int64, maxChunk: Int64) {
        self.threshold = threshold
        self.maxChunk = max(4096, maxChunk)
    }

    /// From `core.chunkThreshold` and `core.chunkSize` (bytes, or with a k/m/g suffix).
    public init(repository: Repository) throws {
        self = .standard
        if let t = repository.setting("core.chunkThreshold") { threshold = try Self.parseSize(t, key: "core.chunkThreshold") }
        if let c = repository.setting("core.chunkSize") { maxChunk = max(4096, try Self.parseSize(c, key: "core.chunkSize")) }
    }

    static func parseSize(_ text: String, key: String) throws -> Int64 {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [Character: Int64] = ["k": 1 << 10, "m": 1 << 20, "g": 1 << 30]
        if let last = t.last, let unit = units[last], let n = Int64(t.dropLast()), n > 0 { return n * unit }
        if let n = Int64(t), n > 0 { return n }
        throw RegistryError.badInput(.invalidSetting(key: key, value: text, expected: "a size in bytes (e.g. 67108864 or 64m)"))
    }

    /// Byte ranges that follow the file's structure, or nil when it has none mreg knows.
    public func structuralRanges(path: String, size: Int64, format: String?) -> [Range<Int64>]? {
        var cuts: [(begin: Int64, end: Int64)] = []
        switch format {
        case "safetensors":
            guard let h = try? SafetensorsHeader.read(path: path) else { return nil }
            cuts = h.tensors.map { ($0.begin, $0.end) }
            return ranges(headerEnd: h.dataStart, tensors: cuts, size: size)
        case "gguf":
            guard let h = try? GGUFHeader.read(path: path) else { return nil }
            let starts = h.tensors.map(\.begin).sorted()
            for (i, b) in starts.enumerated() { cuts.append((b, i + 1 < starts.count ? starts[i + 1] : size)) }
            return ranges(headerEnd: h.dataStart, tensors: cuts, size: size)
        default:
            return nil
        }
    }

    /// The header, each tensor (split at `maxChunk`), and any gaps, covering `0..<size` exactly.
    func ranges(headerEnd: Int64, tensors: [(begin: Int64, end: Int64)], size: Int64) -> [Range<Int64>]? {
        var out: [Range<Int64>] = []
        var pos: Int64 = 0
        func add(_ from: Int64, _ to: Int64) {
            var b = from
            while b < to {
                let e = min(to, b + maxChunk)
                out.append(b..<e)
                b = e
            }
        }
        guard headerEnd <= size else { return nil }
        add(0, headerEnd)
        pos = headerEnd
        for t in tensors.sorted(by: { $0.begin < $1.begin }) where t.end > t.begin {
            guard t.begin >= pos, t.end <= size else { return nil }
            if t.begin > pos { add(pos, t.begin) }
            add(t.begin, t.end)
            pos = t.end
        }
        if pos < size { add(pos, size) }
        // Thousands of tiny tensors: merge neighbours below 1 MiB to keep the object count sane.
        if out.count > 8192 {
            var merged: [Range<Int64>] = []
            for r in out {
                if let last = merged.last, last.count < (1 << 20), last.count + r.count <= maxChunk {
                    merged[merged.count - 1] = last.lowerBound..<r.upperBound
                } else {
                    merged.append(r)
                }
            }
            out = merged
        }
        return out
    }
}
