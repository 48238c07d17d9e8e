import Foundation
import MregStore
import MregSupport
import MregRegistry
import MregIndex
import MregGovernance

extension Remotes {
    /// The remote `push`, `fetch` and `pull` use when none is named.
    public static let defaultRemoteName = "origin"

    /// S3 settings a remote may carry in config besides its URL.
    public static let remoteSettingKeys = ["endpoint", "region", "pathStyle", "accessKeyId", "secretAccessKey", "sessionToken"]

    /// Remote names: letters, digits, `.`, `_`, `-`, starting with a letter or digit (they become ref components).
    public static func validateRemoteName(_ name: String) throws {
        let ok = name.count <= 64 && name.first.map { $0.isASCII && ($0.isLetter || $0.isNumber) } == true
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "_" || $0 == "-") }
            && !name.hasSuffix(".lock") && !name.hasSuffix(".") && !name.contains("..")
        if !ok {
            throw RegistryError.invalidName(kind: .remote, name: name, reason: "use letters, digits, '.', '_' and '-', starting with a letter or digit")
        }
    }

    /// The configured remotes, in config order.
    public func remotes() -> [RemoteConfig] {
        repository.config.subsections(of: "remote").compactMap { name in
            guard let url = repository.config.get("remote.\(name).url") else { return nil }
            var settings = [String: String]()
            for key in Self.remoteSettingKeys {
                if let v = repository.config.get("remote.\(name).\(key)") { settings[key] = v }
            }
            return RemoteConfig(name: name, url: url, settings: settings)
        }
    }

    public func remote(named name: String) -> RemoteConfig? {
        remotes().first { $0.name == name }
    }

    /// Adds `[remote "<name>"] url = …` (a path is stored absolute), with optional S3 settings.
    @discardableResult
    public mutating func addRemote(name: String, url: String, settings: [String: String] = [:]) throws -> RemoteConfig {
        try Self.validateRemoteName(name)
        if remote(named: name) != nil {
            throw RegistryError.conflict(.remoteExists(name: name))
        }
        let location = try RemoteLocation.parse(url)
        try repository.setConfig("remote.\(name).url", location.description)
        for (key, value) in settings.sorted(by: { $0.key < $1.key }) where Self.remoteSettingKeys.contains(key) {
            try repository.setConfig("remote.\(name).\(key)", value)
        }
        guard let added = remote(named: name) else {
            throw RegistryError.io(.init("write", "\(repository.root)/config", reason: "remote '\(name)' is not in the config after it was added"))
        }
        return added
    }

    /// Removes a remote's config and its remote-tracking refs.
    public mutating func removeRemote(name: String) throws {
        guard remote(named: name) != nil else {
            throw RegistryError.notFound(.init(.remote, name, suggestions: remotes().map(\.name)))
        }
        var config = repository.config
        config.removeSection("remote", subsection: name)
        try repository.saveConfig(config)
        for (ref, _) in try refs.list(prefix: "refs/remotes/\(name)/") { try? refs.delete(ref) }
        try? FileManager.default.removeItem(atPath: "\(repository.root)/refs/remotes/\(name)")
    }

    /// Whether a command-line word names a remote (a configured name or a URL) rather than a model.
    public func isRemoteArgument(_ word: String) -> Bool {
        if remote(named: word) != nil { return true }
        let lower = word.lowercased()
        return lower.hasPrefix("s3://") || lower.hasPrefix("file://") || word.contains("/") || word == "." || word == ".."
    }

    /// The remote a command talks to: a configured name, a URL, or (nil) the default remote.
    ///
    /// - Returns: the remote's name (nil for a URL given directly) and its storage.
    public func openRemote(_ nameOrURL: String?) throws -> (name: String?, storage: any RemoteStorage) {
        let chosen: RemoteConfig
        if let nameOrURL {
            if let configured = remote(named: nameOrURL) {
                chosen = configured
            } else if isRemoteArgument(nameOrURL) {
                let location = try RemoteLocation.parse(nameOrURL)
                return (nil, try openStorage(location, name: nil))
            } else {
                throw RegistryError.notFound(.init(.remote, nameOrURL, suggestions: remotes().map(\.name)))
            }
        } else if let found = try defaultRemote() {
            chosen = found
        } else {
            throw RegistryError.notFound(.init(.remote, "", suggestions: []))
        }
        return (chosen.name, try openStorage(try RemoteLocation.parse(chosen.url), name: chosen.name))
    }

    /// Opens the storage behind a location (S3 settings from the remote's config and the environment).
    public func openStorage(_ location: RemoteLocation, name: String?,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws -> any RemoteStorage {
        switch location {
        case .filesystem(let path):
            let remote = try FileRemote(path: path)
            if remote.repository.root == repository.root {
                throw RegistryError.badInput(.remoteIsThisStore(path: path))
            }
            return remote.withPacks(localRoot: repository.root, objects: store, pushing: try packTransfers(name: name, environment: environment))
        case .s3(let bucket, let prefix):
            let settings = try S3Settings.resolve(remote: name, bucket: bucket, config: { repository.setting($0) }, environment: environment)
            let packs = try packTransfers(name: name, environment: environment)
            return S3Remote(bucket: bucket, prefix: prefix, settings: settings, stagingParent: store.directory,
                            packsFor: (repository.root, store), pushingPacks: packs)
        }
    }

    /// Whether a push sends packs: `remote.<name>.packs` (true by default),
    /// overridden by `$MREG_REMOTE_PACKS` (`0` or `1`).
    func packTransfers(name: String?, environment: [String: String]) throws -> Bool {
        if let forced = environment["MREG_REMOTE_PACKS"], !forced.isEmpty { return forced != "0" && forced.lowercased() != "false" }
        guard let name, let raw = repository.config.get("remote.\(name).packs") else { return true }
        switch raw.lowercased() {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0": return false
        default:
            throw RegistryError.badInput(.invalidSetting(key: "remote.\(name).packs", value: raw, expected: "true or false"))
        }
    }

    // MARK: remote-tracking refs

    /// `refs/remotes/<remote>/<model>/head`: the remote's head as last seen by push or fetch.
    static func trackingRef(_ remote: String, _ model: String) throws -> RefName {
        try validateRemoteName(remote)
        return try RefName("refs/remotes/\(remote)/\(ModelName(model).rawValue)/head")
    }

    /// The remote's head of `model` as this store last saw it.
    public func trackedHead(remote: String, model: String) throws -> ObjectID? {
        try refs.read(Self.trackingRef(remote, model))
    }

    /// Records the remote's head. The ref is a cache of what the remote said, so a failure to
    /// move it (its lock held by a stuck process, say) does not fail the transfer; it is
    /// returned as a warning for the report, since `status` reads the ref and would be stale.
    @discardableResult
    func track(_ remote: String?, _ model: String, _ id: ObjectID) -> String? {
        guard let remote, let ref = try? Self.trackingRef(remote, model) else { return nil }
        if (try? refs.read(ref)) == id { return nil }
        do {
            try refs.update(ref, to: id)
            return nil
        } catch {
            return "could not record \(remote)'s head of \(model) in \(ref.rawValue) (\(error)); `mreg status` may show it stale until the next fetch"
        }
    }
}
