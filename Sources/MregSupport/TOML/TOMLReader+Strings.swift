/// Strings: basic `"…"` (with escapes), literal `'…'`, and their multi-line forms `"""…"""` and `'''…'''`.
extension TOMLReader {
    /// A basic string at `pos` (a multi-line one too when `multiline`, as for values but not keys).
    mutating func basicString(multiline: Bool) throws(TOMLError) -> String {
        if multiline && bytes[pos...].starts(with: [Self.quote, Self.quote, Self.quote]) { return try multilineString(delimiter: Self.quote) }
        let start = pos
        pos += 1
        var out: [UInt8] = []
        var run = pos
        while true {
            guard let b = peek() else { throw fail("this string is not closed: add '\"'", at: start) }
            switch b {
            case Self.quote:
                out.append(contentsOf: bytes[run..<pos])
                pos += 1
                return String(decoding: out, as: UTF8.self)
            case Self.backslash:
                out.append(contentsOf: bytes[run..<pos])
                try escape(into: &out)
                run = pos
            case Self.lf, Self.cr:
                throw fail("this string is not closed on its line: add '\"', or use \"\"\"…\"\"\" for text of several lines", at: start)
            default:
                if Self.isControl(b) { throw fail("control character \(found()) must be written as an escape in a string") }
                pos += 1
            }
        }
    }

    /// A literal string at `pos` (a multi-line one too when `multiline`).
    mutating func literalString(multiline: Bool) throws(TOMLError) -> String {
        if multiline && bytes[pos...].starts(with: [Self.apostrophe, Self.apostrophe, Self.apostrophe]) { return try multilineString(delimiter: Self.apostrophe) }
        let start = pos
        pos += 1
        while true {
            guard let b = peek() else { throw fail("this string is not closed: add \"'\"", at: start) }
            if b == Self.apostrophe {
                pos += 1
                return String(decoding: bytes[(start + 1)..<(pos - 1)], as: UTF8.self)
            }
            if b == Self.lf || b == Self.cr {
                throw fail("this string is not closed on its line: add \"'\", or use '''…''' for text of several lines", at: start)
            }
            if Self.isControl(b) { throw fail("control character \(found()) is not allowed in a literal string: use a \"…\" string with an escape") }
            pos += 1
        }
    }

    /// `"""…"""` or `'''…'''` at `pos`: a newline right after the opening is dropped, CRLF becomes LF,
    /// and up to two quotes just before the closing three belong to the text.
    mutating func multilineString(delimiter: UInt8) throws(TOMLError) -> String {
        let start = pos
        pos += 3
        _ = newline()
        var out: [UInt8] = []
        var run = pos
        while true {
            guard let b = peek() else {
                throw fail("this string is not closed: add \(delimiter == Self.quote ? "\"\"\"" : "'''")", at: start)
            }
            switch b {
            case delimiter:
                var count = 1
                while peek(count) == delimiter { count += 1 }
                if count < 3 { pos += count; continue }
                let extra = min(count - 3, 2)
                out.append(contentsOf: bytes[run..<(pos + extra)])
                pos += 3 + extra
                return String(decoding: out, as: UTF8.self)
            case Self.backslash where delimiter == Self.quote:
                out.append(contentsOf: bytes[run..<pos])
                if let next = peek(1), next == Self.space || next == Self.tab || next == Self.lf || next == Self.cr {
                    // A backslash ending a line: the newline and the white space after it are dropped.
                    pos += 1
                    skipWhitespace()
                    guard newline() else { throw fail("only spaces may follow a '\\' that ends a line; write \\\\ for a backslash") }
                    while true {
                        skipWhitespace()
                        if !newline() { break }
                    }
                } else {
                    try escape(into: &out)
                }
                run = pos
            case Self.cr:
                guard peek(1) == Self.lf else { throw fail("a carriage return must be followed by a line feed") }
                out.append(contentsOf: bytes[run..<pos])
                out.append(Self.lf)
                pos += 2
                run = pos
            case Self.lf:
                pos += 1
            default:
                if Self.isControl(b) { throw fail("control character \(found()) must be written as an escape in a string") }
                pos += 1
            }
        }
    }

    /// An escape at `pos` (`\n`, `\u00E9`, …), appended as UTF-8.
    mutating func escape(into out: inout [UInt8]) throws(TOMLError) {
        let start = pos
        guard let c = peek(1) else { throw fail("this string is not closed: add '\"'") }
        pos += 2
        switch c {
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "r"): out.append(0x0D)
        case Self.quote: out.append(Self.quote)
        case Self.backslash: out.append(Self.backslash)
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            let digits = c == UInt8(ascii: "u") ? 4 : 8
            var value: UInt32 = 0
            for _ in 0..<digits {
                guard let h = peek(), let d = Self.hexValue(h) else {
                    throw fail("\\\(Character(Unicode.Scalar(c))) needs \(digits) hexadecimal digits, found \(found())")
                }
                value = value << 4 | UInt32(d)
                pos += 1
            }
            guard let scalar = Unicode.Scalar(value) else {
                throw fail("\(String(decoding: bytes[start..<pos], as: UTF8.self)) is not a Unicode scalar value (surrogates and values past 10FFFF are not)", at: start)
            }
            UTF8.encode(scalar) { out.append($0) }
        default:
            throw fail("\(found(at: start + 1) == "the end of the line" ? "'\\' at the end of the line" : "\\" + found(at: start + 1).trimmingQuotes) is not an escape TOML knows (\\b \\t \\n \\f \\r \\\" \\\\ \\uXXXX \\UXXXXXXXX): write \\\\ for a backslash", at: start)
        }
    }

    static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: b - 0x30
        case 0x41...0x46: b - 0x41 + 10
        case 0x61...0x66: b - 0x61 + 10
        default: nil
        }
    }
}

fileprivate extension String {
    /// `'x'` as `x`.
    var trimmingQuotes: String { hasPrefix("'") && hasSuffix("'") && count >= 3 ? String(dropFirst().dropLast()) : self }
}
