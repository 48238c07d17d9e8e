import Foundation
import MregStore
import MregSupport
import MregRegistry
import MregFilter

/// A shared store's policy governs everyone who pushes to it or pulls from it.
///
/// `pull` and `clone` adopt a remote's `policy.toml` (and the allowed-signers file it
/// names), so local promotions are judged by the team's rules; `push` to a remote with a
/// policy refuses a model whose new promotions into a governed stage were not judged under
/// that same policy, or whose signatures do not verify against the remote's allowed signers.
/// (Filesystem and S3 remotes alike: MregRemote's `RemotePolicy` and `RemotePolicyGuard`.)
extension Governance {
    /// The policy file and the allowed-signers file it names (if inside the store), as bytes.
    package func policyFiles() -> [String: Data] {
        var out = [String: Data]()
        let root = repository.root
        guard let policy = FileManager.default.contents(atPath: "\(root)/policy.toml") else { return out }
        out["policy.toml"] = policy
        if let parsed = try? self.policy(), let signers = parsed.allowedSigners, signers.hasPrefix(root + "/"),
           let data = FileManager.default.contents(atPath: signers) {
            out[String(signers.dropFirst(root.count + 1))] = data
        }
        return out
    }

    /// Copies `other`'s policy files over this store's when they differ. Returns the files changed.
    @discardableResult
    public func adoptPolicy(from other: Registry) throws -> [String] {
        try adoptPolicy(files: Governance(other).policyFiles())
    }

    /// Whether a policy file named `relative` (to `.mreg/`) may be written into a store by
    /// adoption: a relative path of plain names (letters, digits, `.`, `_`, `-`; none starting
    /// with `.`) outside the store's own entries (objects, refs, config, …), so a remote's policy
    /// can never overwrite anything but policy files.
    public static func isAdoptable(_ relative: String) -> Bool {
        if relative == PromotionPolicy.fileName { return true }
        let parts = relative.split(separator: "/", omittingEmptySubsequences: false)
        let reserved: Set<Substring> = ["objects", "refs", "config", "hooks", "index", "statcache", "logs", "tmp", "HEAD", "policy.toml"]
        guard let first = parts.first, !reserved.contains(first), parts.count <= 4 else { return false }
        return parts.allSatisfy { part in
            !part.isEmpty && !part.hasPrefix(".") && !part.contains(".lock")
                && part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
        }
    }

    /// Writes policy files (name relative to `.mreg/` → bytes) over this store's when they
    /// differ, each atomically (temp file, rename), the allowed-signers file before
    /// `policy.toml`, which names it. Returns the files changed.
    ///
    /// - Throws: `RegistryError.refused(.remotePolicy)` for a name `isAdoptable` refuses (before anything is written).
    @discardableResult
    public func adoptPolicy(files: [String: Data], from remote: String = "the remote") throws -> [String] {
        for name in files.keys.sorted() where !Self.isAdoptable(name) {
            throw RegistryError.refused(.remotePolicy(remote: remote, problem: "its policy names '\(name)' as its allowed-signers file, which is not a plain file name inside the store"))
        }
        var changed = [String]()
        // The policy last: it names the other files.
        let order = files.keys.sorted { ($0 == PromotionPolicy.fileName ? 1 : 0, $0) < ($1 == PromotionPolicy.fileName ? 1 : 0, $1) }
        for name in order {
            guard let data = files[name] else { continue }
            let path = "\(repository.root)/\(name)"
            if FileManager.default.contents(atPath: path) == data { continue }
            let temp = "\(path).lock~\(UInt32.random(in: 0...UInt32.max))"
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: temp, contents: data) else {
                throw RegistryError.io(.init("write", temp, reason: "the file cannot be created"))
            }
            guard rename(temp, path) == 0 else {
                let failure = RegistryError.IOFailure("write", path, errno: errno)
                unlink(temp)
                throw RegistryError.io(failure)
            }
            changed.append(name)
        }
        return changed
    }

    /// Checks events about to be pushed into this (remote) store against its policy.
    ///
    /// - Parameter events: the new events, oldest first, readable from this store.
    package func checkPushed(model: String, events: [(id: ObjectID, event: Event)]) throws {
        guard FileManager.default.fileExists(atPath: "\(repository.root)/policy.toml") else { return }
        try checkPushed(model: model, events: events, against: try self.policy(), judge: self)
    }

    /// Checks events about to be pushed into a remote against the remote's `policy` (its
    /// `digest` set): every promotion into a stage the policy governs must have been judged
    /// under that very policy, and the events must pass `validateIncoming` under it.
    ///
    /// - Parameters:
    ///   - events: the new events, oldest first.
    ///   - judge: the governance whose store holds the events' history (the pusher's).
    /// - Throws: `RegistryError.refused`: `.policy` naming the failed rule when the remote's policy
    ///   refuses a promotion, `.notJudgedByRemotePolicy` when it would pass but was judged under another.
    package func checkPushed(model: String, events: [(id: ObjectID, event: Event)], against policy: PromotionPolicy,
                             judge: Governance) throws {
        guard let digest = policy.digest else { return }
        for (id, e) in events where e.action == .promote {
            guard let stage = e.stage, let rules = policy.rules(for: stage) else { continue }
            let judged = e.verdict.flatMap { try? PolicyVerdict(json: $0) }
            // A verdict recorded before the digest covered the allowed-signers file names this
            // policy.toml's legacy digest: the same rules (signatures are checked below anyway).
            if let judged, judged.policy == digest || (policy.legacyDigest != nil && judged.policy == policy.legacyDigest) { continue }
            // Name the rule the remote's policy refuses, when it does.
            if let version = e.version, let verdict = try? judge.verdict(policy: policy, state: judge.state(of: model, before: e),
                                                                         version: version, stage: stage, reason: e.reason, signer: e.signer,
                                                                         actor: e.actor, time: e.time),
               !verdict.passed, !(e.force && rules.allowForce && !verdict.failures.contains { PolicyVerdict.unforceable.contains($0.rule) }) {
                throw RegistryError.refused(.policy(.init(.failed, model: model, version: version, stage: stage,
                                                          summary: verdict.failureSummary + " (the promotion was not judged under the remote's policy, which refuses it)")))
            }
            throw RegistryError.refused(.notJudgedByRemotePolicy(model: model, sequence: e.sequence, id: id.abbreviated(),
                                                                 version: e.version ?? 0, stage: stage))
        }
        guard let first = events.first else { return }
        var state = try judge.state(of: model, before: first.event)
        let cache = SignatureCache()
        for (id, event) in events {
            try judge.validateIncoming(event, id: id, model: model, policy: policy, state: state, cache: cache)
            state.apply(event, id: id)
        }
    }

    /// A model's state just before `event` (from its parent's history).
    func state(of model: String, before event: Event) throws -> ModelState {
        var state = ModelState(model: model)
        guard let parent = event.parent else { return state }
        for (id, e) in try registry.events(from: parent, until: nil, model: model) { state.apply(e, id: id) }
        return state
    }
}

#if canImport(Glibc)
import Glibc
#endif
