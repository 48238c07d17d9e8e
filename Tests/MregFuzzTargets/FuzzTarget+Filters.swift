import MregSupport
import MregFilter
import MregIndex
import MregGovernance

extension FuzzTarget {
    /// The filter language's words, shared by search and gates.
    static let filterWords = [
        "and", "or", "not", "AND", "OR", "NOT", "(", ")", "=", "!=", "<", "<=", ">", ">=", "LIKE", "ILIKE", "IN",
        "IS NULL", "IS NOT NULL", "'", "\"", "`", ",", ".", "model", "version", "stage", "tag", "author", "created",
        "message", "format", "parameters", "params.", "metrics.", "card.", "metrics.auc", "params.optimizer.name",
        "'2026-01-01'", "'yesterday'", "'%'", "'_'", "1e308", "-9223372036854775808", "9223372036854775807",
        "((((((((((", "))))))))))",
    ]

    /// The query language: `mreg search` filters parsed and run over a small registry's index.
    static let query = FuzzTarget(
        name: "query",
        summary: "a search filter parsed (SearchQuery) and run over a small registry's index; --order-by and dates parsed too",
        dictionary: filterWords + ["ASC", "DESC", "created DESC"],
        usesRegistry: true
    ) { context, input in
        let text = String(decoding: input, as: UTF8.self)
        _ = attempt { try SearchOrder.parse(text) }
        _ = attempt { try UserDate.parse(text) }
        guard let query = attempt({ try SearchQuery.parse(text) }) else { return }
        _ = query.fields
        let fixture = context.fixture()
        _ = attempt { try fixture.index.search(query, order: SearchOrder.defaultOrder, limit: 10) }
    }

    /// The gate language: `require = "…"` conditions of policy.toml, judged on a real version.
    static let gate = FuzzTarget(
        name: "gate",
        summary: "a promotion gate parsed (GateExpression, stage names checked) and evaluated on a registered version",
        dictionary: filterWords + ["staging", "production", "development", "archived"],
        usesRegistry: true
    ) { context, input in
        let text = String(decoding: input, as: UTF8.self)
        let fixture = context.fixture()
        _ = attempt { try GateExpression(text) }
        guard let gate = attempt({ try GateExpression(text, stages: fixture.stages) }) else { return }
        _ = gate.evaluate(fixture.subject)
        _ = gate.falseComparisons(fixture.subject)
        _ = gate.fieldValues(fixture.subject)
        _ = FilterEvaluator(gate.expression).matches(fixture.subject)
    }
}
