import MregTestSupport
import Testing
import MregStore
@testable import MregRegistry
@testable import MregFilter
@testable import MregSupport
@testable import MregIndex
@testable import MregGovernance
@testable import MregRemote

/// Reading policy.toml and judging promotions with it, each rule both allowing and refusing.
@Suite struct GovernancePolicyTests {
    static let stages = Registry.defaultStages

    static func parse(_ text: String) throws -> PromotionPolicy {
        try PromotionPolicy.parse(text, root: "/store/.mreg", knownStages: stages)
    }

    static func refusal(_ text: String) -> String? {
        do {
            _ = try parse(text)
            return nil
        } catch RegistryError.badInput(.invalidPolicy(let file, let problem)) {
            return "\(file): \(problem)"
        } catch {
            return "\(error)"
        }
    }

    /// Groups that each name the next one twice, 40 deep: checked once per group (it took 2^40
    /// steps, a hang of every command that reads the policy, found by an adversarial trial).
    @Test func deeplyNestedGroupsAreCheckedInLinearTime() throws {
        var text = "[groups]\n"
        for i in 0..<40 { text += "g\(i) = [\"group:g\(i + 1)\", \"group:g\(i + 1)\"]\n" }
        let policy = try Self.parse(text + "g40 = [\"val@example.com\"]\n")
        #expect(policy.expand(["group:g0"]) == ["val@example.com"])
        let circle = Self.refusal(text + "g40 = [\"group:g0\"]\n")
        #expect(circle?.contains("in a circle") == true, "\(String(describing: circle))")
    }

    static let full = """
        [stages.production]
        from = ["staging"]                 # allowed transitions into production
        require = "metrics.auc >= 0.90 and metrics.latency_ms < 50"
        no_regression = ["auc", { metric = "latency_ms", better = "lower", tolerance = 2 }]
        card_fields = ["license"]
        require_reason = true
        signed = true
        allow_force = false

        [stages.staging]
        require = "format != 'pickle'"
        allow_force = true

        [signing]
        allowed_signers = "allowed_signers"
        """

    @Test func readsEveryRule() throws {
        let policy = try Self.parse(Self.full)
        let p = try #require(policy.rules(for: "production"))
        #expect(p.from == ["staging"])
        #expect(p.require?.source == "metrics.auc >= 0.90 and metrics.latency_ms < 50")
        #expect(p.noRegression == [.init(metric: "auc"), .init(metric: "latency_ms", higherIsBetter: false, tolerance: 2)])
        #expect(p.cardFields == ["license"])
        #expect(p.requireReason && p.signed && !p.allowForce)
        let s = try #require(policy.rules(for: "staging"))
        #expect(s.from == nil && s.allowForce && !s.signed)
        #expect(policy.rules(for: "development") == nil)
        #expect(policy.allowedSigners == "/store/.mreg/allowed_signers")
        #expect(try Self.parse("").isEmpty)
    }

    @Test func mistakesAreErrorsNotSilentlyIgnored() {
        #expect(Self.refusal("[stages.production]\nrequires = \"metrics.auc > 1\"")?.contains("unknown key 'requires' in [stages.production]") == true)
        #expect(Self.refusal("[stages.prodution]\nsigned = false")?.contains("unknown stage 'prodution'") == true)
        #expect(Self.refusal("[stages.production]\nfrom = [\"stagin\"]")?.contains("unknown stage 'stagin'") == true)
        #expect(Self.refusal("[stages.production]\nrequire = \"metrics.auc >= \"")?.contains("require in [stages.production]: column 16: expected a value") == true)
        #expect(Self.refusal("[stages.production]\nsigned = \"yes\"")?.contains("signed in [stages.production] must be true or false") == true)
        #expect(Self.refusal("[stages.production]\nsigned = true")?.contains("no allowed-signers file") == true)
        #expect(Self.refusal("[stages.production]\ncard_fields = [\"licence\"]")?.contains("never records") == true)
        #expect(Self.refusal("[stages.production]\nno_regression = [{ metric = \"auc\", better = \"up\" }]")?.contains("\"higher\" or \"lower\"") == true)
        #expect(Self.refusal("[gates]\nx = 1")?.contains("unknown section 'gates'") == true)
        #expect(Self.refusal("[stages.production\nsigned = true")?.contains("not valid TOML: line 1") == true)
    }

    // MARK: evaluating

    static func manifest(metrics: [String: JSONValue] = ["auc": 0.93, "latency_ms": 40], card: JSONValue = ["license": "mit"],
                         format: String? = "safetensors") -> Manifest {
        let file = ManifestFile(path: "model.bin", mode: "100644", size: 1, digest: "sha256:00",
                                object: ObjectID(parsing: String(repeating: "ab", count: 32))!, format: format)
        return Manifest(model: "fraud", files: [file], metrics: metrics, card: card)
    }

    /// v1 and v2 registered; v1 in production, v2 in `stagesOfV2`.
    static func state(stagesOfV2: [String]) -> ModelState {
        var state = ModelState(model: "fraud")
        let id = ObjectID(parsing: String(repeating: "cd", count: 32))!
        for v: Int64 in [1, 2] {
            state.versions[v] = .init(number: v, manifest: id, content: nil, registeredBy: "t", registeredAt: "t", event: id)
        }
        state.stages["production"] = 1
        for s in stagesOfV2 { state.stages[s] = 2 }
        return state
    }

    static func judge(_ rules: String, candidate: Manifest = manifest(), inStages: [String] = ["staging"],
                      current: Manifest? = manifest(metrics: ["auc": 0.91, "latency_ms": 45]),
                      reason: String? = nil, signer: String? = nil) throws -> PolicyVerdict {
        let policy = try parse("[stages.production]\n" + rules + "\n[signing]\nallowed_signers = \"s\"")
        return policy.rules(for: "production")!.evaluate(
            candidate: candidate, version: 2, stage: "production", state: state(stagesOfV2: inStages),
            current: current.map { (1, $0) }, reason: reason, signer: signer, policyDigest: "sha256:x")
    }

    @Test func fromAllowsOnlyTheNamedStages() throws {
        let ok = try Self.judge("from = [\"staging\"]")
        #expect(ok.passed && ok.rules == [.init(rule: "from", passed: true, detail: "v2 is in staging")])
        let refused = try Self.judge("from = [\"staging\"]", inStages: ["development"])
        #expect(!refused.passed)
        #expect(refused.rules[0].detail == "v2 must be in staging to enter production (it is in development)")
        #expect(try !Self.judge("from = [\"staging\"]", inStages: []).passed)
        #expect(try Self.judge("from = [\"staging\", \"development\"]", inStages: ["development"]).passed)
    }

    @Test func requireGatesOnMetrics() throws {
        #expect(try Self.judge("require = \"metrics.auc >= 0.9 and metrics.latency_ms < 50\"").passed)
        let refused = try Self.judge("require = \"metrics.auc >= 0.95\"")
        #expect(!refused.passed && refused.failureSummary == "require: metrics.auc >= 0.95 is false (metrics.auc = 0.93)")
        #expect(try !Self.judge("require = \"format != 'safetensors'\"").passed)
        #expect(try Self.judge("require = \"not metrics.auc > 0.5\"").failureSummary.contains("is false (metrics.auc = 0.93)"))
    }

    @Test func noRegressionComparesWithTheVersionInTheStage() throws {
        #expect(try Self.judge("no_regression = [\"auc\"]").passed)
        let worse = try Self.judge("no_regression = [\"metrics.auc\"]", current: Self.manifest(metrics: ["auc": 0.95]))
        #expect(!worse.passed && worse.rules[0].detail == "auc 0.93 < 0.95 of v1: worse")
        // Lower is better, with a tolerance.
        let latency = "no_regression = [{ metric = \"latency_ms\", better = \"lower\", tolerance = 2 }]"
        #expect(try Self.judge(latency, current: Self.manifest(metrics: ["latency_ms": 39])).passed)
        #expect(try !Self.judge(latency, current: Self.manifest(metrics: ["latency_ms": 37])).passed)
        // Nothing to compare with: allowed. A missing metric on the candidate: refused.
        #expect(try Self.judge("no_regression = [\"auc\"]", current: nil).passed)
        #expect(try Self.judge("no_regression = [\"auc\"]", current: Self.manifest(metrics: [:])).passed)
        #expect(try !Self.judge("no_regression = [\"f1\"]").passed)
    }

    @Test func cardFieldsMustBePresent() throws {
        #expect(try Self.judge("card_fields = [\"license\"]").passed)
        let refused = try Self.judge("card_fields = [\"license\", \"datasets\"]", candidate: Self.manifest(card: ["license": "mit", "datasets": []]))
        #expect(!refused.passed && refused.rules[0].detail == "the model card of v2 lacks datasets")
        #expect(try !Self.judge("card_fields = [\"license\"]", candidate: Self.manifest(card: .null)).passed)
    }

    @Test func reasonAndSignatureRules() throws {
        #expect(try Self.judge("require_reason = true", reason: "shadow test passed").passed)
        #expect(try !Self.judge("require_reason = true", reason: "  ").passed)
        #expect(try Self.judge("signed = true", signer: "ada@example.com").rules == [.init(rule: "signed", passed: true, detail: "signed by ada@example.com")])
        #expect(try !Self.judge("signed = true").passed)
    }

    @Test func verdictRoundTripsThroughItsJSON() throws {
        let verdict = try Self.judge("from = [\"staging\"]\nrequire = \"metrics.auc > 0.99\"")
        #expect(verdict.rules.map(\.rule) == ["from", "require"])
        let back = try PolicyVerdict(json: JSONValue.parse(verdict.json.canonicalBytes))
        #expect(back == verdict)
        // A verdict whose `passed` disagrees with its rules is rejected.
        var forged = verdict.json.objectValue!
        forged["passed"] = true
        #expect(throws: RegistryError.self) { try PolicyVerdict(json: .object(forged)) }
    }
}
