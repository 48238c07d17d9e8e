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
        if let model {
            try Names.validateModel(model)
            let entry = try status(of: model, remote: remote)
            guard entry.local != nil || entry.tracked != nil else {
                throw RegistryError.notFound(.init(.model, model, suggestions: try registry.models()))
            }
            return [entry]
        }
        // Models seen on the remote: the folders under refs/remotes/REMOTE (a folder without a
        // head ref gives an entry with neither head, which is left out).
        var names = Set(try registry.models())
        for name in refs.folderNames(under: "refs/remotes/\(remote)") where (try? Names.validateModel(name)) != nil {
            names.insert(name)
        }
        return try names.sorted().map { try status(of: $0, remote: remote) }.filter { $0.local != nil || $0.tracked != nil }
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
