import MregSupport
/// A parsed filter: the one language of `mreg search` and of policy gates (`require`).
///
///     params.optimizer = 'adam' and (metrics.auc >= 0.9 or tag = 'reviewed') and card.license IN ('mit', 'apache-2.0')
///
/// Built by `FilterParser`; evaluated by `FilterEvaluator` against a `FieldResolver`
/// (a gate's version), or compiled by the index into its own matcher (a search).
/// Precedence, loosest first: OR, AND, NOT, then a condition or a parenthesized expression.
public indirect enum FilterExpression: Sendable, Equatable {
    /// No filter: every version.
    case all
    case and(FilterExpression, FilterExpression)
    case or(FilterExpression, FilterExpression)
    case not(FilterExpression)
    case condition(Condition)

    /// `FIELD OP VALUE`, `FIELD [NOT] IN (…)`, `FIELD [NOT] LIKE/ILIKE 'pattern'` or `FIELD IS [NOT] NULL`.
    public struct Condition: Sendable, Equatable, CustomStringConvertible {
        public var field: FilterField
        public var op: Operator
        /// One value for comparisons and LIKE, several for IN, none for IS NULL.
        public var values: [Literal]
        /// Where the condition starts in the filter (1-based), for messages.
        public var column: Int
        /// The condition as written (for messages; not compared by `==`).
        public var text: String

        public init(field: FilterField, op: Operator, values: [Literal], column: Int, text: String = "") {
            self.field = field
            self.op = op
            self.values = values
            self.column = column
            self.text = text
        }

        /// Equal when they say the same thing at the same place, however it was spelled.
        public static func == (a: Condition, b: Condition) -> Bool {
            a.field == b.field && a.op == b.op && a.values == b.values && a.column == b.column
        }

        public var description: String { text.isEmpty ? "\(field) \(op.rawValue) …" : text }
    }

    public enum Operator: String, Sendable, CaseIterable {
        case equal = "=", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
        case like = "LIKE", notLike = "NOT LIKE", ilike = "ILIKE", notIlike = "NOT ILIKE"
        case `in` = "IN", notIn = "NOT IN", isNull = "IS NULL", isNotNull = "IS NOT NULL"

        /// The operator a negated one negates (`!=` → `=`), or nil when it is not negated.
        public var positive: Operator? {
            switch self {
            case .notEqual: return .equal
            case .notLike: return .like
            case .notIlike: return .ilike
            case .notIn: return .in
            default: return nil
            }
        }

        /// `LIKE`, `ILIKE` or their negations.
        public var isLike: Bool { [.like, .notLike, .ilike, .notIlike].contains(self) }
    }

    /// A value in a filter.
    public enum Literal: Sendable, Equatable {
        case string(String)
        /// A number; `exact` when it is a whole number (`10`, `7B`).
        case number(Double, exact: Int64?)
        case bool(Bool)
        /// A quoted date compared with `created`: the seconds it spans (`'2026-03-01'` is the whole day).
        case date(from: Int64, to: Int64, text: String)
    }

    /// Every condition, in the order they are written.
    public var conditions: [Condition] {
        var out = [Condition]()
        var stack = [self]
        while let e = stack.popLast() {
            switch e {
            case .all: break
            case .and(let a, let b), .or(let a, let b): stack.append(b); stack.append(a)
            case .not(let a): stack.append(a)
            case .condition(let c): out.append(c)
            }
        }
        return out
    }

    /// The fields the filter names, in order of first appearance.
    public var fields: [FilterField] {
        var out = [FilterField]()
        for c in conditions where !out.contains(c.field) { out.append(c.field) }
        return out
    }
}
