import Foundation
import MregStore
import MregSupport

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
        let deadline = Date().addingTimeInterval(60)
        var attempt = 0
        while true {
            attempt += 1
            let current = try state(of: model)
            guard case .append(var event) = try build(current) else { return nil }
            try Self.validateText(of: event)
            event.model = model
            event.sequence = current.eventCount + 1
            event.parent = current.head
            let written = try store.write(type: .event, bytes: event.json.canonicalBytes)
            do {
                try refs.update(Self.headRef(model), to: written.id,
                                expecting: current.head.map { .value($0) } ?? .absent)
                var after = current
                after.apply(event, id: written.id)
                headMoved(model: model)
                return (written.id, event, after)
            } catch let e as StoreError where e.code == .modified || e.code == .locked {
                if e.isStaleLock || Date() > deadline { throw e }
                // Back off a little, more with each attempt, with jitter.
                usleep(UInt32(min(50_000, 1_000 * attempt)) + UInt32.random(in: 0...2_000))
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
    /// readers use the chain, and `fsck --repair` rebuilds derived data.
    public func headMoved(model: String) {
        cache?.headMoved(model: model, in: self)
        try? syncDerivedRefs(model: model)
    }

    /// Makes `versions/`, `stages/` and `tags/` refs of a model match its event chain.
    ///
    /// Serialized per model by a lock file so that the last writer always
    /// reflects the newest head.
    public func syncDerivedRefs(model: String) throws {
        let head = try ModelName(model).headRef
        let lockTarget = "\(repository.root)/refs/models/\(model)/sync"
        var lock: LockFile?
        var held: StoreError?
        for attempt in 0..<2000 {
            do {
                lock = try LockFile(for: lockTarget)
                break
            } catch let e as StoreError where e.code == .locked {
                if e.isStaleLock { throw e }
                held = e
                usleep(UInt32(min(20_000, 500 * (attempt + 1))))
            }
        }
        guard let lock else { throw held ?? LockFile.heldError(at: lockTarget + ".lock") }
        defer { lock.release() }
        let state = try self.state(of: model)
        let derived = try derivedRefs(of: state)
        for (name, id) in derived {
            // A damaged ref (garbage, empty) is rewritten like a wrong one.
            if (try? refs.read(name)) != id { try refs.update(name, to: id) }
        }
        let wanted = Set(derived.map(\.0))
        for name in refs.names(prefix: "refs/models/\(model)/") where !wanted.contains(name) && name != head {
            try? refs.delete(name)
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
}

#if canImport(Glibc)
import Glibc
#endif
