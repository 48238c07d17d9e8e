import MregTestSupport
import Testing
@testable import MregRegistry
import MregFilter
@testable import MregSupport
@testable import MregIndex
@testable import MregGovernance
@testable import MregRemote

/// The gate expressions of promotion policies.
@Suite struct GovernanceGateTests {
    static let subject = GateExpression.Subject(
        metrics: ["auc": 0.93, "latency_ms": 42, "val loss": 0.2],
        params: ["optimizer": "adam", "lr": 0.01, "epochs": 10, "use_bias": true, "seed": "42"],
        card: ["license": "apache-2.0", "tags": ["fraud", "tabular"]],
        formats: ["json", "safetensors"])

    static func holds(_ text: String) throws -> Bool {
        try GateExpression(text).evaluate(subject)
    }

    @Test func comparesNumbersStringsAndBooleans() throws {
        #expect(try Self.holds("metrics.auc >= 0.90"))
        #expect(try Self.holds("metrics.auc >= 0.90 and metrics.latency_ms < 50"))
        #expect(try !Self.holds("metrics.auc >= 0.95 and metrics.latency_ms < 50"))
        #expect(try Self.holds("metrics.auc >= 0.95 or metrics.latency_ms < 50"))
        #expect(try Self.holds("params.optimizer = 'adam'"))
        #expect(try Self.holds("params.optimizer == \"adam\""))
        #expect(try Self.holds("params.optimizer != 'sgd'"))
        #expect(try Self.holds("params.lr < 0.1 AND params.epochs = 10"))
        #expect(try Self.holds("params.use_bias = true"))
        #expect(try Self.holds("params.seed > 40"))       // a numeric string compares as a number
        #expect(try Self.holds("metrics.`val loss` <= 0.2"))
        #expect(try Self.holds("metrics.latency_ms <> 41"))
        #expect(try Self.holds("metrics.latency_ms > -1"))
    }

    @Test func notAndParenthesesBindAsExpected() throws {
        #expect(try !Self.holds("not metrics.auc > 0.9"))
        #expect(try Self.holds("not (metrics.auc > 0.95 or params.optimizer = 'sgd')"))
        // `and` binds tighter than `or`.
        #expect(try Self.holds("metrics.auc > 0.95 and params.lr > 1 or params.epochs = 10"))
        #expect(try !Self.holds("metrics.auc > 0.95 and (params.lr > 1 or params.epochs = 10)"))
    }

    @Test func absentFieldsAreFalseAndListsMatchAnyElement() throws {
        #expect(try !Self.holds("metrics.f1 > 0"))
        #expect(try !Self.holds("metrics.f1 != 0"))
        #expect(try Self.holds("not metrics.f1 > 0"))
        #expect(try Self.holds("card.license = 'apache-2.0'"))
        #expect(try Self.holds("card.tags = 'fraud'"))
        #expect(try !Self.holds("card.tags = 'vision'"))
        #expect(try Self.holds("card.tags != 'vision'"))
        #expect(try Self.holds("format = 'safetensors'"))
        #expect(try Self.holds("format != 'pickle'"))
        #expect(try !Self.holds("format != 'json'"))
        #expect(try !Self.holds("card.datasets = 'x'"))
    }

    @Test func explainsWhatFailed() throws {
        let gate = try GateExpression("metrics.auc >= 0.95 and metrics.latency_ms < 50 and metrics.f1 > 0.5")
        #expect(gate.falseComparisons(Self.subject) == [
            "metrics.auc >= 0.95 is false (metrics.auc = 0.93)",
            "metrics.f1 > 0.5 is false (metrics.f1 = absent)",
        ])
        #expect(gate.fieldValues(Self.subject) == "metrics.auc = 0.93, metrics.latency_ms = 42, metrics.f1 = absent")
    }

    // The messages are the filter language's (one parser for search and gates), so several
    // read as search's do: "expected a value", "')' has no matching '('", "unterminated string".
    @Test(arguments: [
        ("", "column 1: the condition is empty"),
        ("metrics.auc >=", "column 15: expected a value after '>='"),
        ("metrics.auc 0.9", "column 13: expected an operator"),
        ("metrics.auc >= 0.9 and", "column 23: expected a condition"),
        ("metrics.auc >= 0.9 metrics.f1 > 1", "column 20: unexpected 'metrics.f1'"),
        ("(metrics.auc >= 0.9", "column 20: expected ')' to close the '(' at column 1"),
        ("metrics.auc >= 0.9)", "column 19: ')' has no matching '('"),
        ("accuracy > 0.9", "column 1: unknown field 'accuracy'"),
        ("params.opt = adam", "column 14: expected a value after '=', found 'adam' (quote text values: 'adam')"),
        ("params.opt = 'adam", "column 14: unterminated string: add the closing '"),
        ("metrics.auc ! 0.9", "column 13: '!' must be followed by '='"),
        ("metrics.auc >= 0.9 & metrics.f1 > 0", "column 20: unexpected '&'"),
    ])
    func syntaxErrorsNameTheColumn(text: String, message: String) {
        do {
            _ = try GateExpression(text)
            Issue.record("'\(text)' parsed")
        } catch RegistryError.badInput(.syntax(let s)) {
            #expect(s.language == .gate)
            #expect(s.description.hasPrefix(message), "\(s)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
