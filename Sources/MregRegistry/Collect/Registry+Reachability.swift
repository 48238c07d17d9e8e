import MregStore
import MregSupport

extension Registry {
    /// Whether the files (weights) of version `version` of `model` are live, that is,
    /// kept by `gc` and counted by `du`. Every path of the walk asks this one function.
    ///
    /// A removed version keeps its manifest (the audit trail names it) but not its files.
    public func liveFiles(model: String, version: Int64) -> Bool {
        // removal: plugged in when rm lands (`mreg rm` tombstones: "is version N of model M removed?").
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
        var result = Reachability()
        var roots = [ObjectID]()
        for entry in refs.scan() {
            switch entry {
            case .ref(_, let id): roots.append(id)
            case .corrupt(let name, let error):
                throw RegistryError.corrupt(.init(object: "ref \(name)", reason: "\(error); nothing was deleted: run 'mreg fsck'"))
            case .lock, .stray: continue
            }
        }
        // A manifest's files are made live at most once, as soon as one version that names it keeps them.
        var filesWalked = Set<ObjectID>()
        var pending: [(id: ObjectID, context: Reachability.VersionKey?)] = roots.map { ($0, nil) }
        var chunkCache = [ObjectID: [ObjectID]]()

        func load(_ id: ObjectID, by: String) throws -> (ObjectType, JSONValue?) {
            let header: ObjectHeader
            do {
                header = try store.header(of: id)
            } catch let e as StoreError where e.code == .notFound {
                throw RegistryError.corrupt(.init(object: "object \(id.hex)", reason: "it is missing (named by \(by)); nothing was deleted: run 'mreg fsck'"))
            }
            guard Self.linkedTypes.contains(header.type) else { return (header.type, nil) }
            let payload = try store.read(id, as: header.type)
            do {
                return (header.type, try JSONValue.parse(payload))
            } catch {
                throw RegistryError.corrupt(.init(object: "\(header.type) \(id.hex)", reason: "it cannot be read (\(error)); nothing was deleted: run 'mreg fsck'"))
            }
        }

        /// The objects a manifest's files and datasets need, chunk lists expanded; live ones are marked.
        func walkFiles(_ json: JSONValue, manifest: ObjectID, live: Bool) throws -> [ObjectID] {
            var out = [ObjectID]()
            var seen = Set<ObjectID>()
            for id in Self.links(in: json) where seen.insert(id).inserted {
                out.append(id)
                if let chunks = chunkCache[id] {
                    for c in chunks where seen.insert(c).inserted { out.append(c) }
                    continue
                }
                guard store.contains(id) else { continue }  // a missing file is fsck's to report
                let (type, body) = try load(id, by: "manifest \(manifest.abbreviated())")
                guard type == .chunks, let body else { continue }
                let chunks = Self.links(in: body)
                chunkCache[id] = chunks
                for c in chunks where seen.insert(c).inserted { out.append(c) }
            }
            if live { result.live.formUnion(out) }
            return out
        }

        var visited = Set<ObjectID>()
        while let (id, context) = pending.popLast() {
            let keepFiles = context.map { liveFiles(model: $0.model, version: $0.version) } ?? true
            if let context, !keepFiles { result.removed.insert(context) }
            guard visited.insert(id).inserted else {
                // A manifest seen before for a version whose files go: this one may keep them.
                if keepFiles, let objects = result.fileObjects[id], filesWalked.insert(id).inserted { result.live.formUnion(objects) }
                continue
            }
            result.live.insert(id)
            let (type, body) = try load(id, by: context.map { "\($0.model) v\($0.version)" } ?? "a ref or an event")
            guard let body else { continue }
            switch type {
            case .event:
                if let parent = body["parent"]?.stringValue.flatMap(ObjectID.init(parsing:)) { pending.append((parent, nil)) }
                if let m = body["manifest"]?.stringValue.flatMap(ObjectID.init(parsing:)) {
                    let model = body["model"]?.stringValue ?? ""
                    let key = body["version"]?.intValue.map { Reachability.VersionKey(model: model, version: $0) }
                    if let key, body["action"]?.stringValue == Event.Action.register.rawValue { result.manifests[key] = m }
                    pending.append((m, key))
                }
            case .manifest:
                if let base = body["base"], base != .null {
                    let baseKey: Reachability.VersionKey? = base["model"]?.stringValue.flatMap { model in
                        base["version"]?.intValue.map { Reachability.VersionKey(model: model, version: $0) }
                    }
                    for m in Self.links(in: base) { pending.append((m, baseKey)) }
                }
                let parts = JSONValue.array([body["files"] ?? .null, body["datasets"] ?? .null])
                if keepFiles { filesWalked.insert(id) }
                result.fileObjects[id] = try walkFiles(parts, manifest: id, live: keepFiles)
            default:
                // A chunk list named straight by a ref, or anything else linked: everything it names.
                for child in Self.links(in: body) { pending.append((child, nil)) }
            }
        }
        return result
    }
}
