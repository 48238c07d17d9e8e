/// HTML text helpers: every store-derived string goes through `escape` before it reaches a page.
public enum HTML {
    /// `text` with `& < > " '` replaced by entities, safe in element content and quoted attributes.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                // Control characters (but tab and newline) would not print; show them as U+FFFD.
                if c.value < 0x20 && c != "\n" && c != "\t" || c.value == 0x7f {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(c)
                }
            }
        }
        return out
    }

    /// `text` percent-encoded as one URL path segment (letters, digits, `-._~` kept).
    public static func pathSegment(_ text: String) -> String {
        var out = ""
        for b in text.utf8 {
            let c = Character(Unicode.Scalar(b))
            if b < 0x80, c.isLetter || c.isNumber || "-._~".contains(c) {
                out.append(c)
            } else {
                out += "%" + (b < 16 ? "0" : "") + String(b, radix: 16, uppercase: true)
            }
        }
        return out
    }

    /// `text` percent-encoded for a query value.
    public static func queryValue(_ text: String) -> String { pathSegment(text) }

    /// Decodes `%XX` escapes and, in a query, `+` as a space; nil when an escape is malformed or the bytes are not UTF-8.
    public static func percentDecoded(_ text: String, plusIsSpace: Bool = false) -> String? {
        var bytes = [UInt8]()
        var u = Array(text.utf8)[...]
        while let b = u.first {
            u = u.dropFirst()
            if b == UInt8(ascii: "%") {
                guard u.count >= 2, let v = UInt8(String(decoding: u.prefix(2), as: UTF8.self), radix: 16) else { return nil }
                bytes.append(v)
                u = u.dropFirst(2)
            } else if plusIsSpace && b == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else {
                bytes.append(b)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
