import MregStore
import MregSupport
import MregRegistry
/// Splits a search query into tokens, each with its 1-based column.
struct SearchLexer {
    enum Kind: Equatable {
        /// A field or keyword: dotted parts, parts after a dot optionally quoted with backticks.
        case name([String], quoted: Bool)
        case string(String)
        case number(Double, exact: Int64?)
        /// `=`, `==`, `!=`, `<>`, `<`, `<=`, `>`, `>=`.
        case symbol(String)
        case open, close, comma
        case end
    }

    struct Token: Equatable {
        var kind: Kind
        var column: Int
        /// The token's text as written (for messages).
        var text: String

        /// Whether this is the (unquoted, case-insensitive) keyword `word`.
        func isKeyword(_ word: String) -> Bool {
            if case .name(let parts, false) = kind, parts.count == 1 { return parts[0].uppercased() == word }
            return false
        }
    }

    static func isNameScalar(_ s: Unicode.Scalar) -> Bool {
        s.properties.isAlphabetic || ("0"..."9").contains(s) || s == "_" || s == "-"
    }

    static func fail(_ column: Int, _ message: String) -> RegistryError {
        RegistryError.badInput(.syntax(.init(.search, column: column, message)))
    }

    /// The tokens of `text`, ending with `.end`.
    static func tokens(_ text: String) throws -> [Token] {
        let s = Array(text.unicodeScalars)
        var out = [Token]()
        var i = 0
        func column(_ at: Int) -> Int { at + 1 }
        func slice(_ a: Int, _ b: Int) -> String { String(String.UnicodeScalarView(s[a..<b])) }

        /// A quoted run starting at `s[i]` (the quote); a doubled quote stands for one.
        func quoted(_ q: Unicode.Scalar, what: String) throws -> String {
            let start = i
            i += 1
            var value = String.UnicodeScalarView()
            while true {
                guard i < s.count else { throw fail(column(start), "unterminated \(what): add the closing \(q)") }
                if s[i] == q {
                    if i + 1 < s.count && s[i + 1] == q { value.append(q); i += 2; continue }
                    i += 1
                    return String(value)
                }
                value.append(s[i])
                i += 1
            }
        }

        while i < s.count {
            let c = s[i]
            let start = i
            if c == " " || c == "\t" || c == "\n" || c == "\r" { i += 1; continue }
            switch c {
            case "(": out.append(Token(kind: .open, column: column(i), text: "(")); i += 1
            case ")": out.append(Token(kind: .close, column: column(i), text: ")")); i += 1
            case ",": out.append(Token(kind: .comma, column: column(i), text: ",")); i += 1
            case "=", "!", "<", ">":
                var op = String(c)
                if i + 1 < s.count, ["=", ">"].contains(s[i + 1]), !(c == "=" && s[i + 1] == ">"), !(c == ">" && s[i + 1] == ">"),
                   !(c == "!" && s[i + 1] == ">") {
                    op.unicodeScalars.append(s[i + 1])
                }
                guard op != "!" else { throw fail(column(i), "'!' must be followed by '=' (write != or NOT)") }
                i += op.unicodeScalars.count
                out.append(Token(kind: .symbol(op), column: column(start), text: op))
            case "'", "\"":
                let value = try quoted(c, what: "string")
                out.append(Token(kind: .string(value), column: column(start), text: slice(start, i)))
            case "`":
                throw fail(column(i), "backticks quote a key after 'params.' or 'metrics.', as in params.`my-key`")
            default:
                func digit(_ k: Int) -> Bool { k < s.count && ("0"..."9").contains(s[k]) }
                if digit(i) || (c == "." && digit(i + 1)) || ((c == "-" || c == "+") && (digit(i + 1) || (i + 1 < s.count && s[i + 1] == "." && digit(i + 2)))) {
                    out.append(try number(s, &i))
                } else if c.properties.isAlphabetic || c == "_" {
                    var parts = [String]()
                    var anyQuoted = false
                    while true {
                        let partStart = i
                        if i < s.count, s[i] == "`" || (s[i] == "\"" && !parts.isEmpty) {
                            parts.append(try quoted(s[i], what: s[i] == "`" ? "backtick-quoted key" : "quoted key"))
                            anyQuoted = true
                        } else {
                            while i < s.count, isNameScalar(s[i]) { i += 1 }
                            guard i > partStart else {
                                throw fail(column(i), "expected a key after '\(slice(start, i))'")
                            }
                            parts.append(slice(partStart, i))
                        }
                        guard i < s.count, s[i] == "." else { break }
                        i += 1
                    }
                    out.append(Token(kind: .name(parts, quoted: anyQuoted), column: column(start), text: slice(start, i)))
                } else {
                    throw fail(column(i), "unexpected '\(Character(c))'")
                }
            }
        }
        out.append(Token(kind: .end, column: s.count + 1, text: ""))
        return out
    }

    /// A number: `10`, `-0.5`, `1e-3`, and counts with a suffix: `7B`, `1.5M`, `350K`, `1T`.
    private static func number(_ s: [Unicode.Scalar], _ i: inout Int) throws -> Token {
        let start = i
        func digits() { while i < s.count, ("0"..."9").contains(s[i]) { i += 1 } }
        if s[i] == "-" || s[i] == "+" { i += 1 }
        digits()
        if i < s.count, s[i] == "." { i += 1; digits() }
        if i < s.count, s[i] == "e" || s[i] == "E" {
            let save = i
            i += 1
            if i < s.count, s[i] == "-" || s[i] == "+" { i += 1 }
            let expStart = i
            digits()
            if i == expStart { i = save }
        }
        let numeral = String(String.UnicodeScalarView(s[start..<i]))
        var scale: Int64 = 1
        if i < s.count, let m = ["k": Int64(1_000), "K": 1_000, "m": 1_000_000, "M": 1_000_000, "b": 1_000_000_000, "B": 1_000_000_000,
                                 "g": 1_000_000_000, "G": 1_000_000_000, "t": 1_000_000_000_000, "T": 1_000_000_000_000][Character(s[i])],
           i + 1 >= s.count || !isNameScalar(s[i + 1]) {
            scale = m
            i += 1
        }
        if i < s.count, isNameScalar(s[i]) || s[i] == "." {
            var end = i
            while end < s.count, isNameScalar(s[end]) || s[end] == "." { end += 1 }
            let word = String(String.UnicodeScalarView(s[start..<end]))
            throw fail(start + 1, "'\(word)' is not a number (quote text values: '\(word)')")
        }
        let text = String(String.UnicodeScalarView(s[start..<i]))
        guard let d = Double(numeral.hasPrefix("+") ? String(numeral.dropFirst()) : numeral), d.isFinite else {
            throw fail(start + 1, "'\(text)' is not a number")
        }
        var exact: Int64?
        if let n = Int64(numeral.hasPrefix("+") ? String(numeral.dropFirst()) : numeral) {
            exact = n.multipliedReportingOverflow(by: scale).overflow ? nil : n * scale
        } else if scale > 1, (d * Double(scale)).rounded() == d * Double(scale), abs(d * Double(scale)) < 9e18 {
            exact = Int64(d * Double(scale))
        }
        return Token(kind: .number(d * Double(scale), exact: exact), column: start + 1, text: text)
    }
}
