import MregSupport
/// The one parser of the filter language: recursive descent over `FilterLexer` tokens.
///
/// Values are checked against their field as they are read: `version` and `parameters`
/// compare with numbers (`version` also with `'3'` and `'v3'`), `created` with quoted dates,
/// `model`, `author`, `message`, `stage`, `tag` and `format` with quoted text; `metrics.` keys
/// with numbers, numeric text or true/false; `params.`, `card.` and `environment.` keys with any value.
public enum FilterParser {
    /// How deeply parentheses and NOTs may nest (a deeper filter is refused, not a stack overflow).
    public static let maxDepth = 100

    /// Reads a quoted date: the first and last second (since 1970) of the span it names.
    public typealias DateReader = (String) -> (from: Int64, to: Int64)?

    /// Dates as a user types them anywhere in mreg (`UserDate`): the span's first and last second.
    public static func userDates(_ text: String) -> (from: Int64, to: Int64)? {
        guard let span = try? UserDate.parse(text) else { return nil }
        return (span.firstSecond, span.lastSecond)
    }

    /// Parses a filter; an empty (or all-blank) one is `.all`.
    ///
    /// - Parameter dates: reads the quoted dates `created` compares with.
    /// - Throws: `FilterError` naming the column where the filter goes wrong.
    public static func parse(_ text: String, dates: @escaping DateReader = userDates) throws(FilterError) -> FilterExpression {
        var parser = Parser(tokens: try FilterLexer.tokens(text), source: Array(text.unicodeScalars), dates: dates)
        if parser.peek.kind == .end { return .all }
        let expression = try parser.or(after: nil)
        let next = parser.peek
        if next.kind != .end {
            if next.kind == .close { throw FilterError(column: next.column, "')' has no matching '('") }
            throw FilterError(column: next.column, "unexpected '\(next.text)' after a complete condition: join conditions with AND or OR")
        }
        return expression
    }

    /// A version number as a filter writes it: `3`, `'3'` or `'v3'`.
    static func versionNumber(_ text: String) -> Int64? {
        let digits = text.hasPrefix("v") || text.hasPrefix("V") ? text.dropFirst() : Substring(text)
        guard !digits.isEmpty, digits.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) }), let n = Int64(digits), n > 0 else { return nil }
        return n
    }
}

/// The parser's state: the tokens, where it is, and how deeply it is nested.
private struct Parser {
    let tokens: [FilterLexer.Token]
    let source: [Unicode.Scalar]
    let dates: FilterParser.DateReader
    var i = 0
    var depth = 0

    init(tokens: [FilterLexer.Token], source: [Unicode.Scalar], dates: @escaping FilterParser.DateReader) {
        self.tokens = tokens
        self.source = source
        self.dates = dates
    }

    var peek: FilterLexer.Token { tokens[i] }

    /// The token before the next one (the last one read).
    var previous: FilterLexer.Token { tokens[max(0, i - 1)] }

    mutating func advance() -> FilterLexer.Token {
        let t = tokens[i]
        if i < tokens.count - 1 { i += 1 }
        return t
    }

    func fail(_ column: Int, _ message: String) -> FilterError { FilterError(column: column, message) }

    static let keywords: Set<String> = ["AND", "OR", "NOT", "IN", "LIKE", "ILIKE", "IS", "NULL"]

    /// Enters one level of parentheses or NOT at `token`; refused beyond `maxDepth`.
    mutating func enter(_ token: FilterLexer.Token) throws(FilterError) {
        depth += 1
        guard depth <= FilterParser.maxDepth else {
            throw fail(token.column, "'\(token.text)' nests deeper than \(FilterParser.maxDepth) levels of parentheses and NOT")
        }
    }

    mutating func or(after: String?) throws(FilterError) -> FilterExpression {
        var terms = [try and(after: after)]
        while peek.isKeyword("OR") {
            let word = advance().text
            terms.append(try and(after: word))
        }
        return Self.balanced(terms[...], FilterExpression.or)
    }

    mutating func and(after: String?) throws(FilterError) -> FilterExpression {
        var terms = [try not(after: after)]
        while peek.isKeyword("AND") {
            let word = advance().text
            terms.append(try not(after: word))
        }
        return Self.balanced(terms[...], FilterExpression.and)
    }

    /// A chain `a OR b OR c …` as a balanced tree (`(a OR b) OR c` for three terms), so a long
    /// flat chain does not become a deep tree for the evaluator to recurse through.
    static func balanced(_ terms: ArraySlice<FilterExpression>,
                         _ join: (FilterExpression, FilterExpression) -> FilterExpression) -> FilterExpression {
        if terms.count == 1, let only = terms.first { return only }
        let mid = terms.startIndex + (terms.count + 1) / 2
        return join(balanced(terms[..<mid], join), balanced(terms[mid...], join))
    }

    mutating func not(after: String?) throws(FilterError) -> FilterExpression {
        if peek.isKeyword("NOT") {
            let token = advance()
            try enter(token)
            defer { depth -= 1 }
            return .not(try not(after: token.text))
        }
        return try primary(after: after)
    }

    mutating func primary(after: String?) throws(FilterError) -> FilterExpression {
        let t = peek
        let context = after.map { " after '\($0)'" } ?? ""
        switch t.kind {
        case .open:
            _ = advance()
            try enter(t)
            defer { depth -= 1 }
            let inner = try or(after: "(")
            guard peek.kind == .close else {
                if peek.kind == .end { throw fail(peek.column, "expected ')' to close the '(' at column \(t.column)") }
                throw fail(peek.column, "expected ')' to close the '(' at column \(t.column), found '\(peek.text)'")
            }
            _ = advance()
            return inner
        case .end:
            throw fail(t.column, "expected a condition\(context)")
        case .name(let parts, let quoted):
            if !quoted, parts.count == 1, Self.keywords.contains(parts[0].uppercased()) {
                throw fail(t.column, "expected a condition\(context), found the keyword '\(t.text)'")
            }
            return .condition(try condition())
        default:
            throw fail(t.column, "expected a condition (a field such as \(FilterField.help))\(context), found '\(t.text)'")
        }
    }

    mutating func condition() throws(FilterError) -> FilterExpression.Condition {
        let nameToken = advance()
        guard case .name(let parts, _) = nameToken.kind else { throw fail(nameToken.column, "expected a field") }
        guard let field = FilterField.named(parts) else {
            let head = parts[0].lowercased()
            if ["params", "param", "metrics", "metric", "card", "environment", "env"].contains(head) && parts.count == 1 {
                throw fail(nameToken.column, "'\(nameToken.text)' needs a key: \(head).KEY (quote odd keys with backticks: \(head).`my-key`)")
            }
            if ["environment", "env"].contains(head) {
                throw fail(nameToken.column, "unknown environment field '\(nameToken.text)': use environment. followed by \(FilterField.environmentKeys.joined(separator: ", ")) or packages.NAME")
            }
            throw fail(nameToken.column, "unknown field '\(nameToken.text)': use \(FilterField.help)")
        }
        let start = nameToken.column
        let opToken = advance()
        var op: FilterExpression.Operator
        switch opToken.kind {
        case .symbol(let s):
            switch s {
            case "=", "==": op = .equal
            case "!=", "<>": op = .notEqual
            case "<": op = .less
            case "<=": op = .lessOrEqual
            case ">": op = .greater
            case ">=": op = .greaterOrEqual
            default: throw fail(opToken.column, "unknown operator '\(s)'")
            }
        case .name where opToken.isKeyword("LIKE"): op = .like
        case .name where opToken.isKeyword("ILIKE"): op = .ilike
        case .name where opToken.isKeyword("IN"): op = .in
        case .name where opToken.isKeyword("NOT"):
            let next = advance()
            if next.isKeyword("LIKE") { op = .notLike }
            else if next.isKeyword("ILIKE") { op = .notIlike }
            else if next.isKeyword("IN") { op = .notIn }
            else { throw fail(next.column, "expected IN, LIKE or ILIKE after NOT") }
        case .name where opToken.isKeyword("IS"):
            let next = advance()
            if next.isKeyword("NULL") { return made(field, .isNull, [], start) }
            if next.isKeyword("NOT"), advance().isKeyword("NULL") { return made(field, .isNotNull, [], start) }
            throw fail(next.column, "expected NULL or NOT NULL after IS")
        case .end:
            throw fail(opToken.column, "expected an operator after '\(nameToken.text)' (=, !=, <, <=, >, >=, LIKE, ILIKE, IN, IS NULL)")
        default:
            throw fail(opToken.column, "expected an operator after '\(nameToken.text)' (=, !=, <, <=, >, >=, LIKE, ILIKE, IN, IS NULL), found '\(opToken.text)'")
        }
        let opText = op.rawValue
        var values = [FilterExpression.Literal]()
        if op == .in || op == .notIn {
            let open = advance()
            guard open.kind == .open else {
                throw fail(open.column, "expected '(' after \(opText), as in \(field) \(opText) ('a', 'b')")
            }
            if peek.kind == .close { throw fail(peek.column, "\(opText) needs at least one value") }
            while true {
                values.append(try value(field: field, op: op, after: values.isEmpty ? "(" : ","))
                let sep = advance()
                if sep.kind == .close { break }
                guard sep.kind == .comma else {
                    throw fail(sep.column, sep.kind == .end ? "expected ')' to close the \(opText) list at column \(open.column)"
                                                            : "expected ',' or ')' in the \(opText) list, found '\(sep.text)'")
                }
            }
        } else {
            values.append(try value(field: field, op: op, after: opText))
        }
        return made(field, op, values, start)
    }

    /// A condition from `column` to the end of the last token read, with its text as written.
    func made(_ field: FilterField, _ op: FilterExpression.Operator, _ values: [FilterExpression.Literal], _ column: Int) -> FilterExpression.Condition {
        let last = previous
        let end = min(source.count, last.column - 1 + last.text.unicodeScalars.count)
        let text = String(String.UnicodeScalarView(source[min(column - 1, end)..<end]))
        return FilterExpression.Condition(field: field, op: op, values: values, column: column, text: text)
    }

    /// One value, checked against what the field compares with.
    mutating func value(field: FilterField, op: FilterExpression.Operator, after: String) throws(FilterError) -> FilterExpression.Literal {
        let t = advance()
        let literal: FilterExpression.Literal
        switch t.kind {
        case .string(let s): literal = .string(s)
        case .number(let d, let exact): literal = .number(d, exact: exact)
        case .name(let parts, false) where parts.count == 1 && ["TRUE", "FALSE"].contains(parts[0].uppercased()):
            literal = .bool(parts[0].uppercased() == "TRUE")
        case .end:
            throw fail(t.column, "expected a value after '\(after)'")
        case .name:
            throw fail(t.column, "expected a value after '\(after)', found '\(t.text)' (quote text values: '\(t.text)')")
        default:
            throw fail(t.column, "expected a value after '\(after)', found '\(t.text)'")
        }
        if op.isLike {
            guard case .string = literal else { throw fail(t.column, "\(op.rawValue) needs a quoted pattern, such as '%adam%'") }
            return literal
        }
        switch field {
        case .version, .parameters:
            switch literal {
            case .number: return literal
            case .string(let s):
                if field == .version, let n = FilterParser.versionNumber(s) { return .number(Double(n), exact: n) }
                if let d = Double(s) { return .number(d, exact: Int64(s)) }
                throw fail(t.column, "\(field) compares with a number, not \(t.text)")
            default:
                throw fail(t.column, "\(field) compares with a number, not \(t.text)")
            }
        case .created:
            guard case .string(let s) = literal else {
                throw fail(t.column, "created compares with a quoted date, such as '2026-03-01' or '2026-03-01 14:30'")
            }
            guard let span = dates(s) else {
                throw fail(t.column, "cannot read the date '\(s)': use 'YYYY-MM-DD', 'YYYY-MM-DD HH:MM[:SS]' or RFC 3339 (UTC unless an offset is given)")
            }
            return .date(from: span.from, to: span.to, text: s)
        case .model, .author, .message, .stage, .tag, .format:
            guard case .string = literal else {
                throw fail(t.column, "\(field) compares with quoted text, not \(t.text)")
            }
            return literal
        case .removed:
            switch literal {
            case .bool: return literal
            case .string(let s) where ["true", "false"].contains(s.lowercased()): return .bool(s.lowercased() == "true")
            default: throw fail(t.column, "removed compares with true or false, not \(t.text)")
            }
        case .metric:
            // Metrics are numbers (or true/false): text that reads as neither never compares equal
            // or in order with one, so `metrics.auc > 'abc'` would silently match nothing.
            if case .string(let s) = literal, ValueTest.numeric(s) == nil, s != "true", s != "false" {
                let list = op == .in || op == .notIn
                throw fail(t.column, "\(field) \(op.rawValue) \(list ? "(… \(t.text) …)" : t.text) compares a number with text and never holds: "
                           + "metrics are numbers, so write one, as in \(field) \(list ? ">=" : op.rawValue) 0.9")
            }
            return literal
        case .param, .card, .environment:
            return literal
        }
    }
}
