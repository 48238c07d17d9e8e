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
    /// Incoming events pass `validateIncoming` before they are adopted, and every
    /// local head moves by compare-and-swap (retried if a local command moved it meanwhile).
    public func pull(from remote: any RemoteStorage, remoteName: String?, models: [String]? = nil,
                     observer: (any TransferObserver)? = nil) throws -> TransferReport {
        // The shared store's policy governs: adopt it before judging what arrives.
        try adoptPolicy(from: remote)
        var (report, heads) = try fetch(from: remote, remoteName: remoteName, models: models, observer: observer)
        report.models = try heads.sorted { $0.key < $1.key }.map { try integrate(model: $0.key, remoteHead: $0.value) }
        return report
    }

    /// Moves a local model to (or on top of) `remoteHead`, whose events are all in this store.
    public func integrate(model: String, remoteHead: ObjectID) throws -> ModelUpdate {
        try Names.validateModel(model)
        let deadline = Date().addingTimeInterval(60)
        while true {
            let local = try registry.head(of: model)
            let update: ModelUpdate
            let newHead: ObjectID
            if let local {
                if local == remoteHead {
                    // Derived refs an interrupted pull left behind are synced now.
                    try registry.syncDerivedRefs(model: model)
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
                    let mine = try registry.events(from: local, until: base, model: model).map(\.event)
                    let theirs = try state(of: model, at: remoteHead)
                    let replay = ChainReplay.rebuild(local: mine, onto: theirs, resign: resigner())
                    for (id, event) in replay.events {
                        let written = try store.write(type: .event, bytes: event.json.canonicalBytes)
                        guard written.id == id else {
                            throw RegistryError.corrupt(.init(object: "replayed event \(id.abbreviated())", reason: "it hashed to \(written.id.hex) when stored"))
                        }
                    }
                    newHead = replay.state.head ?? remoteHead
                    update = ModelUpdate(model: model, status: .replayed, old: local, new: newHead,
                                         events: incoming.count + replay.events.count, renumbered: replay.renumbered,
                                         message: Self.replayMessage(replay))
                }
            } else {
                let incoming = try registry.events(from: remoteHead, until: nil, model: model)
                try governance.validateIncoming(model: model, events: incoming)
                newHead = remoteHead
                update = ModelUpdate(model: model, status: .created, old: nil, new: remoteHead, events: incoming.count)
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
            return update
        }
    }

    static func replayMessage(_ replay: ChainReplay.Result) -> String? {
        if replay.events.isEmpty { return nil }
        var text = "\(replay.events.count) local event(s) replayed on the remote's; push them"
        if replay.resigned > 0 { text += " (\(replay.resigned) signed again with your key at their new position)" }
        if replay.unsigned > 0 { text += " (\(replay.unsigned) lost their signature, which covered the old chain position, and were not yours to sign again)" }
        return text
    }

    /// Signs replayed events again when they were signed by this user and a key is set up.
    func resigner() -> ((inout Event, String) -> Bool)? {
        guard let policy = try? governance.policy(), let identity = try? registry.identity(), let setup = try? governance.signingSetup(identity: identity, policy: policy) else { return nil }
        return { event, signer in
            guard signer == setup.principal else { return false }
            return (try? governance.sign(&event, with: setup, policy: policy)) != nil
        }
    }

    /// A model's state as of one of its events.
    func state(of model: String, at head: ObjectID) throws -> ModelState {
        var state = ModelState(model: model)
        for (id, event) in try registry.events(from: head, until: nil, model: model) { state.apply(event, id: id) }
        return state
    }
}
