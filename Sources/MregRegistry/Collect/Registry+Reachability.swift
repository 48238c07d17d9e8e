import MregStore
import MregSupport

extension Registry {
    /// Whether the files (weights) of version `version` of `model` are live, that is,
    /// kept by `gc` and counted by `du`. Every path of the walk asks this one function.
    ///
    /// A removed version keeps its manifest (the audit trail names it) but not its files: the
    /// walk itself drops the files of every version a `remove` event names, in any chain it
    /// walks (local or remote-tracking), so this hook only adds further exclusions; none today.
    public func liveFiles(model: String, version: Int64) -> Bool {
        true
    }

    /// Walks every ref under `refs/` (model heads, version, stage and tag refs, verified
    /// checkpoints, remote-tracking heads, anything else there), every event chain and every
    /// manifest, and returns what they reach.
    ///
    /// - Throws: `RegistryError.corrupt` when a ref holds no id, or a linked object (an
    ///   event, manifest or chunk list) is missing or cannot be read: what it names cannot
    ///   be known, so nothing can safely be called unreachable (run `mreg fsck`).
    public func reachability() throws -> Reachability {
        let (roots, heads) = try reachabilityRoots()
        return try Reachability.walk(roots: roots, removalsFrom: heads, liveFiles: { liveFiles(model: $0, version: $1) },
                                     contains: { store.contains($0) }, read: readForWalk)
    }

    /// The same walk for `du`, with what each object names taken from the link cache
    /// (`LinkCache`, `.mreg/index/links`) where it has the object, and the objects it lacks
    /// read and added to it. Never used to decide a deletion: `gc` walks the objects.
    ///
    /// - Parameter present: the loose objects (from one scan of `objects/`): a cache entry
    ///   is used only for an object among them; any other object is read from the store.
    public func cachedReachability(present: [ObjectID: Int64]) throws -> Reachability {
        let (roots, heads) = try reachabilityRoots()
        return try withLinkCache(present: present) { node in
            try Reachability.walk(roots: roots, removalsFrom: heads, liveFiles: { liveFiles(model: $0, version: $1) },
                                  contains: { present[$0] != nil || store.contains($0) }, node: node)
        }
    }

    /// Runs `body` with a node reader backed by the link cache (`LinkCache`,
    /// `.mreg/index/links`): an entry is used only for an object in `present` (the loose
    /// objects); the objects it lacks are read (on all cores first, when many) and added to
    /// it, and entries of objects no longer loose leave it.
    func withLinkCache<T>(present: [ObjectID: Int64], _ body: ((ObjectID) throws -> LinkNode?) throws -> T) throws -> T {
        let path = LinkCache.path(root: repository.root)
        let cache = LinkCache.load(path)
        var hits = 0
        var fresh = [ObjectID: LinkNode]()
        // Objects the cache lacks are read on all cores first (a first run reads the whole
        // store); one that cannot be read is left for the walk, which reports it.
        let uncached = present.keys.filter { cache.nodes[$0] == nil }
        if uncached.count >= 64 {
            let nodes = try Parallel.map(uncached) { id -> LinkNode? in
                guard let (type, payload) = (try? readForWalk(id)) ?? nil else { return nil }
                return try? LinkNode(id: id, type: type, payload: payload)
            }
            for (i, id) in uncached.enumerated() { if let node = nodes[i] { fresh[id] = node } }
        }
        let prefetched = fresh
        var used = Set<ObjectID>()
        let result = try body { id in
            let loose = present[id] != nil
            if loose, let node = cache.nodes[id] ?? prefetched[id] {
                if cache.nodes[id] != nil, used.insert(id).inserted { hits += 1 }
                return node
            }
            guard let (type, payload) = try readForWalk(id) else { return nil }
            let node = try LinkNode(id: id, type: type, payload: payload)
            if loose { fresh[id] = node }
            return node
        }
        if !fresh.isEmpty || hits != cache.nodes.count {
            // New objects join; entries of objects no longer loose (deleted by gc) leave.
            var updated = LinkCache(nodes: fresh)
            for (id, node) in cache.nodes where present[id] != nil { updated.nodes[id] = node }
            updated.save(path, shared: repository.sharedGroup)
        }
        return result
    }

    /// Every ref under `refs/`: its id, and the model heads among them.
    func reachabilityRoots() throws -> (roots: [ObjectID], heads: Set<ObjectID>) {
        var roots = [ObjectID]()
        var heads = Set<ObjectID>()
        for entry in refs.scan() {
            switch entry {
            case .ref(let name, let id):
                roots.append(id)
                if name.rawValue.hasPrefix("refs/models/") && name.rawValue.hasSuffix("/head") { heads.insert(id) }
            case .corrupt(let name, let error):
                throw RegistryError.corrupt(.init(object: "ref \(name)", reason: "\(error)"))
            case .lock, .stray: continue
            }
        }
        return (roots, heads)
    }

    /// An object as the walk reads it: its type, its payload when it is linked (an event,
    /// manifest or chunk list), nil when it is missing.
    func readForWalk(_ id: ObjectID) throws -> (ObjectType, [UInt8]?)? {
        let header: ObjectHeader
        do {
            header = try store.header(of: id)
        } catch let e as StoreError where e.code == .notFound {
            return nil
        }
        guard Self.linkedTypes.contains(header.type) else { return (header.type, nil) }
        return (header.type, try store.read(id, as: header.type))
    }
}
