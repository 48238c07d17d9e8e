import Foundation
import MregStore
import MregSupport
import MregRegistry
import MregIndex
import MregGovernance

extension Remotes {
    /// Fetches, then brings each local model up to the remote's head:
    ///
    /// - a model this store lacks is created at the remote's head;
    /// - if only the remote has new events, the local head fast-forwards to it;
    /// - if both sides have new events, the local ones are replayed on top of the
    ///   remote's (`ChainReplay`: unpublished versions get the next free numbers).
    ///
    /// Every model is judged before any changes: when a local move conflicts with the remote's
    /// (`resolution` `.stop`), or an incoming event is refused, a head is locked or the remote
    /// fails mid-way, nothing changes — the objects fetched for the pull are taken out again —
    /// and the report lists the conflicts (status `conflict`). Incoming events pass
    /// `validateIncoming` before they are adopted, and every local head moves by
    /// compare-and-swap (retried if a local command moved it meanwhile).
    public func pull(from remote: any RemoteStorage, remoteName: String?, models: [String]? = nil,
                     resolution: ChainReplay.Resolution = .stop,
                     observer: (any TransferObserver)? = nil) throws -> TransferReport {
        // The shared store's policy governs: adopt it before judging what arrives.
        let oldPolicy = try adoptPolicyKeepingOld(from: remote)
        let journal = ReceiveJournal()
        var report: TransferReport
        var heads: [String: ObjectID]
        do {
            (report, heads) = try fetch(from: remote, remoteName: remoteName, models: models, observer: observer,
                                        journal: journal, track: false)
            let planned = try heads.sorted { $0.key < $1.key }.map {
                try integrate(model: $0.key, remoteHead: $0.value, resolution: resolution, apply: false)
            }
            if planned.contains(where: { $0.status == .conflict }) {
                journal.rollBack(store)
                restorePolicy(oldPolicy)
                report.models = planned
                // Nothing received was kept.
                report.objects = 0
                report.bytes = 0
                return report
            }
        } catch {
            journal.rollBack(store)
            restorePolicy(oldPolicy)
            throw error
        }
        for (model, id) in heads.sorted(by: { $0.key < $1.key }) {
            if let w = track(remoteName, model, id) { report.warnings.append(w) }
        }
        if !oldPolicy.isEmpty {
            // A changed allowed-signers file changes who may sign: never adopted silently.
            let files = oldPolicy.keys.sorted().joined(separator: ", ")
            report.warnings.append("adopted the remote's policy: \(files) changed here (who may sign, approve or promote may differ now); review it with 'mreg policy show' and the allowed-signers file")
        }
        report.models = try heads.sorted { $0.key < $1.key }.map {
            try integrate(model: $0.key, remoteHead: $0.value, resolution: resolution)
        }
        return report
    }

    /// Moves a local model to (or on top of) `remoteHead`, whose events are all in this store.
    ///
    /// - Parameters:
    ///   - resolution: what to do with local moves that conflict with the remote's (see `ChainReplay`);
    ///     with `.stop`, a conflict leaves the model as it is (status `conflict`).
    ///   - apply: false to only judge: nothing is written, and a head locked by a live process throws.
    public func integrate(model: String, remoteHead: ObjectID, resolution: ChainReplay.Resolution = .stop,
                          apply: Bool = true) throws -> ModelUpdate {
        try Names.validateModel(model)
        let deadline = Date().addingTimeInterval(60)
        while true {
            let local = try registry.head(of: model)
            var update: ModelUpdate
            let newHead: ObjectID
            if let local {
                if local == remoteHead {
                    // Derived refs an interrupted pull left behind are synced now.
                    if apply { try registry.syncDerivedRefs(model: model) }
                    return ModelUpdate(model: model, status: .upToDate, old: local, new: local)
                }
                if try registry.isAncestor(remoteHead, of: local, model: model) {
                    let ahead = try registry.events(from: local, until: remoteHead, model: model).count
                    return ModelUpdate(model: model, status: .ahead, old: local, new: local, events: ahead,
                                       message: "\(ahead) local event(s) not on the remote yet: push them")
                }
                if try registry.isAncestor(local, of: remoteHead, model: model) {
                    let incoming = try registry.events(from: remoteHead, until: local, model: model)
                    try governance.validateIncoming(model: model, events: incoming)
                    newHead = remoteHead
                    update = ModelUpdate(model: model, status: .fastForward, old: local, new: remoteHead, events: incoming.count)
                } else {
                    let base = try registry.mergeBase(local, remoteHead)
                    let incoming = try registry.events(from: remoteHead, until: base, model: model)
                    try governance.validateIncoming(model: model, events: incoming)
                    let mine = try registry.events(from: local, until: base, model: model)
                    let theirs = try state(of: model, at: remoteHead)
                    let replay = ChainReplay.rebuild(local: mine.map(\.event), onto: theirs, theirs: incoming,
                                                     localIDs: mine.map(\.id), resolution: resolution,
                                                     judge: try judge(), resign: resigner())
                    if replay.stopped {
                        let n = replay.conflicts.count
                        return ModelUpdate(model: model, status: .conflict, old: local, new: local, renumbered: replay.renumbered,
                                           message: "\(n) local move\(n == 1 ? "" : "s") in conflict with the remote's; nothing was changed",
                                           conflicts: replay.conflicts)
                    }
                    if apply {
                        for (id, event) in replay.events {
                            let written = try store.write(type: .event, bytes: event.json.canonicalBytes)
                            guard written.id == id else {
                                throw RegistryError.corrupt(.init(object: "replayed event \(id.abbreviated())", reason: "it hashed to \(written.id.hex) when stored"))
                            }
                        }
                    }
                    newHead = replay.state.head ?? remoteHead
                    update = ModelUpdate(model: model, status: .replayed, old: local, new: newHead,
                                         events: incoming.count + replay.events.count, renumbered: replay.renumbered,
                                         message: Self.replayMessage(replay), conflicts: replay.conflicts)
                }
            } else {
                let incoming = try registry.events(from: remoteHead, until: nil, model: model)
                try governance.validateIncoming(model: model, events: incoming)
                newHead = remoteHead
                update = ModelUpdate(model: model, status: .created, old: nil, new: remoteHead, events: incoming.count)
            }
            guard apply else {
                if let held = refs.liveLock(on: try Registry.headRef(model)) { throw held }
                return update
            }
            do {
                try refs.update(Registry.headRef(model), to: newHead, expecting: local.map { .value($0) } ?? .absent)
            } catch let e as StoreError where e.code == .modified || e.code == .locked {
                // A local command moved the head meanwhile: start over from the new head.
                if e.isStaleLock || Date() > deadline { throw e }
                usleep(UInt32.random(in: 1_000...20_000))
                continue
            }
            KillPoint.reach("head-moved")
            try registry.syncAfterHeadMove(model: model)
            if update.status == .replayed, let local, let note = reverify(model: model, oldHead: local) {
                update.message = [update.message, note].compactMap { $0 }.joined(separator: "; ")
            }
            return update
        }
    }

    /// After a replay, verifies the rebuilt chain and moves the local checkpoint
    /// (`refs/verified/<model>`) to the new head, so `verify` stays green without
    /// `--accept-rewrite`. Only a checkpoint in the local history this pull rebuilt is moved:
    /// one that history did not lead to was rewritten by something else, and `verify` reports it.
    /// Returns a note when the rebuilt chain has problems (the checkpoint then stays).
    func reverify(model: String, oldHead: ObjectID) -> String? {
        guard let ref = try? Governance.checkpointRef(model), let checkpoint = try? refs.read(ref),
              (try? registry.isAncestor(checkpoint, of: oldHead, model: model)) == true else { return nil }
        let report = try? governance.verify(models: [model], acceptRewrite: true)
        if let report, report.models.allSatisfy({ $0.problems.isEmpty }) { return nil }
        return "the rebuilt chain did not verify, so the verified checkpoint stays: run 'mreg verify \(model)'"
    }

    /// Applies the stage policy to a replayed promotion at its new position, as to a new one:
    /// a failed verdict passes only as `promote --force --reason` would (the event was forced,
    /// has a reason, the stage allows forcing and no signature is missing). Records the new verdict.
    func judge() throws -> ((inout Event, ModelState) -> String?)? {
        let policy = try governance.policy()
        guard !policy.stages.isEmpty else { return nil }
        let governance = self.governance
        return { event, state in
            guard let version = event.version, let stage = event.stage, let rules = policy.rules(for: stage) else { return nil }
            let verdict: PolicyVerdict
            do {
                guard let judged = try governance.verdict(policy: policy, state: state, version: version, stage: stage,
                                                          reason: event.reason, signer: event.signer,
                                                          actor: event.actor, time: event.time) else { return nil }
                verdict = judged
            } catch {
                return "it cannot be judged: \(error)"
            }
            let forced = event.force && rules.allowForce && !verdict.failures.contains { PolicyVerdict.unforceable.contains($0.rule) }
                && !(event.reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
            guard verdict.passed || forced else { return verdict.failureSummary }
            event.verdict = verdict.json
            // The approvals it uses, at their replayed ids (approvals of the same manifest).
            event.approvals = rules.approvals > 0 ? verdict.usedApprovals : nil
            return nil
        }
    }

    static func replayMessage(_ replay: ChainReplay.Result) -> String? {
        if replay.events.isEmpty { return replay.conflicts.isEmpty ? nil : "\(replay.conflicts.count) conflicting local move(s) dropped: the remote's stand" }
        var text = "\(replay.events.count) local event(s) replayed on the remote's; push them"
        let dropped = replay.conflicts.filter { $0.outcome == .dropped }.count
        let overridden = replay.conflicts.filter { $0.outcome == .overridden }.count
        if dropped > 0 { text += " (\(dropped) conflicting local move(s) dropped: the remote's stand)" }
        if overridden > 0 { text += " (\(overridden) recorded as overriding the remote's move)" }
        if replay.resigned > 0 { text += " (\(replay.resigned) signed again with your key at their new position)" }
        if replay.unsigned > 0 { text += " (\(replay.unsigned) lost their signature, which covered the old chain position, and were not yours to sign again)" }
        return text
    }

    /// Signs replayed events again when they were signed by this user and a key is set up.
    func resigner() -> ((inout Event, String) -> Bool)? {
        guard let policy = try? governance.policy(), let identity = try? registry.identity(), let setup = try? governance.signingSetup(identity: identity, policy: policy) else { return nil }
        return { event, signer in
            guard signer == setup.principal else { return false }
            // The replayed event keeps the time its first signature vouched for (checked then).
            return (try? governance.sign(&event, with: setup, policy: policy, checkClock: false)) != nil
        }
    }

    /// A model's state as of one of its events.
    func state(of model: String, at head: ObjectID) throws -> ModelState {
        var state = ModelState(model: model)
        for (id, event) in try registry.events(from: head, until: nil, model: model) { state.apply(event, id: id) }
        return state
    }
}
