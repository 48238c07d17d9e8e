import Foundation
import MregStore
import MregSupport
import MregRegistry
import MregIndex
import MregGovernance

extension Remotes {
    /// Creates a store in `directory`, remembers `url` as `origin` (with optional S3
    /// settings), fetches everything and checks out every model. A clone that fails
    /// leaves nothing behind.
    public static func clone(url: String, into directory: String, settings: [String: String] = [:],
                             observer: (any TransferObserver)? = nil) throws -> (registry: Registry, report: TransferReport) {
        let location = try RemoteLocation.parse(url)
        let target = Repository.absolute(directory)
        let fm = FileManager.default
        if fm.fileExists(atPath: "\(target)/\(Repository.directoryName)") {
            throw RegistryError.conflict(.storeExists(path: target, url: url))
        }
        let createdFolder = !fm.fileExists(atPath: target)
        let (repository, _) = try Repository.initialize(at: target)
        do {
            var remotes = Remotes(try Registry.standard(repository))
            try remotes.addRemote(name: defaultRemoteName, url: location.description, settings: settings)
            let remote = try remotes.openStorage(location, name: defaultRemoteName)
            defer { remote.close() }
            let report = try remotes.pull(from: remote, remoteName: defaultRemoteName, observer: observer)
            return (remotes.registry, report)
        } catch {
            try? fm.removeItem(atPath: createdFolder ? target : repository.root)
            throw error
        }
    }
}
