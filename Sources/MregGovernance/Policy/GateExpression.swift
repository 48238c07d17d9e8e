import MregStore
import MregSupport
import MregRegistry
/// A promotion gate: a condition on one version, written in the MLflow-like search syntax.
///
///     metrics.auc >= 0.90 and metrics.latency_ms < 50
///     params.optimizer = 'adam' or (card.license = "apache-2.0" and not format = 'pickle')
///
/// Fields are `metrics.NAME`, `params.NAME`, `card.NAME` and `format`; a name with other
/// characters than letters, digits, `_`, `.` and `-` is written in backticks
/// (``metrics.`val loss` ``). Values are numbers, `'single'` or `"double"`-quoted strings,
/// `true` and `false`. Operators are `= != < <= > >=` (`==` and `<>` are accepted too),
/// combined with `and`, `or`, `not` (any case) and parentheses; `not` binds tightest,
/// then `and`, then `or`.
///
/// This is the subset of the search language (issue 7) that gates need; evaluation is in
/// `GateExpression+Evaluate.swift`.
public struct GateExpression: Sendable, Equatable, CustomStringConvertible {
    /// A parsed expression tree.
    public indirect enum Node: Sendable, Equatable {
        case and(Node, Node)
        case or(Node, Node)
        case not(Node)
        case comparison(Comparison)
    }

    /// What a comparison looks at.
    public enum Field: Sendable, Equatable, CustomStringConvertible {
        case metric(String)
        case param(String)
        case card(String)
        /// The detected formats of the version's files.
        case format

        public var description: String {
            switch self {
            case .metric(let n): return "metrics.\(n)"
            case .param(let n): return "params.\(n)"
            case .card(let n): return "card.\(n)"
            case .format: return "format"
            }
        }
    }

    public enum Operator: String, Sendable, Equatable, CaseIterable {
        case equal = "=", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    }

    /// A constant on the right of an operator.
    public enum Literal: Sendable, Equatable, CustomStringConvertible {
        case number(Double)
        case string(String)
        case bool(Bool)

        public var description: String {
            switch self {
            case .number(let d): return JSONValue.double(d).intValue.map(String.init) ?? JSONValue.format(d)
            case .string(let s): return "'\(s.replacingOccurrences(of: "'", with: "\\'"))'"
            case .bool(let b): return b ? "true" : "false"
            }
        }
    }

    /// `field op value`, with the text it was parsed from.
    public struct Comparison: Sendable, Equatable, CustomStringConvertible {
        public var field: Field
        public var op: Operator
        public var value: Literal
        /// The comparison as written in the source.
        public var text: String

        public var description: String { text }
    }

    /// The text the expression was parsed from.
    public let source: String
    public let root: Node

    /// Parses an expression.
    ///
    /// - Throws: `RegistryError.badInput(.syntax)` with the column, counting characters from 1.
    public init(_ source: String) throws {
        self.source = source
        var parser = Parser(tokens: try Lexer.tokens(source), source: source)
        root = try parser.parseExpression()
        if let extra = parser.peek {
            throw Self.error(at: extra.column, "unexpected \(extra.quoted) after a complete condition (join conditions with 'and' or 'or')")
        }
    }

    public var description: String { source }

    /// Every comparison in the expression, in source order.
    public var comparisons: [Comparison] {
        var out = [Comparison]()
        func walk(_ node: Node) {
            switch node {
            case .and(let a, let b), .or(let a, let b): walk(a); walk(b)
            case .not(let a): walk(a)
            case .comparison(let c): out.append(c)
            }
        }
        walk(root)
        return out
    }

    static func error(at column: Int, _ message: String) -> RegistryError {
        RegistryError.badInput(.syntax(.init(.gate, column: column, message)))
    }
}

// MARK: - Lexer

extension GateExpression {
    struct Token: Sendable, Equatable {
        enum Kind: Sendable, Equatable {
            case identifier(String)
            case string(String)
            case number(Double)
            case op(Operator)
            case open, close
            case and, or, not
            case bool(Bool)
        }

        var kind: Kind
        /// 1-based column of the token's first character.
        var column: Int
        /// The token as written.
        var text: String

        var quoted: String { "'\(text)'" }
    }

    enum Lexer {
        static func tokens(_ source: String) throws -> [Token] {
            let chars = Array(source)
            var out = [Token]()
            var i = 0
            func isIdentifierStart(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c == "_") }
            func isIdentifierBody(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber || "_.-".contains(c)) }
            while i < chars.count {
                let c = chars[i]
                let column = i + 1
                if c.isWhitespace { i += 1; continue }
                switch c {
                case "(": out.append(Token(kind: .open, column: column, text: "(")); i += 1
                case ")": out.append(Token(kind: .close, column: column, text: ")")); i += 1
                case "=", "!", "<", ">":
                    let next: Character? = i + 1 < chars.count ? chars[i + 1] : nil
                    let two = next.map { String([c, $0]) } ?? ""
                    let op: Operator
                    var width = 2
                    switch two {
                    case "==": op = .equal
                    case "!=", "<>": op = .notEqual
                    case "<=": op = .lessOrEqual
                    case ">=": op = .greaterOrEqual
                    default:
                        width = 1
                        switch c {
                        case "=": op = .equal
                        case "<": op = .less
                        case ">": op = .greater
                        default: throw GateExpression.error(at: column, "'!' must be followed by '=' (write != for 'not equal')")
                        }
                    }
                    out.append(Token(kind: .op(op), column: column, text: String(chars[i..<i + width])))
                    i += width
                case "'", "\"":
                    var j = i + 1
                    var value = ""
                    var closed = false
                    while j < chars.count {
                        if chars[j] == "\\", j + 1 < chars.count {
                            value.append(chars[j + 1])
                            j += 2
                            continue
                        }
                        if chars[j] == c { closed = true; break }
                        value.append(chars[j])
                        j += 1
                    }
                    guard closed else { throw GateExpression.error(at: column, "the string starting here has no closing \(c)") }
                    out.append(Token(kind: .string(value), column: column, text: String(chars[i...j])))
                    i = j + 1
                case _ where c.isNumber || ((c == "-" || c == "+" || c == ".") && i + 1 < chars.count && (chars[i + 1].isNumber || chars[i + 1] == ".")):
                    var j = i + 1
                    while j < chars.count, chars[j].isASCII, chars[j].isNumber || chars[j] == "." || chars[j] == "e" || chars[j] == "E"
                            || ((chars[j] == "-" || chars[j] == "+") && (chars[j - 1] == "e" || chars[j - 1] == "E")) {
                        j += 1
                    }
                    let text = String(chars[i..<j])
                    guard let d = Double(text), d.isFinite else {
                        throw GateExpression.error(at: column, "'\(text)' is not a number")
                    }
                    out.append(Token(kind: .number(d), column: column, text: text))
                    i = j
                case _ where isIdentifierStart(c):
                    var j = i
                    var name = ""
                    while j < chars.count {
                        if chars[j] == "`" {
                            guard let end = chars[(j + 1)...].firstIndex(of: "`") else {
                                throw GateExpression.error(at: j + 1, "the name starting here has no closing `")
                            }
                            name += String(chars[(j + 1)..<end])
                            j = end + 1
                        } else if isIdentifierBody(chars[j]) {
                            name.append(chars[j])
                            j += 1
                        } else {
                            break
                        }
                    }
                    let text = String(chars[i..<j])
                    let kind: Token.Kind
                    switch text.lowercased() {
                    case "and": kind = .and
                    case "or": kind = .or
                    case "not": kind = .not
                    case "true": kind = .bool(true)
                    case "false": kind = .bool(false)
                    default: kind = .identifier(name)
                    }
                    out.append(Token(kind: kind, column: column, text: text))
                    i = j
                default:
                    throw GateExpression.error(at: column, "unexpected character '\(c)'")
                }
            }
            return out
        }
    }
}

// MARK: - Parser

extension GateExpression {
    /// Recursive descent: or → and → not → primary.
    struct Parser {
        var tokens: [Token]
        var source: String
        var position = 0

        var peek: Token? { position < tokens.count ? tokens[position] : nil }
        var endColumn: Int { source.count + 1 }

        mutating func next() -> Token? {
            defer { position += 1 }
            return peek
        }

        mutating func parseExpression() throws -> Node {
            guard !tokens.isEmpty else { throw GateExpression.error(at: 1, "the condition is empty") }
            return try parseOr()
        }

        mutating func parseOr() throws -> Node {
            var node = try parseAnd()
            while peek?.kind == .or {
                position += 1
                node = .or(node, try parseAnd())
            }
            return node
        }

        mutating func parseAnd() throws -> Node {
            var node = try parseNot()
            while peek?.kind == .and {
                position += 1
                node = .and(node, try parseNot())
            }
            return node
        }

        mutating func parseNot() throws -> Node {
            if peek?.kind == .not {
                position += 1
                return .not(try parseNot())
            }
            return try parsePrimary()
        }

        mutating func parsePrimary() throws -> Node {
            guard let token = next() else {
                throw GateExpression.error(at: endColumn, "expected a condition (such as metrics.auc >= 0.9) at the end")
            }
            switch token.kind {
            case .open:
                let inner = try parseOr()
                guard let close = next(), close.kind == .close else {
                    let column = position - 1 < tokens.count ? tokens[position - 1].column : endColumn
                    throw GateExpression.error(at: column, "expected ')' to close the '(' at column \(token.column)")
                }
                return inner
            case .identifier(let name):
                let field = try Self.field(name, token: token)
                guard let opToken = next() else {
                    throw GateExpression.error(at: endColumn, "expected an operator (= != < <= > >=) after \(token.quoted)")
                }
                guard case .op(let op) = opToken.kind else {
                    throw GateExpression.error(at: opToken.column, "expected an operator (= != < <= > >=) after \(token.quoted), found \(opToken.quoted)")
                }
                guard let valueToken = next() else {
                    throw GateExpression.error(at: endColumn, "expected a number or a quoted string after '\(op.rawValue)'")
                }
                let value: Literal
                switch valueToken.kind {
                case .number(let d): value = .number(d)
                case .string(let s): value = .string(s)
                case .bool(let b): value = .bool(b)
                case .identifier:
                    throw GateExpression.error(at: valueToken.column, "expected a number or a quoted string after '\(op.rawValue)', found \(valueToken.quoted) (quote strings: '\(valueToken.text)')")
                default:
                    throw GateExpression.error(at: valueToken.column, "expected a number or a quoted string after '\(op.rawValue)', found \(valueToken.quoted)")
                }
                let start = source.index(source.startIndex, offsetBy: token.column - 1)
                let end = source.index(source.startIndex, offsetBy: valueToken.column - 1 + valueToken.text.count)
                return .comparison(Comparison(field: field, op: op, value: value, text: String(source[start..<end])))
            case .close:
                throw GateExpression.error(at: token.column, "unexpected ')' (no '(' is open, or a condition is missing before it)")
            default:
                throw GateExpression.error(at: token.column, "expected a field (metrics.NAME, params.NAME, card.NAME or format) or '(', found \(token.quoted)")
            }
        }

        static func field(_ name: String, token: Token) throws -> Field {
            if name == "format" { return .format }
            let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
            if parts.count == 2, !parts[1].isEmpty {
                switch parts[0] {
                case "metrics", "metric": return .metric(parts[1])
                case "params", "param": return .param(parts[1])
                case "card": return .card(parts[1])
                default: break
                }
            }
            throw GateExpression.error(at: token.column, "unknown field \(token.quoted): use metrics.NAME, params.NAME, card.NAME or format")
        }
    }
}
