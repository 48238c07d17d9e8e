import MregStore
import MregSupport

/// What `du` reports: the bytes each model and version holds, and what gc could free.
///
/// A version holds the objects of its files (blobs, chunk lists and chunks, as stored:
/// compressed). Its bytes are `total`: `unique` are held by no other version (what
/// removing it would free after a gc), `shared` are held by others too (dedup). A model's
/// `unique` bytes are held by no other model. Manifests and events (metadata, which
/// removal keeps) are counted in `metadataBytes` of the store only.
public struct DiskUsage: Sendable {
    public struct Entry: Sendable, Equatable {
        public var model: String
        /// nil for a whole model.
        public var version: Int64?
        public var objects: Int
        public var totalBytes: Int64
        public var uniqueBytes: Int64
        public var sharedBytes: Int64 { totalBytes - uniqueBytes }
        /// A removed version: its files are not live (their bytes are reclaimable).
        public var removed: Bool

        public var json: JSONValue {
            var o: [String: JSONValue] = [
                "model": .string(model), "objects": .int(Int64(objects)),
                "total_bytes": .int(totalBytes), "unique_bytes": .int(uniqueBytes), "shared_bytes": .int(sharedBytes),
            ]
            if let version { o["version"] = .int(version); o["removed"] = .bool(removed) }
            return .object(o)
        }
    }

    /// One entry per model, sorted by name.
    public var models = [Entry]()
    /// One entry per version of the models asked about, sorted by model and version.
    public var versions = [Entry]()
    /// Every loose object, and the bytes they take (as stored).
    public var storeObjects = 0
    public var storeBytes: Int64 = 0
    /// Events, manifests and anything else live refs reach besides files.
    public var metadataBytes: Int64 = 0
    /// Objects no live ref reaches (removed versions' files included): what `gc --prune=now` would free.
    public var reclaimableObjects = 0
    public var reclaimableBytes: Int64 = 0

    public init() {}

    public var json: JSONValue {
        .object([
            "models": .array(models.map(\.json)),
            "versions": .array(versions.map(\.json)),
            "store": .object([
                "objects": .int(Int64(storeObjects)), "bytes": .int(storeBytes), "metadata_bytes": .int(metadataBytes),
                "reclaimable_objects": .int(Int64(reclaimableObjects)), "reclaimable_bytes": .int(reclaimableBytes),
            ]),
        ])
    }
}
