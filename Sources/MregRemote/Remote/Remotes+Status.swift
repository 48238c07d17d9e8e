import MregStore
import MregRegistry

extension Remotes {
    /// The remote used when none is named: `origin`, else the only one; nil when there is none.
    ///
    /// - Throws: `notFound` (remote `origin`, the others as suggestions) when there are
    ///   several and none is named `origin`.
    public func defaultRemote() throws -> RemoteConfig? {
        if let origin = remote(named: Self.defaultRemoteName) { return origin }
        let all = remotes()
        if all.count <= 1 { return all.first }
        throw RegistryError.notFound(.init(.remote, Self.defaultRemoteName, suggestions: all.map(\.name)))
    }

    /// How each model (or only `model`) stands against `remote`, from the remote-tracking
    /// heads the last push, fetch or pull recorded: no network, only local refs and events.
    ///
    /// Lists every local model and every model seen on the remote, sorted by name.
    /// - Throws: `notFound` when `model` is neither here nor seen on the remote.
    public func status(remote: String, model: String? = nil) throws -> [ModelSyncStatus] {
        try Self.validateRemoteName(remote)
        var names = Set(try registry.models())
        let prefix = "refs/remotes/\(remote)/"
        for (ref, _) in try refs.list(prefix: prefix) where ref.rawValue.hasSuffix("/head") {
            let name = String(ref.rawValue.dropFirst(prefix.count).dropLast("/head".count))
            if (try? Names.validateModel(name)) != nil { names.insert(name) }
        }
        if let model {
            try Names.validateModel(model)
            guard names.contains(model) else {
                throw RegistryError.notFound(.init(.model, model, suggestions: names.sorted()))
            }
            names = [model]
        }
        return try names.sorted().map { try status(of: $0, remote: remote) }
    }

    /// One model against the remote's head as last seen.
    func status(of model: String, remote: String) throws -> ModelSyncStatus {
        let local = try registry.head(of: model)
        let tracked = try trackedHead(remote: remote, model: model)
        if local == tracked {
            return ModelSyncStatus(model: model, local: local, tracked: tracked, ahead: [], behind: [])
        }
        var base: ObjectID?
        if let local, let tracked { base = try registry.mergeBase(local, tracked) }
        func entries(_ head: ObjectID?) throws -> [LogEntry] {
            guard let head else { return [] }
            return try registry.events(from: head, until: base, model: model).map { LogEntry(id: $0.id, event: $0.event) }
        }
        return ModelSyncStatus(model: model, local: local, tracked: tracked, ahead: try entries(local), behind: try entries(tracked))
    }
}
