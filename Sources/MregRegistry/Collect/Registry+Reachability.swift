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
        return try Reachability.walk(roots: roots, removalsFrom: heads, liveFiles: { liveFiles(model: $0, version: $1) }, contains: { store.contains($0) }) { id in
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
}
