import Foundation
/// A strict JSON parser (RFC 8259) that keeps integers as `.int`.
///
/// Beyond the grammar it refuses what would make two readers disagree: duplicate object
/// keys, numbers with leading zeros, lone UTF-16 surrogates in `\u` escapes, invalid UTF-8,
/// and nesting deeper than `maximumDepth` (so no input can overflow the stack).
extension JSONValue {
    /// Arrays and objects nested deeper than this are refused.
    public static let maximumDepth = 512

    /// Why a text is not JSON, and where: byte offset, and line and column (both from 1,
    /// columns counted in characters).
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public var message: String
        /// Byte offset from the start of the text (0-based).
        public var offset: Int
        public var line: Int
        public var column: Int
        public var description: String { "\(message) at line \(line), column \(column) (byte \(offset))" }

        init(message: String, offset: Int, in bytes: [UInt8]) {
            self.message = message
            self.offset = offset
            var line = 1, column = 1
            for b in bytes[..<min(offset, bytes.count)] {
                if b == 0x0a { line += 1; column = 1 }
                else if b & 0xC0 != 0x80 { column += 1 }  // count characters, not UTF-8 continuation bytes
            }
            self.line = line
            self.column = column
        }
    }

    public static func parse(_ text: String) throws -> JSONValue { try parse(Array(text.utf8)) }

    public static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        var p = Parser(bytes: bytes)
        p.skipSpace()
        let value = try p.value(depth: 0)
        p.skipSpace()
        guard p.i == bytes.count else { throw p.fail("unexpected text after the JSON value") }
        return value
    }

    private struct Parser {
        let bytes: [UInt8]
        var i = 0

        mutating func skipSpace() {
            while i < bytes.count {
                switch bytes[i] {
                case 0x20, 0x0a, 0x0d, 0x09: i += 1
                default: return
                }
            }
        }

        func fail(_ message: String, at offset: Int? = nil) -> ParseError {
            ParseError(message: message, offset: offset ?? i, in: bytes)
        }

        /// A value; `depth` is how many arrays and objects enclose it.
        mutating func value(depth: Int) throws -> JSONValue {
            guard i < bytes.count else { throw fail("unexpected end of JSON") }
            switch bytes[i] {
            case UInt8(ascii: "{"):
                guard depth < JSONValue.maximumDepth else { throw fail("JSON nested deeper than \(JSONValue.maximumDepth) levels") }
                i += 1
                var dict = [String: JSONValue]()
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(dict) }
                while true {
                    skipSpace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
                    let keyStart = i
                    let key = try string()
                    guard dict[key] == nil else {
                        throw fail("duplicate key \(JSONValue.string(key).canonical)", at: keyStart)
                    }
                    skipSpace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                    i += 1
                    skipSpace()
                    dict[key] = try value(depth: depth + 1)
                    skipSpace()
                    guard i < bytes.count else { throw fail("unexpected end of JSON") }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(dict) }
                    throw fail("expected ',' or '}'")
                }
            case UInt8(ascii: "["):
                guard depth < JSONValue.maximumDepth else { throw fail("JSON nested deeper than \(JSONValue.maximumDepth) levels") }
                i += 1
                var items = [JSONValue]()
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                while true {
                    skipSpace()
                    items.append(try value(depth: depth + 1))
                    skipSpace()
                    guard i < bytes.count else { throw fail("unexpected end of JSON") }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                    throw fail("expected ',' or ']'")
                }
            case UInt8(ascii: "\""):
                return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                return try number()
            default:
                throw fail("invalid value")
            }
        }

        mutating func literal(_ word: String) throws {
            let w = Array(word.utf8)
            guard i + w.count <= bytes.count, Array(bytes[i..<i + w.count]) == w else { throw fail("invalid literal") }
            i += w.count
        }

        func isDigit(_ k: Int) -> Bool { k < bytes.count && bytes[k] >= 0x30 && bytes[k] <= 0x39 }

        /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, exactly.
        mutating func number() throws -> JSONValue {
            let start = i
            var isFloat = false
            if bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard isDigit(i) else { throw fail("expected a digit", at: i) }
            if bytes[i] == UInt8(ascii: "0"), isDigit(i + 1) { throw fail("number with a leading zero", at: start) }
            while isDigit(i) { i += 1 }
            if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
                isFloat = true
                i += 1
                guard isDigit(i) else { throw fail("expected a digit after '.'") }
                while isDigit(i) { i += 1 }
            }
            if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
                isFloat = true
                i += 1
                if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
                guard isDigit(i) else { throw fail("expected a digit in the exponent") }
                while isDigit(i) { i += 1 }
            }
            if !isFloat, i - start <= 18 {
                // At most 18 digits (and a sign) always fit in an Int64.
                var k = start, negative = false, n: Int64 = 0
                if bytes[k] == UInt8(ascii: "-") { negative = true; k += 1 }
                while k < i { n = n &* 10 &+ Int64(bytes[k] &- 0x30); k += 1 }
                return .int(negative ? -n : n)
            }
            let text = String(decoding: bytes[start..<i], as: UTF8.self)
            if !isFloat, let n = Int64(text) { return .int(n) }
            guard let d = Double(text), d.isFinite else { throw fail("number '\(text)' is out of range", at: start) }
            return .double(d)
        }

        mutating func string() throws -> String {
            let start = i
            // Most strings hold no escape: take their bytes whole.
            var end = i + 1
            while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\"), bytes[end] >= 0x20 { end += 1 }
            if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
                guard let s = bytes.withUnsafeBufferPointer({ String(validating: UnsafeBufferPointer(rebasing: $0[(start + 1)..<end]), as: UTF8.self) }) else {
                    throw fail("invalid UTF-8 in string", at: start)
                }
                i = end + 1
                return s
            }
            i += 1
            var out = [UInt8]()
            while true {
                guard i < bytes.count else { throw fail("unterminated string", at: start) }
                let c = bytes[i]
                if c == UInt8(ascii: "\"") { i += 1; break }
                if c < 0x20 { throw fail("control character in string") }
                if c != UInt8(ascii: "\\") { out.append(c); i += 1; continue }
                let escape = i
                i += 1
                guard i < bytes.count else { throw fail("unterminated string", at: start) }
                let e = bytes[i]
                i += 1
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5c)
                case UInt8(ascii: "/"): out.append(0x2f)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0c)
                case UInt8(ascii: "n"): out.append(0x0a)
                case UInt8(ascii: "r"): out.append(0x0d)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var code = try hex4(escape: escape)
                    if (0xDC00..<0xE000).contains(code) { throw fail("lone low surrogate in \\u escape", at: escape) }
                    if (0xD800..<0xDC00).contains(code) {
                        guard i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                            throw fail("lone high surrogate in \\u escape", at: escape)
                        }
                        i += 2
                        let low = try hex4(escape: i - 2)
                        guard (0xDC00..<0xE000).contains(low) else { throw fail("lone high surrogate in \\u escape", at: escape) }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(code) else { throw fail("invalid \\u escape", at: escape) }
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                default:
                    let shown = e > 0x20 && e < 0x7f ? " '\\\(Character(Unicode.Scalar(e)))'" : ""
                    throw fail("invalid escape\(shown)", at: escape)
                }
            }
            let s = String(decoding: out, as: UTF8.self)
            // Decoding replaces invalid UTF-8 with U+FFFD; then the bytes differ.
            guard s.utf8.elementsEqual(out) else { throw fail("invalid UTF-8 in string", at: start) }
            return s
        }

        /// The four hex digits after `\u` (the escape starts at `escape`).
        mutating func hex4(escape: Int) throws -> UInt32 {
            guard i + 4 <= bytes.count else { throw fail("invalid \\u escape: needs four hex digits", at: escape) }
            var v: UInt32 = 0
            for b in bytes[i..<i + 4] {
                let d: UInt8
                switch b {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): d = b - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): d = b - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): d = b - UInt8(ascii: "A") + 10
                default: throw fail("invalid \\u escape: needs four hex digits", at: escape)
                }
                v = v << 4 | UInt32(d)
            }
            i += 4
            return v
        }
    }
}
