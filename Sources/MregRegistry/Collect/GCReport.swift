import MregStore
import MregSupport

/// What `gc` deleted (or, in a dry run, would delete) and what it kept.
public struct GCReport: Sendable {
    /// One object or temp file, with the bytes its file holds.
    public struct Item: Sendable, Equatable {
        public var id: ObjectID?
        public var path: String?
        public var bytes: Int64

        public init(id: ObjectID?, path: String?, bytes: Int64) {
            self.id = id
            self.path = path
            self.bytes = bytes
        }
    }

    public var dryRun = false
    /// Loose objects found, and how many of them live refs reach.
    public var objects = 0
    public var reachable = 0
    /// Unreachable objects deleted (or that would be), referrers before what they name.
    public var deleted = [Item]()
    /// Unreachable objects kept: modified within the grace, or named by one that was.
    public var keptRecent = 0
    public var keptRecentBytes: Int64 = 0
    /// Objects a writer freshened (reused) while this gc ran: kept, with what they name.
    public var keptFreshened = 0
    /// Temp files (and folders) older than the grace, deleted (or that would be).
    public var temps = [Item]()
    /// Stale lock files removed.
    public var locks = [String]()
    /// Objects an interrupted gc had moved aside, put back first.
    public var restored = 0
    /// Objects found in packs before this gc.
    public var packedObjects = 0
    /// The pack this gc wrote (nil: none), how many objects it holds, and its bytes.
    public var packWritten: String?
    public var packWrittenObjects = 0
    public var packWrittenBytes: Int64 = 0
    /// Loose copies deleted once the new pack held them.
    public var looseRemoved = 0
    /// Packs replaced by the new one and removed.
    public var packsRemoved = 0
    /// Unreachable packed objects still within the grace, written out loose to age there.
    public var unpacked = 0
    /// `gc --remote`: what was wrong with the remote's pack list and how it was repaired (empty: nothing).
    public var packListRepairs = [String]()

    public init() {}

    public var bytesFreed: Int64 { deleted.reduce(0) { $0 + $1.bytes } + temps.reduce(0) { $0 + $1.bytes } }

    public var json: JSONValue {
        .object([
            "dry_run": .bool(dryRun),
            "objects": .int(Int64(objects)),
            "reachable": .int(Int64(reachable)),
            "deleted": .array(deleted.map { .object(["id": JSONValue($0.id?.hex), "bytes": .int($0.bytes)]) }),
            "deleted_objects": .int(Int64(deleted.count)),
            "deleted_bytes": .int(deleted.reduce(0) { $0 + $1.bytes }),
            "kept_recent": .int(Int64(keptRecent)),
            "kept_recent_bytes": .int(keptRecentBytes),
            "kept_freshened": .int(Int64(keptFreshened)),
            "temps": .array(temps.map { .object(["path": JSONValue($0.path), "bytes": .int($0.bytes)]) }),
            "locks": .array(locks.map { .string($0) }),
            "restored": .int(Int64(restored)),
            "bytes_freed": .int(bytesFreed),
            "packed_objects": .int(Int64(packedObjects)),
            "pack_written": JSONValue(packWritten),
            "pack_written_objects": .int(Int64(packWrittenObjects)),
            "pack_written_bytes": .int(packWrittenBytes),
            "loose_removed": .int(Int64(looseRemoved)),
            "packs_removed": .int(Int64(packsRemoved)),
            "unpacked": .int(Int64(unpacked)),
            "pack_list_repairs": .array(packListRepairs.map { .string($0) }),
        ])
    }
}
