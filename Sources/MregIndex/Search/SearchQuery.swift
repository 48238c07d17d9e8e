import MregStore
import MregSupport
import MregRegistry
/// A parsed `mreg search` filter: MLflow's search syntax (`params.optimizer = 'adam' and
/// metrics.auc >= 0.9`) with OR, NOT and parentheses added.
///
///     let q = try SearchQuery.parse("params.optimizer = 'adam' and (metrics.auc >= 0.9 or tag = 'reviewed')")
///
/// Precedence, loosest first: OR, AND, NOT, then a condition or a parenthesized expression.
public struct SearchQuery: Sendable, Equatable {
    /// A boolean combination of conditions.
    public indirect enum Expression: Sendable, Equatable {
        /// No filter: every version.
        case all
        case and(Expression, Expression)
        case or(Expression, Expression)
        case not(Expression)
        case condition(Condition)
    }

    /// `FIELD OP VALUE`, `FIELD [NOT] IN (…)`, `FIELD [NOT] LIKE/ILIKE 'pattern'` or `FIELD IS [NOT] NULL`.
    public struct Condition: Sendable, Equatable {
        public var field: SearchField
        public var op: Operator
        /// One value for comparisons and LIKE, several for IN, none for IS NULL.
        public var values: [Literal]
        /// Where the condition starts in the query (1-based), for messages.
        public var column: Int

        public init(field: SearchField, op: Operator, values: [Literal], column: Int) {
            self.field = field
            self.op = op
            self.values = values
            self.column = column
        }
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
    }

    /// A value in a query.
    public enum Literal: Sendable, Equatable {
        case string(String)
        /// A number; `exact` when it is a whole number (`10`, `7B`).
        case number(Double, exact: Int64?)
        case bool(Bool)
        /// A quoted date compared with `created`: the seconds it spans (`'2026-03-01'` is the whole day).
        case date(from: Int64, to: Int64, text: String)
    }

    public var expression: Expression
    /// The query as given.
    public var text: String

    public init(expression: Expression, text: String) {
        self.expression = expression
        self.text = text
    }

    /// The fields the query names, in order of first appearance.
    public var fields: [SearchField] {
        var out = [SearchField]()
        func walk(_ e: Expression) {
            switch e {
            case .all: break
            case .and(let a, let b), .or(let a, let b): walk(a); walk(b)
            case .not(let a): walk(a)
            case .condition(let c): if !out.contains(c.field) { out.append(c.field) }
            }
        }
        walk(expression)
        return out
    }
}
