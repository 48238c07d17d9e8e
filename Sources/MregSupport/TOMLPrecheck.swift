import Foundation

/// Checks TOML text for the inputs that make the bundled toml++ abort or overflow its stack,
/// before it sees them: a table header that does not start with a key (`[=]`, `[.a]`, `[é]`
/// hit an assertion that kills the process; lines end at every `\n`, so after `\r\n` too, and
/// a byte order mark may come first), a date followed by `T` and no time (`1979-05-27T:`) or
/// by a space and one digit (`1979-05-27 0`), an array closed by `}` (`[}`) and keys with very
/// many dotted parts (one level of recursion each). `make fuzz` found the `\r\n`, byte order
/// mark, date and `[}` cases. Everything else is left to the real parser and its messages.
///
/// Hand-written because no parser available here is safe on hostile input; it is a
/// conservative scan (strings, comments and open arrays are skipped), not a TOML parser.
public enum TOMLPrecheck {
    /// The most parts a dotted key may have (`a.b.c` has 3).
    public static let maximumKeyParts = 64

    /// A problem at a line and column (both from 1).
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public var line: Int
        public var column: Int
        public var message: String
        public var description: String { "line \(line), column \(column): \(message)" }
    }

    /// Throws the first problem found.
    public static func check(_ text: String) throws(Problem) {
        // Split on the scalar: as Characters, "\r\n" is one grapheme and never equals "\n".
        let lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
        var multiline: String?  // the delimiter of an open multi-line string
        var open: [Unicode.Scalar] = []  // the open arrays and inline tables of a value (which may span lines)
        for (index, raw) in lines.enumerated() {
            let chars = Array(raw)
            let lineNumber = index + 1
            var i = 0
            func fail(_ message: String) -> Problem { Problem(line: lineNumber, column: i + 1, message: message) }
            // toml++ skips a byte order mark at the start (ParamsLoader's UTF-8 decoding drops it, policy.toml's keeps it).
            if index == 0, chars.first == "\u{FEFF}" { i = 1 }
            if multiline == nil && open.isEmpty {
                while i < chars.count, chars[i] == " " || chars[i] == "\t" { i += 1 }
                if i < chars.count, chars[i] == "[" {
                    // A table header: `[` or `[[`, then a key.
                    i += 1
                    if i < chars.count, chars[i] == "[" { i += 1 }
                    while i < chars.count, chars[i] == " " || chars[i] == "\t" { i += 1 }
                    guard i < chars.count, isBareKey(chars[i]) || chars[i] == "\"" || chars[i] == "'" else {
                        throw fail("a table header must start with a key (letters, digits, '-', '_' or a quoted name)")
                    }
                }
            }
            // Scan the rest of the line: strings, comments, brackets, and dots outside strings.
            var dots = 0
            var sawEquals = false
            while i < chars.count {
                let c = chars[i]
                if let delimiter = multiline {
                    if c == "\\" && delimiter == "\"\"\"" { i += 2; continue }
                    if starts(chars, i, delimiter) { multiline = nil; i += 3; continue }
                    i += 1
                    continue
                }
                switch c {
                case "#":
                    i = chars.count
                case "\"", "'":
                    let triple = String(repeating: String(c), count: 3)
                    if starts(chars, i, triple) { multiline = triple; i += 3; continue }
                    i += 1
                    while i < chars.count, chars[i] != c {
                        if c == "\"" && chars[i] == "\\" { i += 1 }
                        i += 1
                    }
                    i += 1
                case "[", "{":
                    if sawEquals || !open.isEmpty { open.append(c) }
                    dots = 0
                    i += 1
                case "]", "}":
                    if let opener = open.popLast(), (opener == "[") != (c == "]") {
                        // toml++ asserts on a '}' where an array expects a value (`[}`, `[1,}`).
                        throw fail("'\(c)' cannot close the '\(opener)' before it")
                    }
                    dots = 0
                    i += 1
                case "=", ",":
                    if c == "=" { sawEquals = true }
                    dots = 0
                    i += 1
                case ".":
                    // Dots between separators: the parts of one dotted key (a number or a
                    // date has at most one), in a header, before `=` or in an inline table.
                    dots += 1
                    if dots >= maximumKeyParts {
                        throw fail("a key has more than \(maximumKeyParts) dotted parts")
                    }
                    i += 1
                case "0"..."9" where i == 0 || !isBareKey(chars[i - 1]) && chars[i - 1] != ".":
                    // A date followed by `T`: toml++ asserts that a digit comes next (the time).
                    if isDate(chars, i), i + 10 < chars.count, chars[i + 10] == "T" || chars[i + 10] == "t",
                       !(i + 11 < chars.count && ("0"..."9").contains(chars[i + 11])) {
                        i += 11
                        throw fail("a date-time needs a time after 'T' (e.g. 1979-05-27T07:32:00Z)")
                    }
                    // `1979-05-27 0`: toml++ reads on past the one digit after the space and asserts.
                    if isDateAndOneDigit(chars, i) {
                        throw fail("a date-time needs a whole time after the space (e.g. 1979-05-27 07:32:00)")
                    }
                    i += 1
                default:
                    i += 1
                }
            }
        }
    }

    /// Whether `YYYY-MM-DD` (digits and dashes only) starts at `i`.
    static func isDate(_ chars: [Unicode.Scalar], _ i: Int) -> Bool {
        guard i + 10 <= chars.count else { return false }
        for (offset, c) in chars[i..<(i + 10)].enumerated() {
            let wanted = offset == 4 || offset == 7
            guard wanted ? c == "-" : ("0"..."9").contains(c) else { return false }
        }
        return true
    }

    /// Whether a value of ten characters shaped `????-??-??` starts at `i` (`_` not counted, as
    /// toml++ skips digit separators), then a space, one digit and a value terminator: toml++
    /// only checks the dashes before it reads on for a time, and asserts at the terminator.
    static func isDateAndOneDigit(_ chars: [Unicode.Scalar], _ i: Int) -> Bool {
        var value = [Unicode.Scalar]()
        var j = i
        while j < chars.count, !isValueTerminator(chars[j]), value.count <= 10 {
            if chars[j] != "_" { value.append(chars[j]) }
            j += 1
        }
        guard value.count == 10, value[4] == "-", value[7] == "-",
              j + 1 < chars.count, chars[j] == " ", ("0"..."9").contains(chars[j + 1]) else { return false }
        return j + 2 == chars.count || isValueTerminator(chars[j + 2])
    }

    /// toml++'s value terminators: its whitespace (with the Unicode spaces and line breaks it
    /// knows), `]`, `}`, `,` and `#`.
    static func isValueTerminator(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x09, 0x0A...0x0D, 0x20, 0x23, 0x2C, 0x5D, 0x7D, 0x85, 0xA0, 0x1680, 0x180E, 0x2000...0x200B,
             0x2028, 0x2029, 0x202F, 0x205F, 0x2060, 0x3000, 0xFEFF:
            return true
        default:
            return false
        }
    }

    static func isBareKey(_ c: Unicode.Scalar) -> Bool {
        c.isASCII && (("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) || c == "-" || c == "_")
    }

    static func starts(_ chars: [Unicode.Scalar], _ i: Int, _ text: String) -> Bool {
        let t = Array(text.unicodeScalars)
        guard i + t.count <= chars.count else { return false }
        return Array(chars[i..<(i + t.count)]) == t
    }
}
