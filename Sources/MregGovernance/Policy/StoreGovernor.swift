import Foundation
import MregStore
import MregSupport
import MregRegistry
import MregFilter

/// The store's governance as the registry core's `Governor`: the policy in `.mreg/policy.toml`,
/// signatures checked against its allowed-signers file, and the hooks in `.mreg/hooks/`.
public struct StoreGovernor: Governor {
    public init() {}

    public func promotionJudge(in registry: Registry, sign: Bool, force: Bool) throws -> any PromotionJudge {
        let governance = Governance(registry)
        let policy = try governance.policy()
        let signing = sign ? try governance.signingSetup(identity: try registry.identity(), policy: policy) : nil
        return PolicyJudge(governance: governance, policy: policy, signing: signing, force: force)
    }

    public func checkRegistration(manifest: Manifest, stage: String, state: ModelState, reason: String?, in registry: Registry) throws {
        try Governance(registry).checkRegistrationPolicy(manifest: manifest, stage: stage, state: state, reason: reason)
    }

    public func beforeAppend(_ point: HookPoint, event: Event, what: String, warnings: inout [String], in registry: Registry) throws {
        try Governance(registry).runPreHook(Hooks.Name(point), event: event, what: what, warnings: &warnings)
    }

    public func afterAppend(_ point: HookPoint, event: Event, id: ObjectID, warnings: inout [String], in registry: Registry) {
        Governance(registry).runPostHook(Hooks.Name(point), event: event, id: id, warnings: &warnings)
    }

    public func moveJudge(in registry: Registry, sign: Bool) throws -> any PromotionJudge {
        let governance = Governance(registry)
        let policy = try governance.policy()
        let signing = sign ? try governance.signingSetup(identity: try registry.identity(), policy: policy) : nil
        return MoveJudge(governance: governance, policy: policy, signing: signing)
    }

    public func removalJudge(in registry: Registry, sign: Bool) throws -> any PromotionJudge {
        let governance = Governance(registry)
        let policy = try governance.policy()
        let signing = sign ? try governance.signingSetup(identity: try registry.identity(), policy: policy) : nil
        return RemovalJudge(governance: governance, policy: policy, signing: signing)
    }
}

/// One user's demotions and tag moves judged by one reading of the policy (see `Governance.moveProblems`).
struct MoveJudge: PromotionJudge {
    let governance: Governance
    let policy: PromotionPolicy
    let signing: Governance.SigningSetup?

    func judge(_ event: inout Event, state: ModelState, warnings: inout [String]) throws {
        Registry.place(&event, on: state)
        let problems = Governance.moveProblems(event, policy: policy, signer: signing?.principal)
        if !problems.isEmpty {
            throw RegistryError.refused(.movePolicy(action: Governance.moveDescription(event), problem: problems.joined(separator: "; ")))
        }
        if let signing { try governance.sign(&event, with: signing, policy: policy) }
    }
}

/// One user's removals judged by one reading of the policy's `[removal]` rules and, for a version
/// a governed stage holds (`prune`), that stage's rules for moving out of it (`removalProblems`).
struct RemovalJudge: PromotionJudge {
    let governance: Governance
    let policy: PromotionPolicy
    let signing: Governance.SigningSetup?

    func judge(_ event: inout Event, state: ModelState, warnings: inout [String]) throws {
        Registry.place(&event, on: state)
        // [removal], and the rules for moving the version out of each governed stage holding it (prune).
        let problems = Governance.removalProblems(event, state: state, policy: policy, signer: signing?.principal)
        if !problems.isEmpty {
            throw RegistryError.refused(.removalPolicy(model: state.model, version: event.version ?? 0, problem: problems.joined(separator: "; ")))
        }
        if let signing { try governance.sign(&event, with: signing, policy: policy) }
    }
}

/// One user's promotions judged by one reading of the policy.
struct PolicyJudge: PromotionJudge {
    let governance: Governance
    let policy: PromotionPolicy
    let signing: Governance.SigningSetup?
    let force: Bool

    func judge(_ event: inout Event, state: ModelState, warnings: inout [String]) throws {
        try governance.governPromotion(&event, state: state, policy: policy, signing: signing, force: force, warnings: &warnings)
    }
}

extension Hooks.Name {
    init(_ point: HookPoint) {
        switch point {
        case .preRegister: self = .preRegister
        case .postRegister: self = .postRegister
        case .prePromote: self = .prePromote
        case .postPromote: self = .postPromote
        }
    }
}
