import MregStore
import MregSupport
import MregRegistry
import MregFilter

extension Governance {
    /// Checks events that arrive from elsewhere (pull, fetch) before they become part of
    /// this store's history: the governance rules (e.g. signed promotions into protected
    /// stages) apply to them as to local commands. Throws `RegistryError.refused(.incomingEvent)`.
    ///
    /// - Parameter events: the new events of `model`, oldest first.
    ///
    /// Refused: an event of another model; a recorded policy verdict that failed without being
    /// forced; a promotion into a stage the local policy marks `signed` without a signature that
    /// verifies; any signature that does not verify against the local allowed-signers file; an
    /// approval by someone who may not approve; a promotion without the approvals its stage needs
    /// (`accessProblem`); a demotion or tag move the policy refuses (`moveProblems`).
    public func validateIncoming(model: String, events: [(id: ObjectID, event: Event)]) throws {
        let needsPolicy = events.contains { [.promote, .remove, .demote, .tag, .untag, .approve, .unapprove].contains($0.event.action)
            || $0.event.signature != nil || $0.event.signer != nil }
        var policy = PromotionPolicy()
        if needsPolicy {
            do {
                policy = try self.policy()
            } catch let e as RegistryError {
                throw RegistryError.refused(.incomingEvent(model: model, sequence: nil, id: nil, problem: "they cannot be checked against the policy: \(e)"))
            }
        }
        for (id, event) in events {
            try validateIncoming(event, id: id, model: model, policy: policy)
        }
    }

    func validateIncoming(_ e: Event, id: ObjectID, model: String, policy: PromotionPolicy) throws {
        func refuse(_ problem: String) -> RegistryError {
            .refused(.incomingEvent(model: model, sequence: e.sequence, id: id.abbreviated(), problem: problem))
        }
        guard e.model == model else { throw refuse("it belongs to model '\(e.model)'") }
        if let recorded = e.verdict {
            let verdict: PolicyVerdict
            do { verdict = try PolicyVerdict(json: recorded) } catch let err as RegistryError {
                throw refuse("\(err)")
            }
            if !verdict.passed && !e.force {
                throw refuse("it records a failed policy verdict (\(verdict.failureSummary)) without being forced")
            }
        }
        let stage = e.stage ?? ""
        if let problem = accessProblem(e, policy: policy) { throw refuse(problem) }
        let protected = e.action == .promote && policy.rules(for: stage)?.signed == true
        guard e.signature != nil || e.signer != nil else {
            if e.action == .remove, policy.removal?.signed == true {
                throw refuse("it removes v\(e.version ?? 0) without a signature, and the policy requires removals to be signed")
            }
            if protected {
                throw refuse("it promotes v\(e.version ?? 0) to \(stage) without a signature, and the policy requires promotions to \(stage) to be signed")
            }
            return
        }
        guard let signer = e.signer, let signature = e.signature else {
            throw refuse("it has a signer without a signature or a signature without a signer")
        }
        // Without an allowed-signers file (so no protected stage) a signature cannot be checked here; 'mreg verify' reports it.
        guard let allowed = policy.allowedSigners else { return }
        let bytes = (try? store.read(id, as: .event)).flatMap { try? Event.signedBytes(payload: $0) } ?? e.signedBytes
        let check = try SSHSignature.verify(bytes, signature: signature, principal: signer, allowedSigners: allowed, time: e.time)
        guard check.valid else {
            throw refuse("its signature by \(signer) does not verify against \(allowed) (\(Self.signatureFailure(check)))")
        }
    }

    /// What the policy's access rules (`signers`, `approvals`, `approvers`, protected tags) have
    /// against an event recorded elsewhere, or nil.
    func accessProblem(_ e: Event, policy: PromotionPolicy) -> String? {
        let stage = e.stage ?? ""
        switch e.action {
        case .approve, .unapprove:
            guard e.signer != nil, e.signature != nil else { return "it records an approval without a signature" }
            if e.action == .approve, let approvers = policy.rules(for: stage)?.approvers, let signer = e.signer,
               !policy.expand(approvers).contains(signer) {
                return "\(signer) approves v\(e.version ?? 0) for \(stage) but is not an approver there (approvers: \(approvers.joined(separator: ", ")))"
            }
            return nil
        case .demote, .tag, .untag:
            let problems = Self.moveProblems(e, policy: policy, signer: e.signer)
            return problems.isEmpty ? nil : "the policy refuses it: " + problems.joined(separator: "; ")
        case .promote:
            guard let rules = policy.rules(for: stage) else { return nil }
            if let signers = rules.signers {
                let r = Self.signersRule(signers, policy: policy, signer: e.signer, what: "moves into and out of \(stage)")
                if !r.passed { return "the policy refuses it: \(r.detail)" }
            }
            guard rules.approvals > 0 else { return nil }
            let valid = recordedApprovals(e, policy: policy, rules: rules)
            if valid.count < rules.approvals {
                return "it promotes v\(e.version ?? 0) into \(stage) with \(valid.count) valid approval(s) of its manifest recorded, and the policy needs \(rules.approvals)"
            }
            return nil
        default:
            return nil
        }
    }

    /// The distinct principals whose approvals a promotion records (`approvals`) and that count
    /// under `rules`: approve events of the same model, manifest and stage, by an approver, not by
    /// the registrant or promoter under separation of duties, with a signature that verifies.
    func recordedApprovals(_ e: Event, policy: PromotionPolicy, rules: PromotionPolicy.StageRules) -> Set<String> {
        let approvers = rules.approvers.map(policy.expand)
        let promoter = e.signer ?? Approval.principal(ofActor: e.actor)
        var registrant: String?
        var valid = Set<String>()
        for id in e.approvals ?? [] {
            guard let a = try? Event.load(id, from: store), a.action == .approve, a.model == e.model, a.stage == e.stage,
                  a.manifest == e.manifest, let signer = a.signer, a.sequence < e.sequence else { continue }
            if let approvers, !approvers.contains(signer) { continue }
            if rules.separationOfDuties {
                if signer == promoter { continue }
                if registrant == nil, let m = e.manifest {
                    registrant = (try? registry.events(of: e.model))?.first { $0.event.action == .register && $0.event.manifest == m }
                        .map { Approval.principal(ofActor: $0.event.actor) } ?? ""
                }
                if signer == registrant { continue }
            }
            let approval = Approval(id: id, sequence: a.sequence, version: a.version ?? 0, manifest: a.manifest ?? id, stage: a.stage ?? "",
                                    signer: signer, actor: a.actor, time: a.time, reason: a.reason)
            if approvalSignatureProblem(approval, policy: policy) == nil { valid.insert(signer) }
        }
        return valid
    }
}
