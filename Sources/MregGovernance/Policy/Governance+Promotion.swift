import Foundation
import MregStore
import MregSupport
import MregRegistry
import MregFilter

/// Policy, signatures and hooks around the commands that change a model's chain.
extension Governance {
    /// Who signs and with which key.
    public struct SigningSetup: Sendable, Equatable {
        /// Path of the private key (or of a public key whose private half is in ssh-agent).
        public var key: String
        /// The identity looked up in the allowed-signers file (the user's email).
        public var principal: String
    }

    /// The store's promotion policy (`.mreg/policy.toml`; empty when absent).
    public func policy() throws -> PromotionPolicy {
        try PromotionPolicy.load(root: repository.root, knownStages: stages)
    }

    /// The store's hooks (`.mreg/hooks/`).
    public var hooks: Hooks { Hooks(root: repository.root) }

    /// The signing key (`$MREG_SIGNING_KEY`, else `user.signingKey`; `~/` expanded) and principal
    /// (the user's email). The variable lets one machine act as several people, as
    /// `$MREG_USER_NAME`/`$MREG_USER_EMAIL` do for the identity.
    ///
    /// - Throws: when no key is configured, or signatures could not be checked (no allowed-signers file).
    public func signingSetup(identity: Identity, policy: PromotionPolicy) throws -> SigningSetup {
        let fromEnvironment = ProcessInfo.processInfo.environment["MREG_SIGNING_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        guard let raw = fromEnvironment ?? repository.setting("user.signingKey"), !raw.isEmpty else {
            throw RegistryError.badInput(.noSigningKey)
        }
        var key = raw
        if key == "~" || key.hasPrefix("~/") {
            let home = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
            key = home + key.dropFirst()
        }
        key = Repository.absolute(key)
        guard policy.allowedSigners != nil else {
            throw RegistryError.badInput(.noAllowedSigners)
        }
        let principal = identity.email.isEmpty ? identity.name : identity.email
        return SigningSetup(key: key, principal: principal)
    }

    /// The verdict of the policy on putting `version` (whose manifest is `candidate`, else loaded)
    /// into `stage`; nil when the policy has no rules for the stage.
    ///
    /// - Parameter registration: the author and time of a version not registered yet (`register --stage`).
    /// - Parameters:
    ///   - actor: the promoter (`Name <email>`) when not signed and not the current user (a replayed promotion).
    ///   - time: when the promotion happens (for `approval_max_age_days`; default now).
    public func verdict(policy: PromotionPolicy, state: ModelState, version: Int64, stage: String, reason: String?,
                        signer: String?, candidate: Manifest? = nil,
                        registration: (author: String, created: String)? = nil,
                        actor: String? = nil, time: String? = nil) throws -> PolicyVerdict? {
        guard let rules = policy.rules(for: stage) else { return nil }
        let manifest: Manifest
        if let candidate {
            manifest = candidate
        } else {
            guard let info = state.versions[version] else {
                throw RegistryError.notFound(.init(.version, "\(version)", model: state.model, latest: state.latestVersion))
            }
            manifest = try Manifest.load(info.manifest, from: store)
        }
        var current: (version: Int64, manifest: Manifest)?
        if let v = state.stages[stage], v != version, let info = state.versions[v] {
            current = (v, try Manifest.load(info.manifest, from: store))
        }
        var verdict = rules.evaluate(candidate: manifest, version: version, stage: stage, state: state, current: current,
                                     reason: reason, signer: signer, policyDigest: policy.digest ?? "none", registration: registration)
        try addAccessRules(&verdict, policy: policy, rules: rules, state: state, version: version, stage: stage, signer: signer,
                           registrant: registration?.author, actor: actor, time: time)
        return verdict
    }

    /// The refusal for a failed verdict (`forceable` when forcing with a reason would override it).
    static func refusal(_ reason: RegistryError.PolicyRefusal.Reason, _ verdict: PolicyVerdict, model: String, version: Int64,
                        stage: String, rules: PromotionPolicy.StageRules) -> RegistryError {
        let forceable = rules.allowForce && !verdict.failures.contains { PolicyVerdict.unforceable.contains($0.rule) }
        return .refused(.policy(.init(reason, model: model, version: version, stage: stage, summary: verdict.failureSummary,
                                      forceable: forceable)))
    }

    /// Applies the policy, the pre-promote hook and the signature to a promotion about to be
    /// appended (called inside `appendEvent`'s build, so it sees the state it builds on).
    func governPromotion(_ event: inout Event, state: ModelState, policy: PromotionPolicy, signing: SigningSetup?,
                         force: Bool, warnings: inout [String]) throws {
        Registry.place(&event, on: state)
        guard let version = event.version, let stage = event.stage else { return }
        event.signer = signing?.principal
        if let rules = policy.rules(for: stage), rules.approvals > 0, rules.approvalMaxAgeDays != nil {
            // The approvals' age is judged at the event's time, which must be the real one.
            try SigningClock.check(event.time, action: "promote \(state.model) v\(version) to \(stage)",
                                  because: "approval_max_age_days in [stages.\(stage)] judges the approvals' age at that time")
        }
        if let rules = policy.rules(for: stage),
           let verdict = try verdict(policy: policy, state: state, version: version, stage: stage, reason: event.reason, signer: signing?.principal) {
            event.verdict = verdict.json
            if rules.approvals > 0 { event.approvals = verdict.usedApprovals }
            if !verdict.passed {
                func refuse(_ reason: RegistryError.PolicyRefusal.Reason) -> RegistryError {
                    Self.refusal(reason, verdict, model: state.model, version: version, stage: stage, rules: rules)
                }
                guard force else { throw refuse(.failed) }
                guard rules.allowForce else { throw refuse(.forceNotAllowed) }
                guard !verdict.failures.contains(where: { $0.rule == "signed" }) else { throw refuse(.mustBeSigned) }
                guard !verdict.failures.contains(where: { PolicyVerdict.unforceable.contains($0.rule) }) else { throw refuse(.forceNotAllowed) }
                guard !(event.reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                    throw refuse(.forceNeedsReason)
                }
                event.force = true
            }
        }
        try runPreHook(.prePromote, event: event, what: "promoting \(state.model) v\(version) to \(stage)", warnings: &warnings)
        if let signing {
            try sign(&event, with: signing, policy: policy)
        }
    }

    /// `register --stage`: checks the stage's policy on the new version before it is registered, so
    /// a version the policy would refuse is not registered at all (no `--force` or `--sign` there).
    func checkRegistrationPolicy(manifest: Manifest, stage: String, state: ModelState, reason: String?) throws {
        let policy = try self.policy()
        let version = (state.latestVersion ?? 0) + 1
        // As the register event will say (Registry+Register): the identity, and the manifest's time.
        let registration = (author: try identity().display, created: try manifest.provenance["time"]?.stringValue ?? Timestamp.now())
        guard let verdict = try verdict(policy: policy, state: state, version: version, stage: stage, reason: reason,
                                        signer: nil, candidate: manifest, registration: registration), !verdict.passed else { return }
        throw RegistryError.refused(.policy(.init(.failed, model: state.model, version: version, stage: stage,
                                                  summary: verdict.failureSummary, registering: true)))
    }

    /// Signs an event and checks the signature against the allowed signers before it is written.
    ///
    /// - Parameter checkClock: false only when signing again an event this signer signed before (a
    ///   replayed event keeps the time its first signature vouched for, checked then).
    /// - Throws: `RegistryError.refused(.clockSkew)` when the event's time is not the real time (`SigningClock`).
    package func sign(_ event: inout Event, with signing: SigningSetup, policy: PromotionPolicy, checkClock: Bool = true) throws {
        if checkClock {
            try SigningClock.check(event.time, action: "sign the \(event.action.rawValue) event of \(event.model.isEmpty ? "the model" : event.model)")
        }
        event.signer = signing.principal
        event.signature = nil
        let bytes = event.signedBytes
        let signature = try SSHSignature.sign(bytes, keyPath: signing.key)
        if let allowed = policy.allowedSigners {
            let check = try SSHSignature.verify(bytes, signature: signature, principal: signing.principal, allowedSigners: allowed, time: event.time)
            guard check.valid else {
                throw RegistryError.refused(.signatureWouldNotVerify(key: signing.key, principal: signing.principal,
                                                                     allowedSigners: allowed, detail: check.message,
                                                                     keyOwners: SSHSignature.principals(ofKey: signing.key, allowedSigners: allowed)))
            }
        }
        event.signature = signature
    }

    /// Runs a pre-hook on an event about to be appended; throws its message when it refuses.
    func runPreHook(_ name: Hooks.Name, event: Event, what: String, warnings: inout [String]) throws {
        guard let outcome = try hooks.run(name, event: event, warnings: &warnings) else { return }
        if !outcome.succeeded {
            throw RegistryError.refused(.hook(name: name.rawValue, action: what, message: outcome.message))
        }
    }

    /// Runs a post-hook on an appended event; a failure becomes a warning.
    func runPostHook(_ name: Hooks.Name, event: Event, id: ObjectID, warnings: inout [String]) {
        do {
            guard let outcome = try hooks.run(name, event: event, id: id, warnings: &warnings) else { return }
            if !outcome.succeeded {
                warnings.append("\(name.rawValue) hook failed (exit status \(outcome.status)): \(outcome.message)")
            }
        } catch {
            warnings.append("\(name.rawValue) hook: \(error)")
        }
    }
}
