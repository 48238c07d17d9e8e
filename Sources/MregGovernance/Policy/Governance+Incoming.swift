import MregStore
import MregSupport
import MregRegistry
import MregFilter

extension Governance {
    /// Checks events that arrive from elsewhere (pull, fetch) before they become part of
    /// this store's history: the governance rules apply to them as to local commands, through
    /// the one checker `eventRuleProblems`. Throws `RegistryError.refused(.incomingEvent)`.
    ///
    /// - Parameter events: the new events of `model`, oldest first; the first one's parent (if
    ///   any) is in this store, and the state it left is what the first event is judged against.
    ///
    /// Refused: an event of another model; a recorded policy verdict that failed without being
    /// forced; anything `eventRuleProblems` has against it (a back-dated event, an approval or
    /// withdrawal the rules refuse, a promotion without its signature, signer or approvals, a
    /// demotion, tag move or removal the policy refuses); any signature that does not verify
    /// against the local allowed-signers file at the event's time.
    public func validateIncoming(model: String, events: [(id: ObjectID, event: Event)]) throws {
        guard let first = events.first else { return }
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
        var state = try self.state(of: model, before: first.event)
        let cache = SignatureCache()
        for (id, event) in events {
            try validateIncoming(event, id: id, model: model, policy: policy, state: state, cache: cache)
            state.apply(event, id: id)
        }
    }

    /// Checks one incoming event appended to `state` (the state its parent left).
    func validateIncoming(_ e: Event, id: ObjectID, model: String, policy: PromotionPolicy, state: ModelState,
                          cache: SignatureCache) throws {
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
        let problems = eventRuleProblems(e, id: id, state: state, policy: policy, cache: cache)
        if !problems.isEmpty { throw refuse("it " + problems.joined(separator: "; it ")) }
        guard e.signature != nil || e.signer != nil else { return }
        guard let signer = e.signer, let signature = e.signature else {
            throw refuse("it has a signer without a signature or a signature without a signer")
        }
        // Without an allowed-signers file (so no protected stage) a signature cannot be checked here; 'mreg verify' reports it.
        guard let allowed = policy.allowedSigners else { return }
        let bytes = (try? store.read(id, as: .event)).flatMap { try? Event.signedBytes(payload: $0) } ?? e.signedBytes
        let check = try SSHSignature.verify(bytes, signature: signature, principal: signer, allowedSigners: allowed, time: e.time)
        cache.record(id, check)
        guard check.valid else {
            throw refuse("its signature by \(signer) does not verify against \(allowed) (\(Self.signatureFailure(check)))")
        }
    }
}
