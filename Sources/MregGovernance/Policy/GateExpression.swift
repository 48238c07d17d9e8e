import MregStore
import MregSupport
import MregRegistry
import MregFilter
/// A promotion gate: a condition on one version, written in the filter language of
/// `mreg search` (FORMAT.md §7), evaluated on the version being promoted.
///
///     metrics.auc >= 0.90 and metrics.latency_ms < 50
///     params.optimizer = 'adam' or (card.license IN ('mit', 'apache-2.0') and not format = 'pickle')
///
/// Every field, operator and literal of search works here, with the same meaning: the
/// gate's subject (`Subject`) resolves fields from the version's manifest and its model's
/// state as the index does from its row. Evaluation is in `GateExpression+Evaluate.swift`.
public struct GateExpression: Sendable, Equatable, CustomStringConvertible {
    /// The text the expression was parsed from.
    public let source: String
    public let expression: FilterExpression

    /// Parses a gate.
    ///
    /// - Parameter stages: when given, a `stage` compared with a name not among them is an error
    ///   (as in search: `stage = 'prod'` would never hold).
    /// - Throws: `RegistryError.badInput(.syntax)` with the column, counting characters (Unicode scalars) from 1.
    public init(_ source: String, stages: [String]? = nil) throws {
        self.source = source
        guard source.unicodeScalars.contains(where: { !$0.properties.isWhitespace }) else {
            throw RegistryError.badInput(.syntax(.init(.gate, column: 1, "the condition is empty")))
        }
        let parsed: FilterExpression
        do {
            parsed = try FilterParser.parse(source)
            if let stages { try parsed.checkNames(of: .stage, among: stages, what: "stage") }
        } catch {
            throw Self.syntaxError(error)
        }
        expression = parsed
    }

    public var description: String { source }

    static func syntaxError(_ error: any Error) -> any Error {
        guard let error = error as? FilterError else { return error }
        return RegistryError.badInput(.syntax(.init(.gate, column: error.column, error.message)))
    }

    /// Every condition in the expression, in source order.
    public var comparisons: [FilterExpression.Condition] { expression.conditions }
}
