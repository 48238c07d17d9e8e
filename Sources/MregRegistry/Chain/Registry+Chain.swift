import Foundation
import MregStore
import MregSupport
import SystemPackage

extension Registry {
    /// What appending to a chain decided.
    public enum Decision: Sendable {
        /// Append this event.
        case append(Event)
        /// Nothing to do; report this.
        case skip
    }

    /// Appends an event to a model's chain by compare-and-swap on its head, retrying on conflict.
    ///
    /// `build` sees the current state and returns the event to append (or `.skip`).
    /// When another process moves the head first, the state is read again and
    /// `build` runs again, so no event is lost and no version number is reused.
    @discardableResult
    public func appendEvent(model: String, build: (ModelState) throws -> Decision) throws -> (id: ObjectID, event: Event, state: ModelState)? {
        try Names.validateModel(model)
        try refuseStuckDerivedLocks(model: model)
        let deadline = Date().addingTimeInterval(60)
        var attempt = 0
        while true {
            attempt += 1
            let current = try state(of: model)
            guard case .append(var event) = try build(current) else {
                // Nothing to append, but derived refs an interrupted writer left behind are synced now.
                if current.head != nil { try syncDerivedRefs(model: model) }
                return nil
            }
            try Self.validateText(of: event)
            // No event is dated before its parent (FORMAT.md §1.5): an unsigned one whose clock is
            // behind (a concurrent writer, MREG_NOW) takes its parent's time; a signed one, whose
            // signature covers its time, is refused.
            if let last = current.lastChange, let before = Timestamp.parse(last), (Timestamp.parse(event.time) ?? .distantPast) < before {
                guard event.signature == nil else {
                    throw RegistryError.refused(.backDated(model: model, time: event.time, parentTime: last))
                }
                event.time = last
            }
            event.model = model
            event.sequence = current.eventCount + 1
            event.parent = current.head
            let written = try store.write(type: .event, bytes: event.json.canonicalBytes)
            do {
                try refs.update(Self.headRef(model), to: written.id,
                                expecting: current.head.map { .value($0) } ?? .absent)
            } catch let e as StoreError where e.code == .modified || e.code == .locked {
                if e.isStaleLock || Date() > deadline || Self.isStuck(e) { throw e }
                // Back off a little, more with each attempt, with jitter.
                usleep(UInt32(min(50_000, 1_000 * attempt)) + UInt32.random(in: 0...2_000))
                continue
            }
            var after = current
            after.apply(event, id: written.id)
            KillPoint.reach("head-moved")
            // The event is in: a failure to sync is reported, never retried as a new event (the
            // chain stays right, and the next writer of this model, or `fsck --repair`, syncs it).
            try syncAfterHeadMove(model: model)
            return (written.id, event, after)
        }
    }

    /// Refuses, before any event is written, when the model's sync lock or a lock of one of
    /// its derived refs (`versions/`, `stages/`, `tags/`) is held by a stuck process: the
    /// sync after the head moved would fail, and the command would report an error for an
    /// event it had recorded. A dead owner's lock is taken over here; only names are listed
    /// (no ref is read), so the check costs one directory listing per folder.
    func refuseStuckDerivedLocks(model: String) throws {
        let base = "\(repository.root)/refs/models/\(model)"
        var locks = ["\(base)/sync.lock"]
        for folder in ["versions", "stages", "tags"] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: "\(base)/\(folder)")) ?? []
            for name in names where name.hasSuffix(".lock") { locks.append("\(base)/\(folder)/\(name)") }
        }
        for path in locks {
            guard let seen = LockFile.Inspection(FilePath(path)), seen.age() > Self.stuckLockAge || seen.isStale else { continue }
            do {
                let lock = try LockFile(for: String(path.dropLast(".lock".count)))
                lock.release()
            } catch let e as StoreError where e.code == .locked {
                if Self.isStuck(e) { throw e }
            }
        }
    }

    /// Refuses an event whose actor, reason or signer holds control characters (see `Names.validateText`).
    package static func validateText(of event: Event) throws {
        try Names.validateText(event.actor, field: "the actor (user.name, user.email)", multiline: false)
        if let reason = event.reason { try Names.validateText(reason, field: "the message or reason", multiline: true) }
        if let signer = event.signer { try Names.validateText(signer, field: "the signer", multiline: false) }
    }

    /// Everything derived from a model's chain catches up after its head moved
    /// (by this process's append, a pull, or a repair). Failures here lose nothing:
    /// readers use the chain, and the next writer of the model (or `fsck --repair`)
    /// syncs what is missing. Callers that can report a failure use `syncAfterHeadMove`.
    public func headMoved(model: String) {
        try? syncAfterHeadMove(model: model)
    }

    /// Brings the index and the derived refs of a model up to date with its chain.
    ///
    /// - Throws: `StoreError.locked` when another process holds the model's sync lock for
    ///   longer than `syncLockWait` (naming its owner and age), or an I/O error.
    public func syncAfterHeadMove(model: String) throws {
        cache?.headMoved(model: model, in: self)
        try syncDerivedRefs(model: model)
    }

    /// How old a held lock may be before waiting for it is pointless: mreg holds a ref or sync
    /// lock for milliseconds, so one held for longer belongs to a process that is stuck, of
    /// another host, or is not a lock file at all (a folder). Waiting for such a lock would
    /// look like a hang; the caller is told at once who holds it and since when.
    static let stuckLockAge: TimeInterval = 10

    /// Whether `error` is a lock held for longer than ``stuckLockAge``.
    static func isStuck(_ error: StoreError) -> Bool {
        guard case .locked(let path, _, _) = error, let seen = LockFile.Inspection(path) else { return false }
        return seen.age() > stuckLockAge
    }

    /// How long a sync waits for another process's sync of the same model.
    static let syncLockWait: TimeInterval = 30

    /// Makes `versions/`, `stages/` and `tags/` refs of a model match its event chain.
    ///
    /// Serialized per model by a lock file so that the last writer always reflects the
    /// newest head: a sync that finds the lock held waits for it (the holder may have read an
    /// older head). A lock left by a dead process is removed by `LockFile`. A derived ref that
    /// does not hold an id is rewritten or removed like a wrong one.
    public func syncDerivedRefs(model: String) throws {
        let head = try ModelName(model).headRef
        let lockTarget = "\(repository.root)/refs/models/\(model)/sync"
        let deadline = Date().addingTimeInterval(Self.syncLockWait)
        var lock: LockFile?
        var attempt = 0
        while lock == nil {
            do {
                lock = try LockFile(for: lockTarget)
            } catch let e as StoreError where e.code == .locked {
                if e.isStaleLock || Date() > deadline || Self.isStuck(e) { throw e }
                attempt += 1
                usleep(UInt32(min(20_000, 500 * attempt)))
            }
        }
        defer { lock?.release() }
        KillPoint.reach("derived-sync-locked")
        let state = try self.state(of: model)
        // A name the naming rules refuse (a forged event) gets no ref; fsck reports the event.
        let derived = validDerivedRefs(of: state)
        for (name, id) in derived where (try? refs.read(name)) != id {
            try refs.update(name, to: id)
            KillPoint.reach("derived-ref-written")
        }
        let wanted = Set(derived.map(\.0))
        for entry in refs.scan(prefix: "refs/models/\(model)/") {
            switch entry {
            case .ref(let name, _), .corrupt(let name, _):
                if !wanted.contains(name) && name != head { try? refs.delete(name) }
            case .lock, .stray:
                continue
            }
        }
    }

    /// The version, stage and tag refs a state implies.
    ///
    /// - Throws: `RegistryError.invalidName` when the chain names a stage or tag that breaks the
    ///   naming rules (a damaged or forged event), so no ref is built from it.
    package func derivedRefs(of state: ModelState) throws -> [(RefName, ObjectID)] {
        let model = try ModelName(state.model)
        var out = [(RefName, ObjectID)]()
        for (v, info) in state.versions { out.append((try model.versionRef(v), info.manifest)) }
        for (s, v) in state.stages { if let m = state.versions[v]?.manifest { out.append((try model.stageRef(s), m)) } }
        for (t, v) in state.tags { if let m = state.versions[v]?.manifest { out.append((try model.tagRef(TagName(t)), m)) } }
        return out.sorted { $0.0 < $1.0 }
    }

    /// The refs a state implies whose names keep the naming rules (the others are left out).
    func validDerivedRefs(of state: ModelState) -> [(RefName, ObjectID)] {
        guard let model = try? ModelName(state.model) else { return [] }
        var out = [(RefName, ObjectID)]()
        for (v, info) in state.versions { if let ref = try? model.versionRef(v) { out.append((ref, info.manifest)) } }
        for (s, v) in state.stages {
            if let m = state.versions[v]?.manifest, let ref = try? model.stageRef(s) { out.append((ref, m)) }
        }
        for (t, v) in state.tags {
            if let m = state.versions[v]?.manifest, let ref = try? model.tagRef(TagName(t)) { out.append((ref, m)) }
        }
        return out.sorted { $0.0 < $1.0 }
    }
}

#if canImport(Glibc)
import Glibc
#endif
