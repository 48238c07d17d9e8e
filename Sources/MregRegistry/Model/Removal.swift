import MregStore
import MregSupport

/// A removed version: the tombstone a `remove` event leaves in a model's state.
///
/// The version's manifest, events and audit entries stay in the store; only the version
/// stops being live (it leaves listings, search and revision resolution, and its files
/// become reclaimable by `gc`). Its number is never reused.
public struct Removal: Sendable, Equatable {
    /// The version as it was registered.
    public var version: ModelState.VersionInfo
    /// Who removed it (`Name <email>`).
    public var removedBy: String
    /// When (RFC 3339 UTC).
    public var removedAt: String
    /// Why (`rm --reason`, or "retention policy").
    public var reason: String?
    /// The `remove` event.
    public var event: ObjectID

    public init(version: ModelState.VersionInfo, removedBy: String, removedAt: String, reason: String?, event: ObjectID) {
        self.version = version
        self.removedBy = removedBy
        self.removedAt = removedAt
        self.reason = reason
        self.event = event
    }

    /// The version number.
    public var number: Int64 { version.number }
    /// The removed version's manifest (kept in the store).
    public var manifest: ObjectID { version.manifest }
}
