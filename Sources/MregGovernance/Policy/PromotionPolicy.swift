import Foundation
import MregStore
import MregSupport
import MregRegistry
import MregFilter

/// The rules promotions must pass, read from `.mreg/policy.toml` (see FORMAT.md §4).
///
///     [stages.production]
///     from = ["staging"]
///     require = "metrics.auc >= 0.90 and metrics.latency_ms < 50"
///     no_regression = ["auc", { metric = "latency_ms", better = "lower" }]
///     card_fields = ["license"]
///     require_reason = true
///     signed = true
///     allow_force = false
///
///     [signing]
///     allowed_signers = "allowed_signers"
///
/// A store without the file has an empty policy: every promotion is allowed.
public struct PromotionPolicy: Sendable {
    /// The rules of one stage.
    public struct StageRules: Sendable, Equatable {
        /// Stages the version must be in now (nil: any).
        public var from: [String]?
        /// A gate every promoted version must satisfy.
        public var require: GateExpression?
        /// Metrics that may not get worse than in the version the stage holds now.
        public var noRegression: [RegressionRule] = []
        /// Model-card fields that must be present and not empty.
        public var cardFields: [String] = []
        public var requireReason = false
        /// Promotions must be signed by a key in the allowed-signers file.
        public var signed = false
        /// `--force` may override failed rules (all but `signed`).
        public var allowForce = false

        public init() {}
    }

    /// One `no_regression` entry.
    public struct RegressionRule: Sendable, Equatable, CustomStringConvertible {
        public var metric: String
        /// True when a larger value is better (the default).
        public var higherIsBetter = true
        /// How much worse than now is still accepted (in the metric's unit).
        public var tolerance: Double = 0

        public init(metric: String, higherIsBetter: Bool = true, tolerance: Double = 0) {
            self.metric = metric
            self.higherIsBetter = higherIsBetter
            self.tolerance = tolerance
        }

        public var description: String {
            var s = metric + (higherIsBetter ? "" : " (lower is better)")
            if tolerance != 0 { s += " ±\(JSONValue.double(tolerance).displayText)" }
            return s
        }
    }

    /// The file's name inside `.mreg`.
    public static let fileName = "policy.toml"

    /// Rules by stage.
    public var stages: [String: StageRules] = [:]
    /// Absolute path of the allowed-signers file (`ssh-keygen` format), if the policy names one.
    public var allowedSigners: String?
    /// `sha256:` of the policy file's bytes (nil without a file); recorded in each verdict.
    public var digest: String?
    /// Where the policy was read from.
    public var path: String?
    /// `[retention]`: which versions `prune` keeps (nil: the policy has none).
    public var retention: RetentionPolicy?
    /// `[removal]`: the rules `rm` and `prune` must pass (nil: removals are not governed).
    public var removal: RemovalRules?

    /// `[removal]`: how removals are governed, like a stage's promotions.
    public struct RemovalRules: Sendable, Equatable {
        /// A removal must say why (`rm --reason` always does; a policy can demand it of every tool).
        public var requireReason = false
        /// Removals must be signed by a key in the allowed-signers file (`rm --sign`, `prune --sign`).
        public var signed = false

        public init() {}
    }

    public init() {}

    /// True when the policy has no rules at all.
    public var isEmpty: Bool { stages.isEmpty && allowedSigners == nil }

    /// The rules of `stage`, if the policy names it.
    public func rules(for stage: String) -> StageRules? { stages[stage] }
}
