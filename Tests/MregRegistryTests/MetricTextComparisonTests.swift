import Testing
@testable import MregFilter

/// Metrics are numbers (or true/false): comparing one with text that reads as neither never
/// holds, so the parser refuses it, while text fields and version-ordered fields keep text.
@Suite struct MetricTextComparisonTests {
    func refusal(_ text: String) -> FilterError? {
        do { _ = try FilterParser.parse(text); return nil } catch { return error }
    }

    @Test func aMetricComparedWithTextIsRefusedAtTheValue() throws {
        let e = try #require(refusal("metrics.auc > \"abc\""))
        #expect(e.column == 15)
        #expect(e.message.hasPrefix("metrics.auc > \"abc\" compares a number with text and never holds"), "\(e)")
        #expect(e.message.contains("as in metrics.auc > 0.9"), "\(e)")
        for op in ["=", "!=", "<", "<=", ">=", "=="] { #expect(refusal("metrics.auc \(op) 'x'") != nil, "\(op)") }
        let list = try #require(refusal("metrics.auc NOT IN (0.9, 'x')"))
        #expect(list.message.hasPrefix("metrics.auc NOT IN (… 'x' …)") && list.message.contains("metrics.auc >= 0.9"), "\(list)")
        #expect(refusal("metrics.`my-auc` > 'abc'") != nil)
    }

    @Test func numbersAsTextBooleansPatternsAndOtherFieldsStillParse() {
        for ok in ["metrics.auc > '0.9'", "metrics.auc = '1e-3'", "metrics.converged = 'true'", "metrics.converged = false",
                   "metrics.auc LIKE '0.9%'", "metrics.auc IS NULL", "params.optimizer == 'adam'", "params.lr > 'abc'",
                   "environment.packages.torch >= '2.1'", "environment.python < '3.10'", "card.license = 'mit'"] {
            #expect(refusal(ok) == nil, "\(ok)")
        }
    }

    @Test func versionOrderStillHoldsForEnvironmentPackages() throws {
        let e = try FilterParser.parse("environment.packages.torch >= '2.1'")
        guard case .condition(let c) = e else { Issue.record("not one condition"); return }
        #expect(FilterEvaluator.holds(c, .one(.text("2.10.0"))))
        #expect(!FilterEvaluator.holds(c, .one(.text("2.0.1"))))
    }
}
