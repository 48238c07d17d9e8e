/// How object bytes are compressed; the object id never depends on it.
///
/// `auto` compresses a sample of the payload at level 1 and stores the object
/// with level-0 (stored) deflate blocks when the sample does not shrink by at
/// least 10% (model weights), else compresses it at level 6 (text, metadata) —
/// at level 1 for metadata objects of `largeMetadata` bytes or more (a manifest
/// with 50 MB of params), five times faster for a slightly larger object.
public enum CompressionPolicy: Sendable, Equatable, CustomStringConvertible {
    case auto
    case level(Int32)

    /// Parses the `core.compression` setting: `auto` or a level 0–9.
    public init(setting: String) throws {
        let text = setting.trimmingCharacters(in: .whitespaces).lowercased()
        if text == "auto" { self = .auto; return }
        if let n = Int32(text), (0...9).contains(n) { self = .level(n); return }
        if text == "-1" { self = .level(6); return }
        throw StoreError.invalid(reason: "core.compression must be 'auto' or a zlib level 0-9, not '\(setting)'")
    }

    public var description: String {
        switch self {
        case .auto: return "auto"
        case .level(let n): return String(n)
        }
    }

    static let sampleSize = 64 * 1024
    /// Metadata objects at least this large are compressed at level 1 by `auto`.
    static let largeMetadata: Int64 = 1 << 20

    /// The level to use for a payload that starts with `sample`; `type` and `size` (when
    /// known) pick level 1 for large metadata.
    func level(forSample sample: UnsafeRawBufferPointer, type: ObjectType = .blob, size: Int64 = 0) -> Int32 {
        switch self {
        case .level(let n): return n
        case .auto:
            let text: Int32 = type != .blob && size >= Self.largeMetadata ? 1 : 6
            let probe = Array(sample.prefix(Self.sampleSize))
            if probe.count < 512 { return text }
            guard let packed = try? Deflater.compress(probe, level: 1) else { return text }
            return packed.count * 10 > probe.count * 9 ? 0 : text
        }
    }
}

import Foundation
