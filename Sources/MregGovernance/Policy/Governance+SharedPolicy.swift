import Foundation
import MregStore
import MregSupport
import MregRegistry
import MregFilter

/// A shared store's policy governs everyone who pushes to it or pulls from it.
///
/// `pull` and `clone` from a filesystem remote adopt its `policy.toml` (and the
/// allowed-signers file it names), so local promotions are judged by the team's rules;
/// `push` to a filesystem remote with a policy refuses a model whose new promotions into
/// a governed stage were not judged under that same policy, or whose signatures do not
/// verify against the remote's allowed signers.
extension Governance {
    /// The policy file and the allowed-signers file it names (if inside the store), as bytes.
    func policyFiles() -> [String: Data] {
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
        var changed = [String]()
        for (name, data) in Governance(other).policyFiles().sorted(by: { $0.key < $1.key }) {
            let path = "\(repository.root)/\(name)"
            if FileManager.default.contents(atPath: path) == data { continue }
            guard !name.contains("..") else { continue }
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
        guard let policyBytes = FileManager.default.contents(atPath: "\(repository.root)/policy.toml") else { return }
        let policy = try self.policy()
        let digest = Digest.sha256(Array(policyBytes))
        for (id, e) in events where e.action == .promote {
            guard let stage = e.stage, policy.rules(for: stage) != nil else { continue }
            let judged = e.verdict.flatMap { try? PolicyVerdict(json: $0) }
            guard let judged, judged.policy == digest else {
                throw RegistryError.refused(.notJudgedByRemotePolicy(model: model, sequence: e.sequence, id: id.abbreviated(),
                                                                     version: e.version ?? 0, stage: stage))
            }
        }
        try validateIncoming(model: model, events: events)
    }
}

#if canImport(Glibc)
import Glibc
#endif
