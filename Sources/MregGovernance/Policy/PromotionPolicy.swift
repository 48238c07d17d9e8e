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
        /// `--force` may override failed rules (all but `signed`, `signers` and `approvals`).
        public var allowForce = false
        /// Who may move versions into and out of the stage (`email` or `group:NAME`, as written); nil: anyone.
        /// Setting it requires signatures: identity is what a signature proves.
        public var signers: [String]?
        /// How many signed approvals (`mreg approve`) a promotion into the stage needs (0: none).
        public var approvals = 0
        /// Who may approve for the stage (`email` or `group:NAME`); nil: any allowed signer.
        public var approvers: [String]?
        /// The version's registrant and the promoter neither approve nor count as approvers.
        public var separationOfDuties = false
        /// Approvals older than this many days (at the promotion) do not count; nil: no limit.
        public var approvalMaxAgeDays: Int?

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
    /// The digest of the policy file and its allowed-signers file (`PromotionPolicy+Digest`;
    /// nil without a policy file); recorded in each verdict.
    public var digest: String?
    /// `sha256:` of the policy file's bytes alone: the digest verdicts recorded before the
    /// digest covered the allowed-signers file (nil without a policy file).
    public var legacyDigest: String?
    /// Where the policy was read from.
    public var path: String?
    /// `[retention]`: which versions `prune` keeps (nil: the policy has none).
    public var retention: RetentionPolicy?
    /// `[removal]`: the rules `rm` and `prune` must pass (nil: removals are not governed).
    public var removal: RemovalRules?

    /// `[groups]`: named lists of principals (e-mail addresses as in the allowed-signers file),
    /// expanded (a member may be `group:OTHER`); used as `group:NAME` in `signers` and `approvers`.
    public var groups: [String: [String]] = [:]
    /// `[tags.NAME]`: tags whose moves are governed.
    public var tags: [String: TagRules] = [:]

    /// `[tags.NAME]`: who may set, move or delete a protected tag, and whether it needs a reason.
    public struct TagRules: Sendable, Equatable {
        /// Principals (`email` or `group:NAME`) who may move the tag; nil: anyone. Requires signatures.
        public var signers: [String]?
        public var requireReason = false

        public init() {}
    }

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
    public var isEmpty: Bool { stages.isEmpty && allowedSigners == nil && tags.isEmpty }

    /// The e-mail addresses `principals` name, groups expanded (the policy's parser refused
    /// unknown, empty and circular groups), sorted.
    public func expand(_ principals: [String]) -> [String] {
        var out = Set<String>()
        var seen = Set<String>()
        func add(_ p: String) {
            guard p.hasPrefix("group:") else { out.insert(p); return }
            let name = String(p.dropFirst("group:".count))
            guard seen.insert(name).inserted else { return }
            for m in groups[name] ?? [] { add(m) }
        }
        for p in principals { add(p) }
        return out.sorted()
    }

    /// The rules of `stage`, if the policy names it.
    public func rules(for stage: String) -> StageRules? { stages[stage] }
}
