import MregStore
import MregSupport
import MregRegistry
extension SearchQuery {
    /// Parses a filter; an empty (or all-blank) one matches every version.
    ///
    /// - Throws: `RegistryError.badInput(.syntax)` naming the column where the query goes wrong.
    public static func parse(_ text: String) throws -> SearchQuery {
        var parser = Parser(tokens: try SearchLexer.tokens(text))
        if parser.peek.kind == .end { return SearchQuery(expression: .all, text: text) }
        let expression = try parser.or(after: nil)
        let next = parser.peek
        if next.kind != .end {
            if next.kind == .close { throw SearchLexer.fail(next.column, "')' has no matching '('") }
            throw SearchLexer.fail(next.column, "unexpected '\(next.text)' after a complete condition: join conditions with AND or OR")
        }
        return SearchQuery(expression: expression, text: text)
    }
}

/// A recursive-descent parser over `SearchLexer` tokens.
private struct Parser {
    let tokens: [SearchLexer.Token]
    var i = 0

    init(tokens: [SearchLexer.Token]) { self.tokens = tokens }

    var peek: SearchLexer.Token { tokens[i] }

    mutating func advance() -> SearchLexer.Token {
        let t = tokens[i]
        if i < tokens.count - 1 { i += 1 }
        return t
    }

    func fail(_ column: Int, _ message: String) -> RegistryError { SearchLexer.fail(column, message) }

    static let keywords: Set<String> = ["AND", "OR", "NOT", "IN", "LIKE", "ILIKE", "IS", "NULL"]

    mutating func or(after: String?) throws -> SearchQuery.Expression {
        var left = try and(after: after)
        while peek.isKeyword("OR") {
            let word = advance().text
            left = .or(left, try and(after: word))
        }
        return left
    }

    mutating func and(after: String?) throws -> SearchQuery.Expression {
        var left = try not(after: after)
        while peek.isKeyword("AND") {
            let word = advance().text
            left = .and(left, try not(after: word))
        }
        return left
    }

    mutating func not(after: String?) throws -> SearchQuery.Expression {
        if peek.isKeyword("NOT") {
            let word = advance().text
            return .not(try not(after: word))
        }
        return try primary(after: after)
    }

    mutating func primary(after: String?) throws -> SearchQuery.Expression {
        let t = peek
        let context = after.map { " after '\($0)'" } ?? ""
        switch t.kind {
        case .open:
            _ = advance()
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
            throw fail(t.column, "expected a condition (a field such as \(SearchField.help))\(context), found '\(t.text)'")
        }
    }

    mutating func condition() throws -> SearchQuery.Condition {
        let nameToken = advance()
        guard case .name(let parts, _) = nameToken.kind else { throw fail(nameToken.column, "expected a field") }
        guard let field = SearchField.named(parts) else {
            let head = parts[0].lowercased()
            if ["params", "param", "metrics", "metric"].contains(head) && parts.count == 1 {
                throw fail(nameToken.column, "'\(nameToken.text)' needs a key: \(head).KEY (quote odd keys with backticks: \(head).`my-key`)")
            }
            throw fail(nameToken.column, "unknown field '\(nameToken.text)': use \(SearchField.help)")
        }
        let start = nameToken.column
        let opToken = advance()
        var op: SearchQuery.Operator
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
            if next.isKeyword("NULL") { return SearchQuery.Condition(field: field, op: .isNull, values: [], column: start) }
            if next.isKeyword("NOT"), advance().isKeyword("NULL") {
                return SearchQuery.Condition(field: field, op: .isNotNull, values: [], column: start)
            }
            throw fail(next.column, "expected NULL or NOT NULL after IS")
        case .end:
            throw fail(opToken.column, "expected an operator after '\(nameToken.text)' (=, !=, <, <=, >, >=, LIKE, ILIKE, IN, IS NULL)")
        default:
            throw fail(opToken.column, "expected an operator after '\(nameToken.text)' (=, !=, <, <=, >, >=, LIKE, ILIKE, IN, IS NULL), found '\(opToken.text)'")
        }
        let opText = op.rawValue
        var values = [SearchQuery.Literal]()
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
        return SearchQuery.Condition(field: field, op: op, values: values, column: start)
    }

    /// One value, checked against what the field compares with.
    mutating func value(field: SearchField, op: SearchQuery.Operator, after: String) throws -> SearchQuery.Literal {
        let t = advance()
        let literal: SearchQuery.Literal
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
        let isLike = [.like, .notLike, .ilike, .notIlike].contains(op)
        if isLike {
            guard case .string = literal else { throw fail(t.column, "\(op.rawValue) needs a quoted pattern, such as '%adam%'") }
            return literal
        }
        switch field {
        case .version, .parameters:
            switch literal {
            case .number: return literal
            case .string(let s):
                if field == .version, let n = Revision.versionNumber(s) { return .number(Double(n), exact: n) }
                if let d = Double(s) { return .number(d, exact: Int64(s)) }
                throw fail(t.column, "\(field) compares with a number, not \(t.text)")
            default:
                throw fail(t.column, "\(field) compares with a number, not \(t.text)")
            }
        case .created:
            guard case .string(let s) = literal else {
                throw fail(t.column, "created compares with a quoted date, such as '2026-03-01' or '2026-03-01 14:30'")
            }
            guard let span = SearchDate.span(s) else {
                throw fail(t.column, "cannot read the date '\(s)': use 'YYYY-MM-DD', 'YYYY-MM-DD HH:MM[:SS]' or RFC 3339 (UTC unless an offset is given)")
            }
            return .date(from: span.from, to: span.to, text: s)
        case .model, .author, .message, .stage, .tag, .format:
            guard case .string = literal else {
                throw fail(t.column, "\(field) compares with quoted text, not \(t.text)")
            }
            return literal
        case .param, .metric:
            return literal
        }
    }
}
