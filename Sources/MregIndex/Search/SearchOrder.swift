import MregStore
import MregSupport
import MregRegistry
import MregFilter
/// One `--order-by` key: `metrics.auc DESC`, `created`, `params.lr ASC`.
///
/// Missing values sort last in both directions; numbers sort before text.
public struct SearchOrder: Sendable, Equatable, CustomStringConvertible {
    public var field: SearchField
    public var descending: Bool

    public init(field: SearchField, descending: Bool = false) {
        self.field = field
        self.descending = descending
    }

    /// Newest first; then by model and version (the order without `--order-by`).
    public static let defaultOrder = [SearchOrder(field: .created, descending: true)]

    /// Reads `FIELD [ASC|DESC]`.
    public static func parse(_ text: String) throws -> SearchOrder {
        func fail(_ why: String) -> RegistryError { .badInput(.syntax(.init(.sortOrder, column: nil, why, text: text))) }
        let tokens: [FilterLexer.Token]
        do { tokens = try FilterLexer.tokens(text) } catch {
            throw fail(error.description)
        }
        guard let first = tokens.first, case .name(let parts, _) = first.kind else {
            throw fail("expected FIELD [ASC|DESC], such as 'metrics.auc DESC'")
        }
        guard let field = SearchField.named(parts) else { throw fail("unknown field '\(first.text)': use \(SearchField.help)") }
        var descending = false
        var next = 1
        if tokens[next].isKeyword("DESC") { descending = true; next += 1 }
        else if tokens[next].isKeyword("ASC") { next += 1 }
        guard tokens[next].kind == .end else {
            throw fail("unexpected '\(tokens[next].text)' at column \(tokens[next].column): write FIELD, FIELD ASC or FIELD DESC")
        }
        return SearchOrder(field: field, descending: descending)
    }

    public var description: String { "\(field) \(descending ? "DESC" : "ASC")" }
}
