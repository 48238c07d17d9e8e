import Foundation
import MregRegistry
import MregTestSupport
import Testing
@testable import MregWeb

/// A metric's change is coloured by whether it improves, following the policy's
/// `better = "lower"`, in the served diff page and the HTML report alike.
@Suite struct DeltaColourTests {
    @Test func aFallIsAnImprovementForAMetricWhereLowerIsBetter() throws {
        try WebFixture.with { f in
            try f.register("m", metrics: ["auc=0.5", "loss=0.4"])
            try f.register("m", metrics: ["auc=0.75", "loss=0.3"])
            // Without a policy, higher is better for every metric.
            let plain = f.get("/models/m/diff/1/2").text
            #expect(plain.contains("class=\"num better\">+0.25 ▲"), "\(plain)")
            #expect(plain.contains("class=\"num worse\">-0.1 ▼"), "\(plain)")

            try Data("""
                [stages.production]
                no_regression = ["auc", { metric = "loss", better = "lower" }]
                """.utf8).write(to: URL(fileURLWithPath: f.registry.repository.root + "/policy.toml"))
            let served = f.get("/models/m/diff/1/2").text
            #expect(served.contains("class=\"num better\">+0.25 ▲"), "\(served)")
            #expect(served.contains("class=\"num better\">-0.1 ▼"), "\(served)")
            #expect(!served.contains("num worse"), "\(served)")

            let diff = try f.registry.diff("m@1", "m@2")
            let report = HTMLReport.diff(diff, lowerIsBetter: ["loss"], environment: ["MREG_NOW": "2026-03-01T12:00:00Z"])
            #expect(report.contains("class=\"num better\">-0.1 ▼") && !report.contains("num worse"), "\(report)")
            // The rise of a lower-is-better metric is the regression.
            let back = HTMLReport.diff(try f.registry.diff("m@2", "m@1"), lowerIsBetter: ["loss"])
            #expect(back.contains("class=\"num worse\">+0.1 ▲") && back.contains("class=\"num worse\">-0.25 ▼"), "\(back)")
        }
    }

    @Test func aBrokenPolicyOnlyLosesTheDirection() throws {
        try WebFixture.with { f in
            try f.register("m", metrics: ["loss=0.4"])
            try f.register("m", metrics: ["loss=0.3"])
            try Data("[stages.production\n".utf8).write(to: URL(fileURLWithPath: f.registry.repository.root + "/policy.toml"))
            let r = f.get("/models/m/diff/1/2")
            #expect(r.text.contains("class=\"num worse\">-0.1 ▼"), "\(r.text)")
        }
    }
}
