import MregStore
import MregSupport

/// What the store's refs reach: the objects `gc` keeps, and what each version's files need
/// (for `du`). Built by `Registry.reachability()`.
public struct Reachability: Sendable {
    /// One registered version of a model.
    public struct VersionKey: Sendable, Hashable, Comparable {
        public var model: String
        public var version: Int64
        public static func < (a: VersionKey, b: VersionKey) -> Bool { (a.model, a.version) < (b.model, b.version) }
    }

    /// Every object a live ref reaches: events, manifests, and the files of versions that
    /// are not removed (blobs, chunk lists, chunks).
    public var live = Set<ObjectID>()
    /// For each version reached from a model's head: its manifest.
    public var manifests = [VersionKey: ObjectID]()
    /// For each manifest reached: the objects its files and datasets need (their blobs,
    /// chunk lists and chunks), each once.
    public var fileObjects = [ObjectID: [ObjectID]]()
    /// Versions whose files are not live (removed versions): their manifests stay.
    public var removed = Set<VersionKey>()
    /// The versions named by `remove` events in the chains of the walk's heads (what it
    /// found itself, whatever `externalRemovals` added).
    public var removals = Set<VersionKey>()
    /// Every version whose removal the walk asked about (the version of a manifest reached
    /// from an event, or a manifest's base): the only ones whose removal can change the result.
    public var consulted = Set<VersionKey>()
    /// Files the walk skipped: missing, or unreadable in a removed version (`du`'s cache
    /// walks a group of refs again when one of them appears or changes).
    public var skipped = Set<ObjectID>()

    public init() {}
}
