import Foundation
import MregStore
import MregSupport
import SystemPackage

/// `du` after a change: the figures from `DiskUsageState` (`.mreg/index/du-state`), walking
/// only the groups of refs that moved and reading only the folders that changed.
extension Registry {
    /// A group of refs to walk: its model (nil for another ref) and its refs.
    typealias RefGroup = (model: String?, refs: [String: ObjectID])

    /// The figures and the state to save, brought up to date from `previous` when it can be
    /// (see `DiskUsageState`); nil when it cannot be trusted (the packs changed, a folder is
    /// unusual, a ref or object cannot be read, two groups disagree): then the caller walks
    /// everything, which reports any real problem.
    func incrementalDiskUsage(previous: DiskUsageState, folders: [UsageCache.Folder]) -> (DiskUsage, DiskUsageState)? {
        var old = [String: UsageCache.Folder]()
        for f in previous.folders { old[f.path] = f }
        var now = [String: UsageCache.Folder]()
        for f in folders { now[f.path] = f }
        // Packs: written and deleted by gc and transfers only; any change means a full walk.
        guard old["objects/pack"] == now["objects/pack"] else { return nil }

        // Loose objects: the fan-out folders whose times moved are listed again.
        var loose = [String: [ObjectID: Int64]]()
        var changedFanOuts = Set<String>()
        var gone = Set<ObjectID>()
        for f in folders where f.path.hasPrefix("objects/") && f.path != "objects/pack" {
            let name = String(f.path.dropFirst("objects/".count))
            if old[f.path] == f, let entries = previous.loose[name] {
                loose[name] = entries
                continue
            }
            changedFanOuts.insert(name)
            let entries = looseObjects(inFanOut: name)
            loose[name] = entries
            for id in (previous.loose[name] ?? [:]).keys where entries[id] == nil { gone.insert(id) }
        }
        for (name, entries) in previous.loose where loose[name] == nil {
            changedFanOuts.insert(name)
            gone.formUnion(entries.keys)
        }

        // Refs: those in folders whose times did not move are as recorded; the others are read.
        var moved = Set<Substring>()  // ref folders changed, new or gone
        for f in folders where (f.path == "refs" || f.path.hasPrefix("refs/")) && old[f.path] != f { moved.insert(Substring(f.path)) }
        for f in previous.folders where (f.path == "refs" || f.path.hasPrefix("refs/")) && now[f.path] == nil { moved.insert(Substring(f.path)) }
        func parent(_ name: String) -> Substring { name[..<(name.lastIndex(of: "/") ?? name.startIndex)] }
        var byGroup = [String: RefGroup]()
        var untouched = Set<String>()  // groups none of whose refs lie in a moved folder
        for (key, group) in previous.groups {
            if !group.refs.keys.contains(where: { moved.contains(parent($0)) }) {
                byGroup[key] = (group.model, group.refs)
                untouched.insert(key)
            } else {
                byGroup[key] = (group.model, group.refs.filter { !moved.contains(parent($0.key)) })
            }
        }
        for f in folders where moved.contains(Substring(f.path)) {
            guard let found = refsDirectly(in: f.path) else { return nil }
            for (name, id) in found {
                let (key, model) = DiskUsageState.groupKey(name)
                untouched.remove(key)
                byGroup[key, default: (model, [:])].refs[name] = id
            }
        }

        // Groups walked again: refs moved, or an object they name went or one they skipped changed.
        var dirty = [String: RefGroup]()
        var keep = [String: DiskUsageState.Group]()
        for (key, group) in byGroup where !group.refs.isEmpty {
            guard let before = previous.groups[key], untouched.contains(key) || (before.refs == group.refs && before.model == group.model),
                  !before.skipped.contains(where: { changedFanOuts.contains(String($0.hex.prefix(2))) }),
                  gone.isEmpty || !Self.names(before, anyOf: gone) else {
                dirty[key] = group
                continue
            }
            keep[key] = before
        }
        let node = { (id: ObjectID) throws -> LinkNode? in
            guard let (type, payload) = try self.readForWalk(id) else { return nil }
            return try LinkNode(id: id, type: type, payload: payload)
        }
        guard let groups = try? walkGroups(dirty, keep: keep, previous: previous.groups, contains: { store.contains($0) }, node: node),
              let reach = Self.merged(groups) else { return nil }
        let usage = Self.diskUsage(size: Self.sizes(loose: loose, packed: previous.packed), reach: reach)
        return (usage, DiskUsageState(folders: folders, loose: loose, packed: previous.packed, groups: groups))
    }

    /// The figures and the state from a walk of every group of refs, with what each object
    /// names taken from the link cache (`withLinkCache`); no state when the groups disagree
    /// (then the figures are those of the one whole-store walk).
    ///
    /// - Throws: as `reachability()`: a damaged ref, a missing or unreadable event, manifest
    ///   or chunk list.
    func fullDiskUsageWalk(folders: [UsageCache.Folder]) throws -> (DiskUsage, DiskUsageState?) {
        var loose = [String: [ObjectID: Int64]]()
        for f in folders where f.path.hasPrefix("objects/") && f.path != "objects/pack" {
            let name = String(f.path.dropFirst("objects/".count))
            loose[name] = looseObjects(inFanOut: name)
        }
        var packed = [ObjectID: Int64]()
        for (id, p) in store.packedObjects() { packed[id] = p.storedBytes }
        var byGroup = [String: RefGroup]()
        for entry in refs.scan() {
            switch entry {
            case .ref(let name, let id):
                let (key, model) = DiskUsageState.groupKey(name.rawValue)
                byGroup[key, default: (model, [:])].refs[name.rawValue] = id
            case .corrupt(let name, let error):
                throw RegistryError.corrupt(.init(object: "ref \(name)", reason: "\(error)"))
            case .lock, .stray: continue
            }
        }
        let size = Self.sizes(loose: loose, packed: packed)
        let groups = try withLinkCache(present: size) { node in
            try walkGroups(byGroup, keep: [:], previous: [:], contains: { size[$0] != nil || store.contains($0) }, node: node)
        }
        guard let reach = Self.merged(groups) else {
            // Two groups disagree on a version's manifest (refs of one model pointing into another's
            // chain): the one whole-store walk decides.
            let reach = try cachedReachability(present: size)
            return (Self.diskUsage(size: size, reach: reach), nil)
        }
        return (Self.diskUsage(size: size, reach: reach), DiskUsageState(folders: folders, loose: loose, packed: packed, groups: groups))
    }

    /// Walks each group in `dirty` on its own, with the removals every other group's head
    /// chains make, and returns them with `keep` (groups whose walk still holds).
    ///
    /// A group's walk depends on other groups only through removals (a `remove` event in one
    /// model's chain drops that version's files wherever they are reached). So the dirty
    /// groups are walked with the removals of the kept ones; then any group, walked or kept,
    /// that asked about a version whose removal differs from what it was walked with is
    /// walked again with the final removals (a group's own removals never depend on others,
    /// so once is enough).
    func walkGroups(_ dirty: [String: RefGroup], keep: [String: DiskUsageState.Group], previous: [String: DiskUsageState.Group],
                    contains: (ObjectID) -> Bool, node: (ObjectID) throws -> LinkNode?) throws -> [String: DiskUsageState.Group] {
        var groups = keep
        var consulted = [String: Set<Reachability.VersionKey>]()
        var used = [String: Set<Reachability.VersionKey>]()
        func walk(_ key: String, _ group: RefGroup, external: Set<Reachability.VersionKey>) throws {
            let heads = Set(group.refs.compactMap { $0.key.hasPrefix("refs/models/") && $0.key.hasSuffix("/head") ? $0.value : nil })
            let roots = group.refs.sorted { $0.key < $1.key }.map(\.value)
            let reach = try Reachability.walk(roots: roots, removalsFrom: heads, externalRemovals: external,
                                              liveFiles: { liveFiles(model: $0, version: $1) }, contains: contains, node: node)
            groups[key] = DiskUsageState.Group(
                model: group.model, refs: group.refs, removals: reach.removals, foreign: reach.consulted.filter { $0.model != group.model },
                manifests: reach.manifests, removed: reach.removed, live: Array(reach.live), fileObjects: reach.fileObjects,
                skipped: Array(reach.skipped))
            consulted[key] = reach.consulted
            used[key] = external.union(reach.removals)
        }
        var kept = Set<Reachability.VersionKey>()
        for group in keep.values { kept.formUnion(group.removals) }
        for (key, group) in dirty { try walk(key, group, external: kept) }
        var all = Set<Reachability.VersionKey>()
        for group in groups.values { all.formUnion(group.removals) }
        var before = Set<Reachability.VersionKey>()
        for group in previous.values { before.formUnion(group.removals) }
        let moved = all.symmetricDifference(before)
        for (key, group) in groups {
            let again: Bool
            if let asked = consulted[key], let with = used[key] {
                again = !all.subtracting(with).isDisjoint(with: asked)
            } else {
                again = moved.contains { group.depends(on: $0) }
            }
            if again { try walk(key, (group.model, group.refs), external: all) }
        }
        return groups
    }

    /// The groups' walks as one (`Reachability` of the whole store); nil when two groups
    /// name different manifests for one version.
    static func merged(_ groups: [String: DiskUsageState.Group]) -> Reachability? {
        var reach = Reachability()
        // Sized once: growing a set of 200,000 ids rehashes every one of them each time.
        reach.live.reserveCapacity(groups.values.reduce(0) { $0 + $1.live.count })
        reach.manifests.reserveCapacity(groups.values.reduce(0) { $0 + $1.manifests.count })
        reach.fileObjects.reserveCapacity(groups.values.reduce(0) { $0 + $1.fileObjects.count })
        for group in groups.values {
            reach.live.formUnion(group.live)
            for (key, m) in group.manifests {
                if let other = reach.manifests.updateValue(m, forKey: key), other != m { return nil }
            }
            reach.fileObjects.merge(group.fileObjects) { a, _ in a }
            reach.removed.formUnion(group.removed)
            reach.removals.formUnion(group.removals)
        }
        return reach
    }

    /// Every object's bytes: loose (its file), or packed only (its entry), as
    /// `looseObjects() + packedOnlyObjects()` list them.
    static func sizes(loose: [String: [ObjectID: Int64]], packed: [ObjectID: Int64]) -> [ObjectID: Int64] {
        var size = [ObjectID: Int64](minimumCapacity: loose.values.reduce(0) { $0 + $1.count } + packed.count)
        for entries in loose.values { size.merge(entries) { a, _ in a } }
        for (id, bytes) in packed where size[id] == nil { size[id] = bytes }
        return size
    }

    /// Whether `group`'s walk names any of `ids` (then it must be walked again).
    static func names(_ group: DiskUsageState.Group, anyOf ids: Set<ObjectID>) -> Bool {
        group.live.contains(where: ids.contains) || group.refs.values.contains(where: ids.contains)
            || group.fileObjects.contains { ids.contains($0.key) || $0.value.contains(where: ids.contains) }
    }

    /// The loose objects in the fan-out folder `name` (two hex digits) of `objects/`, with
    /// their bytes, as `ObjectStore.looseObjects()` lists them.
    func looseObjects(inFanOut name: String) -> [ObjectID: Int64] {
        var out = [ObjectID: Int64]()
        let dir = "\(store.directory)/\(name)"
        for file in FileSystem.listDirectory(dir) where file.count == 62 {
            guard let id = ObjectID(parsing: name + file),
                  let status = FileSystem.linkStatus(FilePath("\(dir)/\(file)")), status.isRegularFile else { continue }
            out[id] = status.size
        }
        return out
    }

    /// The refs directly in the folder `path` (relative to `.mreg`, such as
    /// `refs/models/fraud`), as `RefStore.scan` finds them: none in a folder the scan does not
    /// walk (hidden, `*.lock`, an invalid name); nil when one cannot be read.
    func refsDirectly(in path: String) -> [String: ObjectID]? {
        for component in path.split(separator: "/").dropFirst() {
            let c = String(component)
            if c.hasPrefix(".") || c.hasSuffix(".lock") || RefName.problem(withComponent: c) != nil { return [:] }
        }
        var out = [String: ObjectID]()
        let folder = "\(repository.root)/\(path)"
        for name in FileSystem.listDirectory(folder) {
            guard !name.hasPrefix("."), !name.hasSuffix(".lock"), !name.contains(".lock~"),
                  let status = FileSystem.linkStatus(FilePath("\(folder)/\(name)")), status.isRegularFile,
                  let ref = RefName.validated("\(path)/\(name)") else { continue }
            guard let id = try? refs.read(ref) else { return nil }  // damaged, or gone meanwhile
            out[ref.rawValue] = id
        }
        return out
    }
}
