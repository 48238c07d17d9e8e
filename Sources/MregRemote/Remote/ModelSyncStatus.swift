import MregStore
import MregRegistry

/// How one model stands against a remote, as this store last saw the remote (its
/// remote-tracking head, recorded by the last push, fetch or pull): what is here and not
/// there (ahead) and what is there and not here (behind).
public struct ModelSyncStatus: Sendable {
    /// The comparison in a word.
    public enum State: String, Sendable {
        /// Both sides have the same head.
        case upToDate = "up-to-date"
        /// Only this store has new events: push them.
        case ahead
        /// Only the remote has new events: pull them.
        case behind
        /// Both sides have new events: pull (which replays the local ones), then push.
        case diverged
        /// The remote had no such model when this store last saw it.
        case notOnRemote = "not-on-remote"
        /// The model was fetched but is not in this store yet: pull it.
        case notLocal = "not-local"
    }

    public var model: String
    /// The local head (nil: the model was only fetched).
    public var local: ObjectID?
    /// The remote's head as last seen (nil: never seen there).
    public var tracked: ObjectID?
    /// Local events the remote lacks, oldest first.
    public var ahead: [LogEntry]
    /// The remote's events this store lacks, oldest first.
    public var behind: [LogEntry]

    public init(model: String, local: ObjectID?, tracked: ObjectID?, ahead: [LogEntry], behind: [LogEntry]) {
        self.model = model
        self.local = local
        self.tracked = tracked
        self.ahead = ahead
        self.behind = behind
    }

    public var state: State {
        if local == nil { return .notLocal }
        if tracked == nil { return .notOnRemote }
        switch (ahead.isEmpty, behind.isEmpty) {
        case (true, true): return .upToDate
        case (false, true): return .ahead
        case (true, false): return .behind
        case (false, false): return .diverged
        }
    }

    /// Versions registered here and not on the remote.
    public var aheadVersions: Int { ahead.count { $0.event.action == .register } }
    /// Versions registered on the remote and not here.
    public var behindVersions: Int { behind.count { $0.event.action == .register } }
    /// Tag and stage moves here and not on the remote.
    public var aheadMoves: Int { ahead.count - aheadVersions }
    /// Tag and stage moves on the remote and not here.
    public var behindMoves: Int { behind.count - behindVersions }
}
