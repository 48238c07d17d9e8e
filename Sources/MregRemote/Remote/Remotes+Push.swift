import Foundation
import MregStore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif
import MregSupport
import MregRegistry
import MregIndex
import MregGovernance

extension Remotes {
    /// Sends local events (and every object they need that the remote lacks), then moves
    /// the remote's model heads by compare-and-swap: objects first, heads last, so a push
    /// interrupted at any point leaves the remote consistent and the next push completes it.
    ///
    /// A model whose remote head is not an ancestor of the local head is rejected
    /// (the remote has events this store lacks: pull first); the others still go.
    ///
    /// - Parameters:
    ///   - remoteName: the configured name, for `refs/remotes/<name>/…` (nil for a URL).
    ///   - models: the models to push (default: all).
    public func push(to remote: any RemoteStorage, remoteName: String?, models requested: [String]? = nil,
                     observer: (any TransferObserver)? = nil) throws -> TransferReport {
        var report = TransferReport(remoteName: remoteName, location: remote.location)
        let names: [String]
        if let requested {
            for model in requested { _ = try registry.existingState(of: model) }
            var seen = Set<String>()
            names = requested.filter { seen.insert($0).inserted }
        } else {
            names = try registry.models()
        }
        struct Move { var model: String; var local: ObjectID; var remote: RemoteHead?; var events: Int }
        var moves = [Move]()
        var locals = [String: ObjectID]()
        for model in names { locals[model] = try registry.head(of: model) }
        let currents = try remote.readHeads(models: names.filter { locals[$0] != nil }, expected: expectedHeads(names, remoteName: remoteName))
        for model in names {
            guard let local = locals[model] else { continue }
            let current = currents[model]
            if let current, current.id == local {
                report.models.append(ModelUpdate(model: model, status: .upToDate, old: local, new: local))
                if let w = track(remoteName, model, local) { report.warnings.append(w) }
                continue
            }
            let localSeq = try Event.load(local, from: store).sequence
            if let current {
                if try registry.isAncestor(current.id, of: local, model: model) {
                    let remoteSeq = try Event.load(current.id, from: store).sequence
                    moves.append(Move(model: model, local: local, remote: current, events: Int(localSeq - remoteSeq)))
                } else if store.contains(current.id), try registry.isAncestor(local, of: current.id, model: model) {
                    report.models.append(ModelUpdate(model: model, status: .behind, old: current.id, new: local))
                } else {
                    report.models.append(ModelUpdate(model: model, status: .rejected, old: current.id, new: local,
                                                     rejection: .notFastForward))
                }
            } else {
                moves.append(Move(model: model, local: local, remote: nil, events: Int(localSeq)))
            }
        }
        if moves.isEmpty { return report }

        // Objects first. Pushes only add to a pack list: the one this store last saw will do
        // (its token makes the list update fail, and the list be read, when it is stale).
        remote.packs?.useCachedList()
        let plan = try missingObjects(from: moves.map(\.local), known: Set(moves.compactMap { $0.remote?.id }), remote: remote)
        report.objects = plan.count
        report.bytes = plan.payloadBytes
        try send(plan, to: remote, observer: observer)

        // A shared store's policy governs what enters it: judged before anything visible changes.
        let policyGuard = try RemotePolicyGuard(remote: remote, local: governance)
        defer { policyGuard.close() }
        var allowed = [Move]()
        for move in moves {
            do {
                try policyGuard.check(model: move.model, since: move.remote?.id)
                allowed.append(move)
            } catch RegistryError.refused(let refusal) {
                report.models.append(ModelUpdate(model: move.model, status: .rejected, old: move.remote?.id, new: move.local,
                                                 rejection: .policy(refusal)))
            }
        }
        if allowed.isEmpty {
            report.models.sort { $0.model < $1.model }
            return report
        }
        // Heads last.
        try remote.packs?.confirmList()
        try remote.prepareForHeads()
        var moved = [String]()
        for move in allowed {
            do {
                try remote.moveHead(model: move.model, to: move.local, from: move.remote)
                moved.append(move.model)
                if let w = track(remoteName, move.model, move.local) { report.warnings.append(w) }
                report.models.append(ModelUpdate(model: move.model, status: .pushed, old: move.remote?.id, new: move.local, events: move.events))
            } catch RegistryError.conflict(.headMoved) {
                report.models.append(ModelUpdate(model: move.model, status: .rejected, old: move.remote?.id, new: move.local,
                                                 rejection: .headMoved))
            }
        }
        // The policy may have changed while heads moved (S3): those it now refuses are rejected.
        let refused = try policyGuard.confirm(moved: allowed.filter { moved.contains($0.model) }.map { ($0.model, $0.remote, $0.local) })
        for (i, update) in report.models.enumerated() {
            guard let refusal = refused[update.model] else { continue }
            report.models[i] = ModelUpdate(model: update.model, status: .rejected, old: update.old, new: update.new, rejection: .policy(refusal))
            if let old = update.old, let w = track(remoteName, update.model, old) { report.warnings.append(w) }
        }
        remote.headsMoved(models: moved)
        report.models.sort { $0.model < $1.model }
        return report
    }

    /// What each model's head on the remote is likely to be: this store's head and the
    /// remote-tracking head (lets an S3 remote skip reading heads that match one).
    func expectedHeads(_ models: [String], remoteName: String?) -> [String: Set<ObjectID>] {
        var out = [String: Set<ObjectID>]()
        for model in models {
            var ids = Set<ObjectID>()
            if let local = try? registry.head(of: model) { ids.insert(local) }
            if let remoteName, let tracked = try? trackedHead(remote: remoteName, model: model) { ids.insert(tracked) }
            out[model] = ids
        }
        return out
    }

    /// Sends a plan level by level, `remote.parallelism` objects at a time.
    func send(_ plan: TransferPlan, to remote: any RemoteStorage, observer: (any TransferObserver)?) throws {
        if let packs = remote.packs, packs.pushesPacks { return try sendInPacks(plan, packs: packs, to: remote, observer: observer) }
        observer?.expect(bytes: plan.bytes)
        defer { observer?.finish() }
        // Test hook: die (as by `kill -9`) after sending N objects, to check that an interrupted push is harmless.
        let killAfter = ProcessInfo.processInfo.environment["MREG_TEST_KILL_AFTER_OBJECTS"].flatMap { Int64($0) }
        let sent = Atomic<Int64>(0)
        let store = self.store
        for level in plan.levels where !level.isEmpty {
            try Parallel.forEach(level, width: remote.parallelism) { id in
                try remote.send(id, from: store) { observer?.advance(bytes: $0) }
                let n = sent.wrappingAdd(1, ordering: .relaxed).newValue
                if let killAfter, n >= killAfter { kill(getpid(), SIGKILL) }
            }
        }
    }
}
