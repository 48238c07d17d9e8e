import MregStore
import MregSupport
import MregRegistry
import MregFilter
/// A field a search condition or `--order-by` names (the filter language's fields).
public typealias SearchField = FilterField

/// A parsed `mreg search` filter: the filter language (FORMAT.md §7) — MLflow's search syntax
/// (`params.optimizer = 'adam' and metrics.auc >= 0.9`) with OR, NOT and parentheses added.
///
///     let q = try SearchQuery.parse("params.optimizer = 'adam' and (metrics.auc >= 0.9 or tag = 'reviewed')")
public struct SearchQuery: Sendable, Equatable {
    public typealias Expression = FilterExpression
    public typealias Condition = FilterExpression.Condition
    public typealias Operator = FilterExpression.Operator
    public typealias Literal = FilterExpression.Literal

    public var expression: Expression
    /// The query as given.
    public var text: String

    public init(expression: Expression, text: String) {
        self.expression = expression
        self.text = text
    }

    /// Parses a filter; an empty (or all-blank) one matches every version.
    ///
    /// - Throws: `RegistryError.badInput(.syntax)` naming the column where the query goes wrong.
    public static func parse(_ text: String) throws -> SearchQuery {
        do {
            return SearchQuery(expression: try FilterParser.parse(text), text: text)
        } catch {
            throw RegistryError.badInput(.syntax(.init(.search, column: error.column, error.message)))
        }
    }

    /// The fields the query names, in order of first appearance.
    public var fields: [SearchField] { expression.fields }
}
