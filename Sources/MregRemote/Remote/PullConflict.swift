import MregStore
import MregSupport
import MregRegistry

/// A local move that `pull` cannot replay silently: the remote moved the same stage or tag
/// since the last common event, or the policy refuses the replayed promotion.
public struct PullConflict: Sendable, Equatable {
    /// What the conflict is about.
    public enum Kind: String, Sendable {
        case stage, tag
    }

    /// What became of the local move.
    public enum Outcome: String, Sendable {
        /// Plain `pull`: nothing was changed.
        case stopped
        /// `pull --theirs`: the local move was dropped.
        case dropped
        /// `pull --ours`: the local move was replayed on top, recording the remote move it overrides.
        case overridden
    }

    /// One side's move: a tag, untag, promote or demote event.
    public struct Move: Sendable, Equatable {
        public var action: Event.Action
        /// The version it put in place (none for untag and demote); for the local side, its number after renumbering.
        public var version: Int64?
        public var actor: String
        public var time: String
        /// The event (the remote's; the local one's id before the pull).
        public var event: ObjectID
        public var sequence: Int64
        /// The number the version has here before the pull, when the pull renumbers it.
        public var renumberedFrom: Int64?

        public init(_ e: Event, id: ObjectID, version: Int64?) {
            action = e.action
            self.version = e.action == .tag || e.action == .promote || e.action == .remove ? version : nil
            if let original = e.version, let version = self.version, original != version { renumberedFrom = original }
            actor = e.actor
            time = e.time
            event = id
            sequence = e.sequence
        }

        /// `v5 by Ada <ada@example.com> at 2026-03-01T10:00:00Z`, `untag by …`.
        public var summary: String {
            let what: String
            switch action {
            case .tag, .promote:
                what = version.map { v in renumberedFrom.map { "v\(v) (your v\($0), renumbered by this pull)" } ?? "v\(v)" } ?? "?"
            case .remove: what = "removed v\(version.map(String.init) ?? "?")"
            case .untag: what = "removed"
            case .demote: what = "emptied"
            default: what = action.rawValue
            }
            return "\(what) by \(actor) at \(time)"
        }

        public var json: JSONValue {
            .object(["action": .string(action.rawValue), "version": version.map { .int($0) } ?? .null, "actor": .string(actor),
                     "time": .string(time), "event": .string(event.hex), "seq": .int(sequence),
                     "renumbered_from": renumberedFrom.map { .int($0) } ?? .null])
        }
    }

    public var model: String
    public var kind: Kind
    /// The stage or tag.
    public var name: String
    public var local: Move
    /// The remote's last move of the same stage or tag (nil when only the policy refuses the local move).
    public var remote: Move?
    /// Why the policy refuses the replayed promotion (nil when it does not).
    public var policy: String?
    public var outcome: Outcome

    public init(model: String, kind: Kind, name: String, local: Move, remote: Move?, policy: String? = nil, outcome: Outcome) {
        self.model = model
        self.kind = kind
        self.name = name
        self.local = local
        self.remote = remote
        self.policy = policy
        self.outcome = outcome
    }

    /// One line: `fraud: stage production: remote v5 by Ada … ; local v4 by Bob …`.
    public var summary: String {
        var s = "\(model): \(kind.rawValue) \(name): "
        if let remote { s += "remote \(remote.summary); local \(local.summary)" } else { s += "local \(local.summary)" }
        if let policy { s += remote == nil && !policy.contains("removed") && !policy.contains("holds now") ? "; the policy refuses it now (\(policy))" : "; \(policy)" }
        return s
    }

    public var json: JSONValue {
        .object(["model": .string(model), "kind": .string(kind.rawValue), "name": .string(name),
                 "local": local.json, "remote": remote?.json ?? .null, "policy": JSONValue(policy),
                 "outcome": .string(outcome.rawValue)])
    }
}
