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
    /// verifies; any signature that does not verify against the local allowed-signers file.
    public func validateIncoming(model: String, events: [(id: ObjectID, event: Event)]) throws {
        let needsPolicy = events.contains { [.promote, .remove].contains($0.event.action) || $0.event.signature != nil || $0.event.signer != nil }
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
}
