import MregStore
import MregSupport
import MregRegistry
import MregIndex
import MregGovernance

/// A local version that pull gave a new number, because the remote had used its number.
public struct Renumbering: Sendable, Equatable {
    public var from: Int64
    public var to: Int64

    public init(from: Int64, to: Int64) {
        self.from = from
        self.to = to
    }
}

/// What push, fetch or pull did to one model.
public struct ModelUpdate: Sendable, Equatable {
    public enum Status: String, Sendable {
        /// push: the remote head moved forward.
        case pushed
        /// push, fetch, pull: nothing to do.
        case upToDate = "up-to-date"
        /// push: not a fast-forward (the remote has events this store lacks), or the remote head moved meanwhile.
        case rejected
        /// push: the remote is ahead and this store has nothing new; pull: this store is ahead.
        case behind, ahead
        /// fetch: new remote events are now here (in `refs/remotes/…`).
        case fetched
        /// pull: a model this store did not have.
        case created
        /// pull: the local head moved forward to the remote's.
        case fastForward = "fast-forward"
        /// pull: local events were rebuilt on top of the remote's (versions renumbered).
        case replayed
        /// pull: a local move conflicts with the remote's; nothing was changed (see `conflicts`).
        case conflict
    }

    public var model: String
    public var status: Status
    /// The head before and after (for push: on the remote; for pull: local; for fetch: the remote's).
    public var old: ObjectID?
    public var new: ObjectID?
    /// Events moved (push: sent; pull: adopted from the remote, plus those replayed).
    public var events: Int
    /// For pull with replay: versions that got new numbers.
    public var renumbered: [Renumbering]
    /// A note on what happened (pull: local events to push).
    public var message: String?
    /// Why a push was rejected.
    public var rejection: RegistryError.PushRejected.Reason?
    /// For pull: local moves in conflict with the remote's, and what became of them.
    public var conflicts: [PullConflict]

    public init(model: String, status: Status, old: ObjectID? = nil, new: ObjectID? = nil, events: Int = 0,
                renumbered: [Renumbering] = [], message: String? = nil, rejection: RegistryError.PushRejected.Reason? = nil,
                conflicts: [PullConflict] = []) {
        self.model = model
        self.status = status
        self.old = old
        self.new = new
        self.events = events
        self.renumbered = renumbered
        self.message = message
        self.rejection = rejection
        self.conflicts = conflicts
    }
}
