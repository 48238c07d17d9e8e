import Foundation
import MregStore
import MregSupport
import MregRegistry
import MregGovernance

extension Remotes {
    /// What `policy push` did.
    public enum PolicyPushOutcome: String, Sendable, Equatable {
        /// The remote had no policy; it has this store's now.
        case created
        /// The remote's policy was replaced (`replace: true`).
        case replaced
        /// The remote already had exactly this policy.
        case upToDate = "up-to-date"
    }

    /// The policy a remote shares (nil: none).
    public func remotePolicy(of remote: any RemoteStorage) throws -> RemotePolicy? {
        if let file = remote as? FileRemote {
            let files = Governance(file.registry).policyFiles()
            return files[PromotionPolicy.fileName] == nil ? nil : RemotePolicy(files: files)
        }
        if let s3 = remote as? S3Remote { return try s3.readPolicy() }
        return nil
    }

    /// Adopts the remote's policy (`pull`, `clone`): its `policy.toml` and the allowed-signers
    /// file it names replace this store's. A remote without a policy changes nothing here.
    ///
    /// - Returns: the files changed.
    /// - Throws: `RegistryError.refused(.remotePolicy)` when the remote's policy does not parse
    ///   here (or names a file outside the policy files); nothing is changed then.
    @discardableResult
    public func adoptPolicy(from remote: any RemoteStorage) throws -> [String] {
        Array(try adoptPolicyKeepingOld(from: remote).keys).sorted()
    }

    /// Adopts the remote's policy as `adoptPolicy(from:)` does and returns what each file it
    /// changed held before (nil: it did not exist), so a pull that stops can put them back.
    func adoptPolicyKeepingOld(from remote: any RemoteStorage) throws -> [String: Data?] {
        guard let shared = try remotePolicy(of: remote) else { return [:] }
        let label = "\(remote.location)"
        let staged = try shared.staged(in: store.directory, remote: label, knownStages: registry.stages)
        try? FileManager.default.removeItem(atPath: staged.folder)
        var old = [String: Data?]()
        for name in shared.files.keys { old[name] = FileManager.default.contents(atPath: "\(repository.root)/\(name)") }
        let changed = Set(try governance.adoptPolicy(files: shared.files, from: label))
        return old.filter { changed.contains($0.key) }
    }

    /// Puts back the policy files a stopped pull adopted (see `adoptPolicyKeepingOld`).
    func restorePolicy(_ old: [String: Data?]) {
        for (name, data) in old {
            if let data {
                _ = try? governance.adoptPolicy(files: [name: data])
            } else {
                unlink("\(repository.root)/\(name)")
            }
        }
    }

    /// Shares this store's policy (`.mreg/policy.toml` and the allowed-signers file it names,
    /// when inside the store) with a remote, so pulls adopt it and pushes are judged by it.
    ///
    /// A remote that has no policy gets this one (created only if it still has none). A remote
    /// whose policy differs keeps it unless `replace` is true; then the policy read is replaced
    /// only if nobody changed it meanwhile (S3: `If-Match` on the ETag read).
    ///
    /// - Throws: `RegistryError.badInput` without a local policy or when it does not parse;
    ///   `.refused(.remotePolicy)` when the remote's differs (without `replace`), when it
    ///   changed meanwhile, or when the allowed-signers file it names is missing.
    public func pushPolicy(to remote: any RemoteStorage, replace: Bool) throws -> PolicyPushOutcome {
        let label = "\(remote.location)"
        let policy = try governance.policy()
        let files = governance.policyFiles()
        guard policy.digest != nil, files[PromotionPolicy.fileName] != nil else {
            throw RegistryError.badInput(.invalidPolicy(file: "\(repository.root)/\(PromotionPolicy.fileName)", problem: "it does not exist: write the policy to share first (mreg policy --help)"))
        }
        if let signers = policy.allowedSigners, signers.hasPrefix(repository.root + "/") {
            let name = String(signers.dropFirst(repository.root.count + 1))
            guard files[name] != nil else {
                throw RegistryError.refused(.remotePolicy(remote: label, problem: "this store's policy names \(signers) as its allowed-signers file, which does not exist: create it first, so the remote can check signatures"))
            }
            guard Governance.isAdoptable(name) else {
                throw RegistryError.refused(.remotePolicy(remote: label, problem: "this store's policy names '\(name)' as its allowed-signers file: use a plain file name inside .mreg/, e.g. allowed_signers"))
            }
        }
        let mine = RemotePolicy(files: files)
        let theirs = try remotePolicy(of: remote)
        if mine.sameFiles(as: theirs) { return .upToDate }
        if let theirs, !replace {
            throw RegistryError.refused(.remotePolicy(remote: label, problem: "it already has another policy (\(theirs.digest)) than this store's (\(mine.digest)): run 'mreg pull' to adopt it, or replace it with 'mreg policy push --replace'"))
        }
        if let s3 = remote as? S3Remote {
            // Refuses a bucket written by a newer mreg; records the format of a new one.
            try s3.prepareForHeads()
            guard try s3.writePolicy(files, replacing: theirs?.token) else {
                throw RegistryError.refused(.remotePolicy(remote: label, problem: "someone else changed it meanwhile: run 'mreg pull' and look again"))
            }
        } else if let file = remote as? FileRemote {
            try Governance(file.registry).adoptPolicy(files: files, from: "this store")
        }
        return theirs == nil ? .created : .replaced
    }
}
