import Foundation
import MregStore
import MregSupport

/// The points around a change of a model's chain where a governor is asked.
public enum HookPoint: String, Sendable, CaseIterable {
    case preRegister = "pre-register", postRegister = "post-register"
    case prePromote = "pre-promote", postPromote = "post-promote"
}

/// Judges changes to model chains: the store's policy, signatures and hooks.
///
/// The registry core calls a governor at fixed points of `register` and `promote`; the
/// governance layer implements it. A registry opened without a governor refuses those
/// changes when the store has a policy file or hooks, so governance cannot be skipped by
/// forgetting to install it.
public protocol Governor: Sendable {
    /// Prepares to judge promotions by the current user: reads the policy and, when `sign`,
    /// the signing key. Called once per command, before the compare-and-swap loop.
    func promotionJudge(in registry: Registry, sign: Bool, force: Bool) throws -> any PromotionJudge

    /// Refuses registering `manifest` straight into `stage` when the stage's policy would
    /// refuse promoting it (nothing is registered then).
    func checkRegistration(manifest: Manifest, stage: String, state: ModelState, reason: String?, in registry: Registry) throws

    /// Runs the pre-hook for an event about to be appended; throws when it refuses.
    func beforeAppend(_ point: HookPoint, event: Event, what: String, warnings: inout [String], in registry: Registry) throws

    /// Runs the post-hook for an appended event; failures become warnings.
    func afterAppend(_ point: HookPoint, event: Event, id: ObjectID, warnings: inout [String], in registry: Registry)

    /// Prepares to judge removals (`rm`, `prune`) by the current user: the policy's
    /// `[removal]` rules and, when `sign`, the signing key.
    func removalJudge(in registry: Registry, sign: Bool) throws -> any PromotionJudge

    /// Prepares to judge moves out of a stage (`demote`) and of a tag (`tag`, `tag -d`) by the
    /// current user: the stage's `signers`, `signed` and `require_reason`, a protected tag's
    /// rules and, when `sign`, the signing key.
    func moveJudge(in registry: Registry, sign: Bool) throws -> any PromotionJudge
}

extension Governor {
    /// Without removal rules: removals are allowed, and cannot be signed.
    public func removalJudge(in registry: Registry, sign: Bool) throws -> any PromotionJudge {
        try Ungoverned().promotionJudge(in: registry, sign: sign, force: false)
    }

    /// Without move rules: demotions and tags are allowed, and cannot be signed.
    public func moveJudge(in registry: Registry, sign: Bool) throws -> any PromotionJudge {
        try Ungoverned().promotionJudge(in: registry, sign: sign, force: false)
    }
}

/// Judges one promotion event against the state it is built on (inside the append loop):
/// records the policy's verdict, runs the pre-promote hook, signs.
public protocol PromotionJudge: Sendable {
    func judge(_ event: inout Event, state: ModelState, warnings: inout [String]) throws
}
