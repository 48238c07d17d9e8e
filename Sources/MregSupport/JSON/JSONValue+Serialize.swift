import Foundation

extension JSONValue {
    /// Canonical bytes: sorted keys, no white space (what mreg hashes).
    public var canonical: String { String(decoding: canonicalBytes, as: UTF8.self) }

    public var canonicalBytes: [UInt8] {
        var out = [UInt8]()
        switch self {
        case .object(let dict) where dict.count >= Self.parallelThreshold:
            // Many keys (params of 50 MB): encode slices of the sorted entries on all cores, then join them.
            let entries = JSONValue.sortedEntries(dict)
            out.append(0x7b)
            Self.joinInParallel(entries.count, into: &out) { range, part in
                for i in range {
                    if i > range.lowerBound { part.append(0x2c) }
                    JSONValue.writeString(entries[i].key, to: &part)
                    part.append(0x3a)
                    entries[i].value.write(to: &part, indent: nil, level: 1)
                }
            }
            out.append(0x7d)
        case .array(let items) where items.count >= Self.parallelThreshold:
            out.append(0x5b)
            Self.joinInParallel(items.count, into: &out) { range, part in
                for i in range {
                    if i > range.lowerBound { part.append(0x2c) }
                    items[i].write(to: &part, indent: nil, level: 1)
                }
            }
            out.append(0x5d)
        default:
            write(to: &out, indent: nil, level: 0)
        }
        return out
    }

    /// Collections with at least this many items are encoded on all cores.
    static let parallelThreshold = 4096

    /// Encodes `count` items in slices on all cores (`body` writes the items of a range,
    /// comma-separated) and appends the slices to `out`, comma-separated.
    private static func joinInParallel(_ count: Int, into out: inout [UInt8],
                                       _ body: @Sendable (Range<Int>, inout [UInt8]) -> Void) {
        let slice = max(1024, count / (Parallel.cores * 4))
        let ranges = stride(from: 0, to: count, by: slice).map { $0..<min(count, $0 + slice) }
        let parts = (try? Parallel.map(ranges) { range -> [UInt8] in
            var part = [UInt8]()
            body(range, &part)
            return part
        }) ?? ranges.map { range in
            var part = [UInt8]()
            body(range, &part)
            return part
        }
        for (i, part) in parts.enumerated() {
            if i > 0 { out.append(0x2c) }
            out.append(contentsOf: part)
        }
    }

    /// The canonical text of each of `values`, computed on all cores when there are many.
    public static func canonicalTexts(_ values: [JSONValue]) -> [String] {
        guard values.count >= 256 else { return values.map(\.canonical) }
        let slice = max(64, values.count / (Parallel.cores * 4))
        let ranges = stride(from: 0, to: values.count, by: slice).map { $0..<min(values.count, $0 + slice) }
        guard let parts = try? Parallel.map(ranges, { range in values[range].map(\.canonical) }) else {
            return values.map(\.canonical)
        }
        return parts.flatMap { $0 }
    }

    /// Appends the canonical bytes to `out` (to build a larger canonical text from parts).
    public func writeCanonical(to out: inout [UInt8]) {
        write(to: &out, indent: nil, level: 0)
    }

    /// Indented with two spaces, keys sorted, for `--json` output.
    public var pretty: String {
        var out = [UInt8]()
        write(to: &out, indent: Array("  ".utf8), level: 0)
        return String(decoding: out, as: UTF8.self)
    }

    /// The shortest text for a double that reads back to the same value; JSON has no NaN or infinity.
    public static func format(_ d: Double) -> String {
        if d.isNaN || d.isInfinite { return "null" }
        if d == 0 { return d.sign == .minus ? "-0.0" : "0.0" }
        return d.description
    }

    /// Whether `a` sorts before `b` by their UTF-8 bytes (the order of canonical keys).
    public static func utf8Precedes(_ a: String, _ b: String) -> Bool {
        let fast = a.utf8.withContiguousStorageIfAvailable { pa in
            b.utf8.withContiguousStorageIfAvailable { pb -> Bool in
                let n = min(pa.count, pb.count)
                if n > 0, let x = pa.baseAddress, let y = pb.baseAddress {
                    let c = memcmp(x, y, n)
                    if c != 0 { return c < 0 }
                }
                return pa.count < pb.count
            }
        }
        if let result = fast ?? nil { return result }
        return a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    /// Whether `s` is all ASCII (then the standard library's `<` is byte order, and fastest).
    public static func isASCII(_ s: String) -> Bool {
        s.utf8.withContiguousStorageIfAvailable { bytes in bytes.allSatisfy { $0 < 0x80 } } ?? s.utf8.allSatisfy { $0 < 0x80 }
    }

    /// `strings` sorted by their UTF-8 bytes.
    public static func sortedByUTF8(_ strings: some Sequence<String>) -> [String] {
        var array = Array(strings)
        if array.allSatisfy(isASCII) { array.sort() } else { array.sort(by: utf8Precedes) }
        return array
    }

    /// A map's entries sorted by their keys' UTF-8 bytes (the canonical order).
    static func sortedEntries(_ dict: [String: JSONValue]) -> [(key: String, value: JSONValue)] {
        if dict.keys.allSatisfy(isASCII) { return dict.sorted { $0.key < $1.key } }
        return dict.sorted { utf8Precedes($0.key, $1.key) }
    }

    private static let newline = UInt8(ascii: "\n")

    private func write(to out: inout [UInt8], indent: [UInt8]?, level: Int) {
        switch self {
        case .null: out.append(contentsOf: [0x6e, 0x75, 0x6c, 0x6c])
        case .bool(let b): out.append(contentsOf: b ? [0x74, 0x72, 0x75, 0x65] : [0x66, 0x61, 0x6c, 0x73, 0x65])
        case .int(let i): JSONValue.writeInt(i, to: &out)
        case .double(let d):
            var text = JSONValue.format(d)
            text.withUTF8 { out.append(contentsOf: $0) }
        case .string(let s): JSONValue.writeString(s, to: &out)
        case .array(let items):
            if items.isEmpty { out.append(contentsOf: [0x5b, 0x5d]); return }
            out.append(0x5b)
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(0x2c) }
                if let indent { JSONValue.newline(indent, level + 1, to: &out) }
                item.write(to: &out, indent: indent, level: level + 1)
            }
            if let indent { JSONValue.newline(indent, level, to: &out) }
            out.append(0x5d)
        case .object(let dict):
            if dict.isEmpty { out.append(contentsOf: [0x7b, 0x7d]); return }
            out.append(0x7b)
            let entries = JSONValue.sortedEntries(dict)
            for (i, entry) in entries.enumerated() {
                if i > 0 { out.append(0x2c) }
                if let indent { JSONValue.newline(indent, level + 1, to: &out) }
                JSONValue.writeString(entry.key, to: &out)
                out.append(0x3a)
                if indent != nil { out.append(0x20) }
                entry.value.write(to: &out, indent: indent, level: level + 1)
            }
            if let indent { JSONValue.newline(indent, level, to: &out) }
            out.append(0x7d)
        }
    }

    private static func newline(_ indent: [UInt8], _ level: Int, to out: inout [UInt8]) {
        out.append(newline)
        for _ in 0..<level { out.append(contentsOf: indent) }
    }

    private static func writeInt(_ value: Int64, to out: inout [UInt8]) {
        if value == 0 { out.append(0x30); return }
        var digits = (UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0),
                      UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0))
        var magnitude = value.magnitude
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            while magnitude > 0 {
                buffer[19 - count] = UInt8(truncatingIfNeeded: magnitude % 10) + 0x30
                magnitude /= 10
                count += 1
            }
            if value < 0 { out.append(0x2d) }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[(20 - count)...]))
        }
    }

    static func writeString(_ s: String, to out: inout [UInt8]) {
        out.append(0x22)
        var copy = s
        copy.withUTF8 { bytes in
            // Most strings need no escape: copy them whole.
            var start = 0
            for (i, b) in bytes.enumerated() where b < 0x20 || b == 0x22 || b == 0x5c {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<i]))
                switch b {
                case 0x22: out.append(contentsOf: [0x5c, 0x22])
                case 0x5c: out.append(contentsOf: [0x5c, 0x5c])
                case 0x0a: out.append(contentsOf: [0x5c, 0x6e])
                case 0x0d: out.append(contentsOf: [0x5c, 0x72])
                case 0x09: out.append(contentsOf: [0x5c, 0x74])
                case 0x08: out.append(contentsOf: [0x5c, 0x62])
                case 0x0c: out.append(contentsOf: [0x5c, 0x66])
                default:
                    let hex = Array("0123456789abcdef".utf8)
                    out.append(contentsOf: [0x5c, 0x75, 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 0xf)]])
                }
                start = i + 1
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
        }
        out.append(0x22)
    }

    /// `new - old` for two numbers, without binary floating-point noise (0.93 - 0.9 = 0.03).
    public static func difference(_ old: JSONValue, _ new: JSONValue) -> JSONValue? {
        switch (old, new) {
        case (.int(let a), .int(let b)):
            let (d, overflow) = b.subtractingReportingOverflow(a)
            return overflow ? .double(Double(b) - Double(a)) : .int(d)
        default:
            guard let a = old.doubleValue, let b = new.doubleValue, a.isFinite, b.isFinite else { return nil }
            guard let da = Decimal(string: format(a)), let db = Decimal(string: format(b)) else { return .double(b - a) }
            var diff = db - da
            var rounded = Decimal()
            NSDecimalRound(&rounded, &diff, 15, .plain)
            return .double(Double((rounded as NSDecimalNumber).stringValue) ?? (b - a))
        }
    }
}
