import MregStore
import MregSupport
import MregRegistry
import MregFilter
/// What the policy said about one promotion, recorded in its event as `verdict`:
///
///     {"passed": false, "policy": "sha256:<the policy digest, PromotionPolicy+Digest>",
///      "rules": [{"rule": "from", "passed": true, "detail": "v3 is in staging"}, ...]}
///
/// Rules appear in a fixed order (`from`, `require`, `no_regression`, `card_fields`,
/// `require_reason`, `signed`, `signers`, `approvals`), only those the stage's policy sets.
public struct PolicyVerdict: Sendable, Equatable {
    /// One rule's outcome.
    public struct RuleResult: Sendable, Equatable {
        /// The policy key: `from`, `require`, `no_regression`, `card_fields`, `require_reason`, `signed`, `signers` or `approvals`.
        public var rule: String
        public var passed: Bool
        /// Why, with the values looked at.
        public var detail: String

        public init(rule: String, passed: Bool, detail: String) {
            self.rule = rule
            self.passed = passed
            self.detail = detail
        }
    }

    /// The digest of the policy (and allowed-signers file) the verdict was reached under (`PromotionPolicy.digest`).
    public var policy: String
    public var rules: [RuleResult]
    /// The `approve` events the `approvals` rule counted, oldest first (recorded as the promotion's
    /// `approvals`; not part of the verdict's JSON).
    public var usedApprovals: [ObjectID] = []

    public init(policy: String, rules: [RuleResult]) {
        self.policy = policy
        self.rules = rules
    }

    public var passed: Bool { rules.allSatisfy(\.passed) }
    public var failures: [RuleResult] { rules.filter { !$0.passed } }

    /// The failed rules on one line: `require: metrics.auc >= 0.9 is false (metrics.auc = 0.85); from: …`.
    public var failureSummary: String {
        failures.map { "\($0.rule): \($0.detail)" }.joined(separator: "; ")
    }

    public var json: JSONValue {
        .object([
            "passed": .bool(passed),
            "policy": .string(policy),
            "rules": .array(rules.map { .object(["rule": .string($0.rule), "passed": .bool($0.passed), "detail": .string($0.detail)]) }),
        ])
    }

    /// Reads a recorded verdict.
    ///
    /// - Throws: `RegistryError.corrupt` when it is not a verdict, or its `passed` disagrees with its rules.
    public init(json: JSONValue) throws {
        guard case .object(let o) = json, let policy = o["policy"]?.stringValue, let items = o["rules"]?.arrayValue,
              let passed = o["passed"]?.boolValue else {
            throw RegistryError.corrupt(.init(object: "the recorded policy verdict", reason: "it is malformed (needs passed, policy and rules)"))
        }
        self.policy = policy
        rules = try items.map { item in
            guard let rule = item["rule"]?.stringValue, let ok = item["passed"]?.boolValue else {
                throw RegistryError.corrupt(.init(object: "the recorded policy verdict", reason: "a rule is malformed (needs rule and passed)"))
            }
            return RuleResult(rule: rule, passed: ok, detail: item["detail"]?.stringValue ?? "")
        }
        guard passed == self.passed else {
            throw RegistryError.corrupt(.init(object: "the recorded policy verdict", reason: "it says passed = \(passed) but its rules say \(self.passed)"))
        }
    }
}
