import MregStore
import MregSupport
import MregRegistry
import MregFilter

/// A dry run of a promotion against the policy (`mreg policy check`): nothing is written,
/// no hook runs, nothing is signed.
public struct PromotionCheck: Sendable {
    public var model: String
    public var version: Int64
    public var stage: String
    /// Nil when the policy has no rules for the stage.
    public var verdict: PolicyVerdict?
    /// The stage already holds this version (promoting would change nothing).
    public var alreadyInStage: Bool
    /// The policy allows `--force` for this stage (signatures can never be forced).
    public var forceAllowed: Bool

    /// The promotion would be accepted as asked.
    public var allowed: Bool { alreadyInStage || (verdict?.passed ?? true) }

    public var json: JSONValue {
        [
            "model": .string(model), "version": .int(version), "stage": .string(stage), "allowed": .bool(allowed),
            "already_in_stage": .bool(alreadyInStage), "force_allowed": .bool(forceAllowed),
            "verdict": verdict?.json ?? .null,
        ]
    }
}

extension Governance {
    /// Judges putting `revision` into `stage` as `promote` would, without changing anything.
    ///
    /// - Parameter signed: judge it as if promoted with `--sign` (checks that a key is configured).
    public func checkPromotion(_ revision: String, stage: String, reason: String?, signed: Bool) throws -> PromotionCheck {
        try registry.validateStage(stage)
        let policy = try self.policy()
        let v = try registry.resolveForPromotion(revision)
        let signer = signed ? try signingSetup(identity: try identity(), policy: policy).principal : nil
        let verdict = try self.verdict(policy: policy, state: v.state, version: v.version, stage: stage, reason: reason, signer: signer)
        let rules = policy.rules(for: stage)
        let forceable = rules?.allowForce == true && !(verdict?.failures.contains { PolicyVerdict.unforceable.contains($0.rule) } ?? false)
        return PromotionCheck(model: v.model, version: v.version, stage: stage, verdict: verdict,
                              alreadyInStage: v.state.stages[stage] == v.version, forceAllowed: forceable)
    }
}
