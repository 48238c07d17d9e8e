import MregStore
import MregSupport

extension Reachability {
    /// The walk behind `Registry.reachability()` (and a remote's gc): from `roots` through
    /// every event chain, manifest and chunk list.
    ///
    /// - Parameters:
    ///   - liveFiles: whether a version's files are live (false for a removed version).
    ///   - contains: whether an object is present (a missing file is skipped).
    ///   - read: an object's type, and its payload when it is an event, manifest or chunk
    ///     list; nil when the object is missing.
    public static func walk(roots: [ObjectID], removalsFrom heads: Set<ObjectID>? = nil,
                            liveFiles: (String, Int64) -> Bool, contains: (ObjectID) -> Bool,
                            read: (ObjectID) throws -> (ObjectType, [UInt8]?)?) throws -> Reachability {
        try walk(roots: roots, removalsFrom: heads, liveFiles: liveFiles, contains: contains) { id in
            guard let (type, payload) = try read(id) else { return nil }
            return try LinkNode(id: id, type: type, payload: payload)
        }
    }

    /// The same walk, reading each object as a `LinkNode` (from its payload or from the link
    /// cache): `node` returns nil when the object is missing.
    ///
    /// - Parameter externalRemovals: versions removed by chains outside this walk (`du`
    ///   walks each model's refs on their own): their files are not live either.
    public static func walk(roots: [ObjectID], removalsFrom heads: Set<ObjectID>? = nil, externalRemovals: Set<VersionKey> = [],
                            liveFiles: (String, Int64) -> Bool, contains: (ObjectID) -> Bool,
                            node: (ObjectID) throws -> LinkNode?) throws -> Reachability {
        var result = Reachability()
        // A manifest's files are made live at most once, as soon as one version that names it keeps them.
        var filesWalked = Set<ObjectID>()
        // The chains of `heads` (default: every root) are walked first, whole, so every event
        // in them is reached from them: only their `remove` events drop a version's files. A
        // removal seen only in another chain (a remote-tracking head the local head has not
        // taken yet) must not cost the local, still live, version its files.
        let counting = heads ?? Set(roots)
        var pending: [(id: ObjectID, context: Reachability.VersionKey?)] =
            (roots.filter { !counting.contains($0) } + roots.filter { counting.contains($0) }).map { ($0, nil) }
        var inCountingChain = counting
        var chunkCache = [ObjectID: [ObjectID]]()

        func load(_ id: ObjectID, by: String) throws -> LinkNode {
            guard let found = try node(id) else {
                throw RegistryError.corrupt(.init(object: "object \(id.hex)", reason: "it is missing (named by \(by))"))
            }
            return found
        }

        /// The objects a manifest's files and datasets need, chunk lists expanded; live ones are marked.
        func walkFiles(_ links: [ObjectID], manifest: ObjectID, live: Bool) throws -> [ObjectID] {
            var out = [ObjectID]()
            var seen = Set<ObjectID>()
            for id in links where seen.insert(id).inserted {
                out.append(id)
                // Known: a chunk list (its chunks), or not one (empty); each file object is read once.
                if let chunks = chunkCache[id] {
                    for c in chunks where seen.insert(c).inserted { out.append(c) }
                    continue
                }
                guard contains(id) else {  // a missing file is fsck's to report
                    result.skipped.insert(id)
                    continue
                }
                let file: LinkNode
                do {
                    file = try load(id, by: "manifest \(manifest.abbreviated())")
                } catch where !live {
                    // A removed version's file that cannot be read (damaged, emptied) is garbage
                    // like the rest of it; not cached, so a live version naming it still fails.
                    result.skipped.insert(id)
                    continue
                }
                guard file.type == .chunks else {
                    chunkCache[id] = []
                    continue
                }
                chunkCache[id] = file.links
                for c in file.links where seen.insert(c).inserted { out.append(c) }
            }
            if live { result.live.formUnion(out) }
            return out
        }

        // Events first: every chain is walked before any version's manifest, so the `remove`
        // events (newer than the versions they remove, and possibly in another chain) are all
        // known before a manifest's files are judged.
        var manifestsLater = [(id: ObjectID, context: Reachability.VersionKey?)]()
        var removedKeys = Set<Reachability.VersionKey>()
        var visited = Set<ObjectID>()
        while let (id, context) = pending.popLast() ?? manifestsLater.popLast() {
            let keepFiles = context.map {
                !removedKeys.contains($0) && !externalRemovals.contains($0) && liveFiles($0.model, $0.version)
            } ?? true
            if let context {
                result.consulted.insert(context)
                if !keepFiles { result.removed.insert(context) }
            }
            guard visited.insert(id).inserted else {
                // A manifest seen before for a version whose files go: this one may keep them.
                if keepFiles, let objects = result.fileObjects[id], filesWalked.insert(id).inserted { result.live.formUnion(objects) }
                continue
            }
            result.live.insert(id)
            let object = try load(id, by: context.map { "\($0.model) v\($0.version)" } ?? "a ref or an event")
            switch object.type {
            case .event:
                let counts = inCountingChain.contains(id)
                if let parent = object.parent {
                    if counts { inCountingChain.insert(parent) }
                    pending.append((parent, nil))
                }
                let key = object.version.map { Reachability.VersionKey(model: object.model ?? "", version: $0) }
                if counts, let key, object.action == Event.Action.remove.rawValue { removedKeys.insert(key) }
                if let m = object.manifest {
                    if let key, object.action == Event.Action.register.rawValue { result.manifests[key] = m }
                    manifestsLater.append((m, key))
                }
            case .manifest:
                for m in object.baseLinks { pending.append((m, object.baseKey)) }
                if keepFiles { filesWalked.insert(id) }
                result.fileObjects[id] = try walkFiles(object.links, manifest: id, live: keepFiles)
            default:
                // A chunk list named straight by a ref, or anything else linked: everything it names.
                for child in object.links { pending.append((child, nil)) }
            }
        }
        result.removals = removedKeys
        return result
    }
}
