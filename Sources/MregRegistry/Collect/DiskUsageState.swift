import Foundation
import MregStore
import MregSupport

/// What `du` needs to bring its figures up to date after a change without walking the whole
/// store, in `.mreg/index/du-state`: the loose objects of every fan-out folder (with their
/// sizes), the packed objects, and for every group of refs (one model's refs, or one other
/// ref) its refs and what its walk reached.
///
/// After a change, only the folders whose times moved are read again: the fan-out folders
/// (new and deleted objects), and the ref folders (refs that moved); only the groups whose
/// refs moved, or whose walk depends on an object or a removal that changed, are walked
/// again. Like `UsageCache`, a file that is missing, of another version, truncated or
/// failing its checksum is ignored (then `du` walks everything). Format: Docs/FORMAT.md §5b.
struct DiskUsageState: Sendable {
    static let magic: [UInt8] = Array("mregdus\n".utf8)
    /// Bumped whenever the layout or the meaning of a field changes; other files are ignored.
    static let formatVersion: UInt32 = 1

    /// One group's refs and its walk (`Reachability.walk` over its refs alone).
    struct Group: Sendable, Equatable {
        /// The model whose refs these are; nil for a ref outside `refs/models/`, `refs/verified/`
        /// and `refs/remotes/`.
        var model: String?
        /// Every ref of the group: its name and id.
        var refs: [String: ObjectID]
        /// Versions named by `remove` events in the chains of its heads.
        var removals: Set<Reachability.VersionKey>
        /// The versions of other models whose removal the walk asked about.
        var foreign: Set<Reachability.VersionKey>
        var manifests: [Reachability.VersionKey: ObjectID]
        var removed: Set<Reachability.VersionKey>
        var live: [ObjectID]
        var fileObjects: [ObjectID: [ObjectID]]
        var skipped: [ObjectID]

        /// The ids of its model heads (`refs/models/…/head`): the chains whose removals count.
        var heads: Set<ObjectID> {
            Set(refs.compactMap { $0.key.hasPrefix("refs/models/") && $0.key.hasSuffix("/head") ? $0.value : nil })
        }

        /// Whether a change to the removal of `key` can change this group's walk.
        func depends(on key: Reachability.VersionKey) -> Bool { key.model == model || foreign.contains(key) }
    }

    /// The folders the state was taken from (as `UsageCache.scanFolders` lists them).
    var folders: [UsageCache.Folder]
    /// Loose objects by fan-out folder name (two hex digits): id and bytes.
    var loose: [String: [ObjectID: Int64]]
    /// Every packed object (whether loose too or not) and its entry's bytes.
    var packed: [ObjectID: Int64]
    /// Groups by key (`DiskUsageState.groupKey`).
    var groups: [String: Group]

    /// The state's file in a store's folder (`.mreg`).
    static func path(root: String) -> String { "\(root)/index/du-state" }

    /// The group a ref belongs to: its key, and its model (nil for another ref).
    /// `refs/models/M/…`, `refs/verified/M` and `refs/remotes/R/M/…` belong to model M.
    static func groupKey(_ ref: String) -> (key: String, model: String?) {
        let parts = ref.split(separator: "/", omittingEmptySubsequences: false)
        var model: Substring?
        if parts.count >= 4, parts[1] == "models" { model = parts[2] }
        if parts.count == 3, parts[1] == "verified" { model = parts[2] }
        if parts.count >= 5, parts[1] == "remotes" { model = parts[3] }
        if let model { return ("model:\(model)", String(model)) }
        return ("ref:\(ref)", nil)
    }

    // MARK: reading

    /// The state in `path`: nil when the file is missing or cannot be used (never an error).
    static func load(_ path: String) -> DiskUsageState? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? decode(Array(data))
    }

    typealias Damaged = CacheFileReader.Damaged

    static func decode(_ bytes: [UInt8]) throws(Damaged) -> DiskUsageState {
        var r = try CacheFileReader(bytes, magic: magic)
        guard try r.u32() == formatVersion else { throw Damaged() }
        let folderCount = Int(try r.u32())
        try r.need(folderCount * 20)
        var folders = [UsageCache.Folder]()
        folders.reserveCapacity(folderCount)
        for _ in 0..<folderCount {
            folders.append(UsageCache.Folder(path: try r.string(), modificationTime: try r.i64(), changeTime: try r.i64()))
        }
        let table = try r.ids()
        func object() throws(Damaged) -> ObjectID {
            let i = Int(try r.u32())
            guard i < table.count else { throw Damaged() }
            return table[i]
        }
        func objects() throws(Damaged) -> [ObjectID] {
            let n = Int(try r.u32())
            try r.need(n * 4)
            var out = [ObjectID]()
            out.reserveCapacity(n)
            for _ in 0..<n { out.append(try object()) }
            return out
        }
        func key() throws(Damaged) -> Reachability.VersionKey { .init(model: try r.string(), version: try r.i64()) }
        func keys() throws(Damaged) -> Set<Reachability.VersionKey> {
            let n = Int(try r.u32())
            try r.need(n * 12)
            var out = Set<Reachability.VersionKey>(minimumCapacity: n)
            for _ in 0..<n { out.insert(try key()) }
            return out
        }
        // An object's stored size: 0…2³⁶, so the sums over every object a file this size can list
        // cannot overflow (big files are chunked; a store whose core.chunkThreshold lets one blob
        // pass 64 GiB only loses the shortcut: its state reads as damaged and du walks again).
        func size() throws(Damaged) -> Int64 {
            let value = try r.i64()
            guard value >= 0, value <= 1 << 36 else { throw Damaged() }
            return value
        }
        var loose = [String: [ObjectID: Int64]]()
        let fanOuts = Int(try r.u32())
        try r.need(fanOuts * 8)
        for _ in 0..<fanOuts {
            let name = try r.string()
            let n = Int(try r.u32())
            try r.need(n * 12)
            var entries = [ObjectID: Int64](minimumCapacity: n)
            for _ in 0..<n { entries[try object()] = try size() }
            loose[name] = entries
        }
        let packedCount = Int(try r.u32())
        try r.need(packedCount * 12)
        var packed = [ObjectID: Int64](minimumCapacity: packedCount)
        for _ in 0..<packedCount { packed[try object()] = try size() }
        let groupCount = Int(try r.u32())
        try r.need(groupCount * 8)
        var groups = [String: Group](minimumCapacity: groupCount)
        for _ in 0..<groupCount {
            let name = try r.string()
            let model: String? = try r.u8() != 0 ? try r.string() : nil
            let refCount = Int(try r.u32())
            try r.need(refCount * 8)
            var refs = [String: ObjectID](minimumCapacity: refCount)
            for _ in 0..<refCount { refs[try r.string()] = try object() }
            let removals = try keys(), foreign = try keys()
            let manifestCount = Int(try r.u32())
            try r.need(manifestCount * 16)
            var manifests = [Reachability.VersionKey: ObjectID](minimumCapacity: manifestCount)
            for _ in 0..<manifestCount { manifests[try key()] = try object() }
            let removed = try keys()
            let live = try objects()
            let fileCount = Int(try r.u32())
            try r.need(fileCount * 8)
            var fileObjects = [ObjectID: [ObjectID]](minimumCapacity: fileCount)
            for _ in 0..<fileCount { fileObjects[try object()] = try objects() }
            let skipped = try objects()
            groups[name] = Group(model: model, refs: refs, removals: removals, foreign: foreign, manifests: manifests,
                                 removed: removed, live: live, fileObjects: fileObjects, skipped: skipped)
        }
        try r.expectEnd()
        return DiskUsageState(folders: folders, loose: loose, packed: packed, groups: groups)
    }

    // MARK: writing

    /// The file's bytes: every id once in a table, then everything else naming objects by
    /// their index in it (large lists in no particular order).
    func encoded() -> [UInt8] {
        // One hash lookup per id named: its index, given on first sight.
        var table = [ObjectID]()
        var index = [ObjectID: UInt32](minimumCapacity: loose.values.reduce(packed.count) { $0 + $1.count })
        func add(_ id: ObjectID) {
            if index[id] == nil { index[id] = UInt32(table.count); table.append(id) }
        }
        for entries in loose.values { for id in entries.keys { add(id) } }
        for id in packed.keys { add(id) }
        for group in groups.values {
            for id in group.refs.values { add(id) }
            for id in group.manifests.values { add(id) }
            for id in group.live { add(id) }
            for (m, list) in group.fileObjects { add(m); for id in list { add(id) } }
            for id in group.skipped { add(id) }
        }
        var w = CacheFileWriter(magic: Self.magic, capacity: table.count * 48 + folders.count * 40)
        func object(_ id: ObjectID) { w.u32(index[id] ?? 0) }
        func objects(_ list: [ObjectID]) { w.u32(UInt32(list.count)); for id in list { object(id) } }
        func key(_ k: Reachability.VersionKey) { w.string(k.model); w.i64(k.version) }
        func keys(_ set: Set<Reachability.VersionKey>) { w.u32(UInt32(set.count)); for k in set { key(k) } }
        w.u32(Self.formatVersion)
        w.u32(UInt32(folders.count))
        for f in folders { w.string(f.path); w.i64(f.modificationTime); w.i64(f.changeTime) }
        w.ids(table)
        w.u32(UInt32(loose.count))
        for (name, entries) in loose.sorted(by: { $0.key < $1.key }) {
            w.string(name)
            w.u32(UInt32(entries.count))
            for (id, bytes) in entries { object(id); w.i64(bytes) }
        }
        w.u32(UInt32(packed.count))
        for (id, bytes) in packed { object(id); w.i64(bytes) }
        w.u32(UInt32(groups.count))
        for (name, g) in groups.sorted(by: { $0.key < $1.key }) {
            w.string(name)
            w.u8(g.model == nil ? 0 : 1)
            if let model = g.model { w.string(model) }
            w.u32(UInt32(g.refs.count))
            for (ref, id) in g.refs { w.string(ref); object(id) }
            keys(g.removals)
            keys(g.foreign)
            w.u32(UInt32(g.manifests.count))
            for (k, m) in g.manifests { key(k); object(m) }
            keys(g.removed)
            objects(g.live)
            w.u32(UInt32(g.fileObjects.count))
            for (m, list) in g.fileObjects { object(m); objects(list) }
            objects(g.skipped)
        }
        return w.finished()
    }

    /// Writes the state to `path` (temp file and rename); a failure is ignored.
    func save(_ path: String, shared: Bool) {
        CacheFileWriter.save(encoded(), to: path, shared: shared)
    }
}
