import Foundation

extension JSONValue {
    /// Canonical bytes: sorted keys, no white space (what mreg hashes).
    public var canonical: String {
        var out = ""
        write(to: &out, indent: nil, level: 0)
        return out
    }

    public var canonicalBytes: [UInt8] { Array(canonical.utf8) }

    /// Indented with two spaces, keys sorted, for `--json` output.
    public var pretty: String {
        var out = ""
        write(to: &out, indent: "  ", level: 0)
        return out
    }

    /// The shortest text for a double that reads back to the same value; JSON has no NaN or infinity.
    public static func format(_ d: Double) -> String {
        if d.isNaN || d.isInfinite { return "null" }
        if d == 0 { return d.sign == .minus ? "-0.0" : "0.0" }
        return "\(d)"
    }

    private func write(to out: inout String, indent: String?, level: Int) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): out += JSONValue.format(d)
        case .string(let s): JSONValue.writeString(s, to: &out)
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                if let indent { out += "\n" + String(repeating: indent, count: level + 1) }
                item.write(to: &out, indent: indent, level: level + 1)
            }
            if let indent { out += "\n" + String(repeating: indent, count: level) }
            out += "]"
        case .object(let dict):
            if dict.isEmpty { out += "{}"; return }
            out += "{"
            let keys = dict.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            for (i, key) in keys.enumerated() {
                if i > 0 { out += "," }
                if let indent { out += "\n" + String(repeating: indent, count: level + 1) }
                JSONValue.writeString(key, to: &out)
                out += indent == nil ? ":" : ": "
                dict[key]!.write(to: &out, indent: indent, level: level + 1)
            }
            if let indent { out += "\n" + String(repeating: indent, count: level) }
            out += "}"
        }
    }

    static func writeString(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
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
