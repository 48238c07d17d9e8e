import Foundation
import MregStore
import MregSupport
import MregRegistry
import MregGovernance

/// What a push checks against the remote's shared policy before it moves heads, and
/// (in a bucket) after.
///
/// Before: each model's new events must pass the remote's policy (`Governance.checkPushed`:
/// promotions into governed stages judged under that very policy, signatures that verify
/// against its allowed signers), else the model is rejected and its head is not moved.
///
/// Before (S3) is free when the push's heads listing saw no policy pointer.
///
/// After (S3): S3's conditional writes hold for one key, so a head write cannot be made
/// conditional on the policy pointer. Instead the push reads the pointer's ETag before the
/// heads move and again after: unchanged, the policy the events were judged under was in
/// force before and after every head write, so no push lands events the policy in force
/// refuses. Changed (someone ran `mreg policy push` meanwhile), each moved model is judged
/// again under the new policy, and one it refuses is moved back to its old head with
/// `If-Match` on the ETag of the head this push wrote (never undoing anyone else's push),
/// and reported rejected.
struct RemotePolicyGuard {
    let remote: any RemoteStorage
    /// The pusher's governance: its store holds the events and manifests being pushed.
    let local: Governance
    /// The remote's policy as read before heads move (nil: none).
    let policy: PromotionPolicy?
    /// S3: what the pointer was when read (nil policy: it was absent).
    let shared: RemotePolicy?
    /// A folder holding the remote's allowed-signers file while the push runs.
    let folder: String?

    /// Reads the remote's policy. A filesystem remote's policy is its store's `policy.toml`.
    ///
    /// - Throws: when the remote's policy cannot be read or does not parse (nothing moved yet).
    init(remote: any RemoteStorage, local: Governance) throws {
        self.remote = remote
        self.local = local
        if let file = remote as? FileRemote {
            let remoteGovernance = Governance(file.registry)
            let exists = FileManager.default.fileExists(atPath: "\(file.repository.root)/\(PromotionPolicy.fileName)")
            policy = exists ? try remoteGovernance.policy() : nil
            shared = nil
            folder = nil
        } else if let s3 = remote as? S3Remote {
            // The heads listing of this push saw no policy pointer: none to read (confirm reads it
            // again). Taken once: a later guard on the same remote reads the policy itself.
            let listed = s3.listedPolicy.withLock { value in defer { value = nil }; return value }
            let read = listed == .absent ? nil : try s3.readPolicy()
            if let read {
                let staged = try read.staged(in: local.registry.store.directory, remote: "\(remote.location)", knownStages: local.registry.stages)
                policy = staged.policy
                folder = staged.folder
            } else {
                policy = nil
                folder = nil
            }
            shared = read
        } else {
            policy = nil
            shared = nil
            folder = nil
        }
    }

    /// Removes the staged allowed-signers file.
    func close() {
        if let folder { try? FileManager.default.removeItem(atPath: folder) }
    }

    /// Checks `model`'s events after `base` (the remote's head) against the remote's policy.
    ///
    /// - Throws: `RegistryError.refused` naming the rule or the event the remote's policy refuses.
    func check(model: String, since base: ObjectID?) throws {
        guard let policy else { return }
        try local.checkPushed(model: model, events: try Self.events(of: model, since: base, in: local.registry), against: policy, judge: local)
    }

    static func events(of model: String, since base: ObjectID?, in registry: Registry) throws -> [(id: ObjectID, event: Event)] {
        var new = [(id: ObjectID, event: Event)]()
        for (id, event) in try registry.events(of: model) {
            if id == base { break }
            new.append((id, event))
        }
        return new.reversed()
    }

    /// After heads moved (S3): when the policy changed meanwhile, judges the moved models again
    /// under the new one and moves back those it refuses.
    ///
    /// - Parameter moved: each moved model, its head before, and the head this push wrote.
    /// - Returns: the models refused under the new policy, with why (said to be moved back or not).
    func confirm(moved: [(model: String, old: RemoteHead?, new: ObjectID)]) throws -> [String: RegistryError.Refusal] {
        guard let s3 = remote as? S3Remote, !moved.isEmpty else { return [:] }
        // Cheap first: the list's ETag changes whenever either file does.
        let list = try s3.policyListTag()
        if !list.exists && shared == nil { return [:] }
        if list.exists, let tag = list.etag, tag == shared?.token { return [:] }
        let now = list.exists ? try s3.readPolicy() : nil
        if now?.files == shared?.files { return [:] }
        let label = "\(remote.location)"
        var refused = [String: RegistryError.Refusal]()
        var staged: (policy: PromotionPolicy, folder: String)?
        if let now { staged = try now.staged(in: local.registry.store.directory, remote: label, knownStages: local.registry.stages) }
        defer { if let folder = staged?.folder { try? FileManager.default.removeItem(atPath: folder) } }
        for item in moved {
            do {
                if let policy = staged?.policy {
                    try local.checkPushed(model: item.model, events: try Self.events(of: item.model, since: item.old?.id, in: local.registry),
                                          against: policy, judge: local)
                }
                continue
            } catch RegistryError.refused(let refusal) {
                var undone = false
                if let old = item.old, let head = try s3.readHead(model: item.model), head.id == item.new, let tag = head.token {
                    undone = try s3.restoreHead(model: item.model, to: old.id, ifStill: tag)
                }
                let what = undone ? "its head was moved back" : "its events stayed on the remote: tell its owner"
                refused[item.model] = .remotePolicy(remote: label, problem: "it changed while this push ran and refuses \(item.model) (\(refusal)); \(what)")
            }
        }
        return refused
    }
}
