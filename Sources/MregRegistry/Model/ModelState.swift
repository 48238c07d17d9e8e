import MregStore
import MregSupport

/// A model's registry state, computed by replaying its event chain oldest first.
public struct ModelState: Sendable {
    public struct VersionInfo: Sendable, Equatable {
        public var number: Int64
        public var manifest: ObjectID
        public var content: String?
        public var registeredBy: String
        public var registeredAt: String
        public var event: ObjectID
        /// The number a pull gave up for this one (the register event's `renumbered_from`).
        public var renumberedFrom: Int64?
    }

    public var model: String
    public var head: ObjectID?
    public var eventCount: Int64 = 0
    /// The live versions (registered and not removed).
    public var versions: [Int64: VersionInfo] = [:]
    /// The removed versions (tombstoned by a `remove` event), by number.
    public var removed: [Int64: Removal] = [:]
    public var stages: [String: Int64] = [:]
    public var tags: [String: Int64] = [:]
    public var lastChange: String?
    /// The approvals in force (recorded by `approve`, not withdrawn by `unapprove`), by event id.
    public var approvals: [ObjectID: Approval] = [:]
    /// The approvals withdrawn by `unapprove`, by the approve event's id, with the withdrawing event's sequence.
    public var revokedApprovals: [ObjectID: (approval: Approval, by: Int64)] = [:]

    public init(model: String) { self.model = model }

    /// The highest version number the chain registered, live or removed: the next version
    /// is one more (a removed version's number is never reused).
    public var latestVersion: Int64? {
        switch (versions.keys.max(), removed.keys.max()) {
        case (let a?, let b?): return max(a, b)
        case (let a, let b): return a ?? b
        }
    }

    /// The newest live version (what `MODEL` and `MODEL@latest` name).
    public var latestLiveVersion: Int64? { versions.keys.max() }

    /// Applies one event (events must come oldest first).
    public mutating func apply(_ event: Event, id: ObjectID) {
        eventCount = event.sequence
        head = id
        lastChange = event.time
        switch event.action {
        case .register:
            if let v = event.version, let m = event.manifest {
                versions[v] = VersionInfo(number: v, manifest: m, content: event.content, registeredBy: event.actor,
                                          registeredAt: event.time, event: id, renumberedFrom: event.renumberedFrom)
            }
        case .tag:
            if let t = event.tag, let v = event.version { tags[t] = v }
        case .untag:
            if let t = event.tag { tags[t] = nil }
        case .promote:
            if let s = event.stage, let v = event.version { stages[s] = v }
        case .demote:
            if let s = event.stage { stages[s] = nil }
        case .remove:
            // A stage or tag cannot name a removed version: they go with it.
            if let v = event.version, let info = versions.removeValue(forKey: v) {
                removed[v] = Removal(version: info, removedBy: event.actor, removedAt: event.time, reason: event.reason, event: id)
                stages = stages.filter { $0.value != v }
                tags = tags.filter { $0.value != v }
                approvals = approvals.filter { $0.value.version != v }
                revokedApprovals = revokedApprovals.filter { $0.value.approval.version != v }
            }
        case .approve:
            if let v = event.version, let m = event.manifest, let s = event.stage {
                approvals[id] = Approval(id: id, sequence: event.sequence, version: v, manifest: m, stage: s,
                                         signer: event.signer, actor: event.actor, time: event.time, reason: event.reason)
            }
        case .unapprove:
            if let a = event.approval, let withdrawn = approvals.removeValue(forKey: a) {
                revokedApprovals[a] = (withdrawn, event.sequence)
            }
        }
    }

    /// The version a pull renumbered away from `number` (the newest, if several were), if any.
    public func renumbered(from number: Int64) -> VersionInfo? {
        versions.values.filter { $0.renumberedFrom == number && $0.number != number }.max { $0.number < $1.number }
    }

    /// Stages holding `version`, sorted.
    public func stages(of version: Int64) -> [String] {
        stages.filter { $0.value == version }.map(\.key).sorted()
    }

    /// The approvals in force of `version` (for `stage`, when given), oldest first.
    public func approvals(of version: Int64, stage: String? = nil) -> [Approval] {
        approvals.values.filter { $0.version == version && (stage == nil || $0.stage == stage) }.sorted { $0.sequence < $1.sequence }
    }

    /// Tags naming `version`, sorted.
    public func tags(of version: Int64) -> [String] {
        tags.filter { $0.value == version }.map(\.key).sorted()
    }
}
