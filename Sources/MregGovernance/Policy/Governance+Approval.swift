import Foundation
import MregStore
import MregSupport
import MregRegistry
import MregFilter

extension PolicyVerdict {
    /// Rules `--force` can never override: identity and approvals are what a regulated stage is for.
    public static let unforceable: Set<String> = ["signed", "signers", "approvals"]
}

/// Approvals (`mreg approve`) and the `signers` and `approvals` rules of a stage.
extension Governance {
    /// Appends the `signers` and `approvals` rules (in that order) to a stage's verdict.
    ///
    /// - Parameters:
    ///   - registrant: the author of a version not registered yet (else the register event's actor).
    ///   - actor: the promoter when not signed (default: the current user).
    ///   - time: the promotion's time, for `approval_max_age_days` (default: now).
    func addAccessRules(_ verdict: inout PolicyVerdict, policy: PromotionPolicy, rules: PromotionPolicy.StageRules,
                        state: ModelState, version: Int64, stage: String, signer: String?, registrant: String?,
                        actor: String?, time: String?) throws {
        if let signers = rules.signers {
            verdict.rules.append(Self.signersRule(signers, policy: policy, signer: signer, what: "moves into and out of \(stage)"))
        }
        guard rules.approvals > 0 else { return }
        let manifest = state.versions[version]?.manifest
        let registrant = Approval.principal(ofActor: registrant ?? state.versions[version]?.registeredBy ?? "")
        let promoter = signer ?? Approval.principal(ofActor: actor ?? ((try? identity())?.display ?? ""))
        let approvers = rules.approvers.map(policy.expand)
        let nowText = try time ?? Timestamp.now()
        let now = Timestamp.parse(nowText) ?? Date()
        var counted = [String: Approval]()
        var ignored = [String]()
        let cache = SignatureCache()
        for a in state.approvals(of: version, stage: stage) {
            if let who = a.signer, counted[who] != nil, a.manifest == manifest {
                ignored.append("\(who) (#\(a.sequence)) approved twice (counted once)"); continue
            }
            if let why = approvalIgnoredReason(a, manifest: manifest, stage: stage, version: version, rules: rules, policy: policy,
                                               registrants: [registrant.lowercased()], promoter: promoter, at: now,
                                               registered: state.versions[version]?.registeredAt, cache: cache) {
                ignored.append(why); continue
            }
            if let who = a.signer { counted[who] = a }
        }
        // A withdrawn approval is named, so a refusal says why it no longer counts.
        for (a, by) in state.revokedApprovals.values.sorted(by: { $0.by < $1.by })
        where a.version == version && a.stage == stage && counted[a.signer ?? ""] == nil {
            ignored.append("\(a.signer ?? "?") (#\(a.sequence)) revoked by #\(by)")
        }
        let used = counted.values.sorted { $0.sequence < $1.sequence }
        // Under separation of duties the promoter is who signs: an unsigned actor could name anyone.
        // So is the time under approval_max_age_days: an unsigned promotion's time is only a claim,
        // which a crafted event could set just after a stale approval.
        let unsignedPromoter = (rules.separationOfDuties || rules.approvalMaxAgeDays != nil) && signer == nil
        let passed = used.count >= rules.approvals && !unsignedPromoter
        var detail: String
        if unsignedPromoter {
            detail = rules.separationOfDuties
                ? "\(stage) asks for separation of duties, so the promoter must be established by a signature: add --sign"
                : "\(stage) limits the approvals' age (approval_max_age_days), so the promotion's time must be established by a signature: add --sign"
        } else if used.isEmpty {
            detail = "v\(version) has no approval for \(stage) that counts (needs \(rules.approvals): 'mreg approve \(state.model)@\(version) \(stage) --sign' by an approver)"
        } else {
            detail = "\(used.count) of \(rules.approvals) approval(s): " + used.map { "\($0.signer ?? "?") (#\($0.sequence))" }.joined(separator: ", ")
        }
        if !ignored.isEmpty { detail += "; not counted: " + ignored.joined(separator: ", ") }
        verdict.rules.append(.init(rule: "approvals", passed: passed, detail: detail))
        verdict.usedApprovals = used.map(\.id)
    }

    /// The `signers` rule: signed by one of the principals `signers` names.
    static func signersRule(_ signers: [String], policy: PromotionPolicy, signer: String?, what: String) -> PolicyVerdict.RuleResult {
        let allowed = policy.expand(signers)
        let named = signers.joined(separator: ", ")
        guard let signer else {
            return .init(rule: "signers", passed: false, detail: "\(what) must be signed (--sign) by one of \(named)")
        }
        if allowed.contains(signer) {
            return .init(rule: "signers", passed: true, detail: "signed by \(signer), one of \(named)")
        }
        return .init(rule: "signers", passed: false, detail: "\(signer) is not one of \(named), who may make \(what)")
    }

    /// Why an approval's signature does not count (nil: it verifies against the allowed signers).
    func approvalSignatureProblem(_ a: Approval, policy: PromotionPolicy, cache: SignatureCache = SignatureCache()) -> String? {
        guard let signer = a.signer else { return "it is unsigned" }
        guard let allowed = policy.allowedSigners else { return "no allowed-signers file to check it against" }
        guard let payload = try? store.read(a.id, as: .event), let bytes = try? Event.signedBytes(payload: payload),
              let event = try? Event.decode(payload, id: a.id), let signature = event.signature else {
            return "its event cannot be read"
        }
        let checked = cache.check(a.id) {
            try? SSHSignature.verify(bytes, signature: signature, principal: signer, allowedSigners: allowed, time: event.time)
        }
        guard let check = checked else {
            return "its signature cannot be checked"
        }
        return check.valid ? nil : "its signature does not verify (\(Self.signatureFailure(check)))"
    }

    /// Records a signed approval of `revision`'s manifest for `stage` (`mreg approve`).
    ///
    /// - Throws: `notFound` for an unknown or removed version; `refused(.approval)` when the stage
    ///   asks no approvals, without `sign`, for a principal who may not approve, or approving twice.
    @discardableResult
    public func approve(_ revision: String, stage: String, reason: String?, sign: Bool) throws -> Registry.Change {
        let (v, policy, rules, signing) = try approvalSetup(revision, stage: stage, reason: reason, sign: sign)
        if let approvers = rules.approvers, !policy.expand(approvers).contains(signing.principal) {
            throw RegistryError.refused(.approval(model: v.model, version: v.version, stage: stage,
                                                  problem: "\(signing.principal) is not an approver for \(stage) (approvers: \(approvers.joined(separator: ", ")))"))
        }
        let actor = try identity().display
        let appended = try registry.appendEvent(model: v.model) { state in
            guard let info = state.versions[v.version] else {
                throw RegistryError.notFound(.init(.version, "\(v.version)", model: v.model, latest: state.latestVersion))
            }
            if rules.separationOfDuties, Approval.principal(ofActor: info.registeredBy).lowercased() == signing.principal.lowercased() {
                throw RegistryError.refused(.approval(model: v.model, version: v.version, stage: stage,
                                                      problem: "\(signing.principal) registered it, and \(stage) asks for separation of duties: another approver must approve"))
            }
            if let mine = state.approvals(of: v.version, stage: stage).first(where: { $0.signer == signing.principal && $0.manifest == info.manifest }) {
                throw RegistryError.refused(.approval(model: v.model, version: v.version, stage: stage,
                                                      problem: "\(signing.principal) approved it already (#\(mine.sequence) \(mine.id.abbreviated()))"))
            }
            var event = Event(model: v.model, sequence: 0, parent: nil, action: .approve, version: v.version, manifest: info.manifest,
                              stage: stage, actor: actor, time: try Timestamp.now(), reason: reason)
            Registry.place(&event, on: state)
            try self.sign(&event, with: signing, policy: policy)
            return .append(event)
        }
        return Registry.Change(event: appended?.event, eventID: appended?.id, changed: appended != nil, previous: nil)
    }

    /// Withdraws the current user's approval of `revision` for `stage` (`mreg approve --revoke`):
    /// a signed `unapprove` event naming the approval.
    @discardableResult
    public func revokeApproval(_ revision: String, stage: String, reason: String?, sign: Bool) throws -> Registry.Change {
        let (v, policy, _, signing) = try approvalSetup(revision, stage: stage, reason: reason, sign: sign, revoking: true)
        func refuse(_ problem: String) -> RegistryError {
            .refused(.revocation(model: v.model, version: v.version, stage: stage, problem: problem))
        }
        let actor = try identity().display
        let appended = try registry.appendEvent(model: v.model) { state in
            guard let info = state.versions[v.version] else {
                throw RegistryError.notFound(.init(.version, "\(v.version)", model: v.model, latest: state.latestVersion))
            }
            guard let mine = state.approvals(of: v.version, stage: stage).last(where: { $0.signer == signing.principal }) else {
                throw refuse("\(signing.principal) has no approval of it in force to revoke (only one's own approval can be revoked, once)")
            }
            var event = Event(model: v.model, sequence: 0, parent: nil, action: .unapprove, version: v.version, manifest: info.manifest,
                              stage: stage, actor: actor, time: try Timestamp.now(), reason: reason)
            event.approval = mine.id
            Registry.place(&event, on: state)
            try self.sign(&event, with: signing, policy: policy)
            return .append(event)
        }
        return Registry.Change(event: appended?.event, eventID: appended?.id, changed: appended != nil, previous: nil)
    }

    /// What approving and revoking check before anything runs.
    func approvalSetup(_ revision: String, stage: String, reason: String?, sign: Bool, revoking: Bool = false) throws
        -> (ResolvedVersion, PromotionPolicy, PromotionPolicy.StageRules, SigningSetup) {
        try registry.validateStage(stage)
        if let reason { try Names.validateText(reason, field: "the reason", multiline: true) }
        let policy = try self.policy()
        let v = try registry.resolveForPromotion(revision, action: revoking ? "revoke" : "approve")
        func refuse(_ problem: String) -> RegistryError {
            revoking ? .refused(.revocation(model: v.model, version: v.version, stage: stage, problem: problem))
                : .refused(.approval(model: v.model, version: v.version, stage: stage, problem: problem))
        }
        guard let rules = policy.rules(for: stage), rules.approvals > 0 else {
            throw refuse("the policy asks no approvals for \(stage) (set approvals = N in [stages.\(stage)] of .mreg/policy.toml)")
        }
        guard sign else {
            throw refuse("approvals must be signed: add --sign (with user.signingKey set)")
        }
        let identity = try identity()
        try Names.validateText(identity.display, field: "the actor (user.name, user.email)", multiline: false)
        return (v, policy, rules, try signingSetup(identity: identity, policy: policy))
    }
}

/// Moves out of a governed stage (`demote`) and of a protected tag (`tag`, `untag`).
extension Governance {
    /// What the policy has against `event` (a demote, tag or untag) signed by `signer`; empty when allowed.
    public static func moveProblems(_ event: Event, policy: PromotionPolicy, signer: String?) -> [String] {
        moveVerdict(event, policy: policy, signer: signer)?.failures.map(\.detail) ?? []
    }

    /// The policy's verdict on `event` (a demote, tag or untag) signed by `signer`: one result per
    /// rule the stage's table (`require_reason`, `signed`, `signers`) or the tag's (`require_reason`,
    /// `signers`) sets; nil when the policy does not govern the move (another action, no table).
    public static func moveVerdict(_ event: Event, policy: PromotionPolicy, signer: String?) -> PolicyVerdict? {
        let reasonGiven = !(event.reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        var results = [PolicyVerdict.RuleResult]()
        switch event.action {
        case .demote:
            guard let stage = event.stage, let rules = policy.rules(for: stage) else { return nil }
            if rules.requireReason {
                results.append(.init(rule: "require_reason", passed: reasonGiven, detail: reasonGiven ? "a reason is given" : "moves out of \(stage) need --reason"))
            }
            if rules.signed {
                results.append(.init(rule: "signed", passed: signer != nil,
                                     detail: signer.map { "signed by \($0)" } ?? "moves out of \(stage) must be signed (--sign with user.signingKey set)"))
            }
            if let signers = rules.signers {
                results.append(signersRule(signers, policy: policy, signer: signer, what: "moves into and out of \(stage)"))
            }
        case .tag, .untag:
            guard let tag = event.tag, let rules = policy.tags[tag] else { return nil }
            let verb = event.action == .untag ? "deleting" : event.previous == nil ? "creating" : "moving"
            if rules.requireReason {
                results.append(.init(rule: "require_reason", passed: reasonGiven,
                                     detail: reasonGiven ? "a reason is given" : "tag '\(tag)' is protected: \(verb) it needs a reason (--reason or -m)"))
            }
            if let signers = rules.signers {
                results.append(signersRule(signers, policy: policy, signer: signer, what: "changes to tag '\(tag)'"))
            }
        default:
            return nil
        }
        return PolicyVerdict(policy: policy.digest ?? "none", rules: results)
    }

    /// `demoting fraud v3 from production`, `moving tag 'released' of fraud to v3`.
    static func moveDescription(_ e: Event) -> String {
        let v = e.version.map { "v\($0)" } ?? "?"
        switch e.action {
        case .demote: return "demoting \(e.model) \(v) from \(e.stage ?? "")"
        case .untag: return "deleting tag '\(e.tag ?? "")' of \(e.model)"
        default: return "\(e.previous == nil ? "creating" : "moving") tag '\(e.tag ?? "")' of \(e.model) \(e.previous == nil ? "on" : "to") \(v)"
        }
    }
}
