import Foundation
import MregStore
#if canImport(Glibc)
import Glibc
#endif
import MregSupport
import MregRegistry
import MregGovernance

/// The policy a remote shares with everyone who pulls from it or pushes to it: its
/// `policy.toml` and the allowed-signers file that policy names (when inside the store).
///
/// On a filesystem remote these are the store's own files; in a bucket they are the
/// files named by `<prefix>/policy` (FORMAT.md §6). `token` is what a conditional write
/// of the policy compares against (the S3 ETag of `<prefix>/policy`; nil on a filesystem).
public struct RemotePolicy: Sendable, Equatable {
    /// File name relative to `.mreg/` → bytes; always holds `policy.toml`.
    public var files: [String: Data]
    /// The S3 ETag of the pointer it was read with; nil on a filesystem.
    public var token: String?

    public init(files: [String: Data], token: String? = nil) {
        self.files = files
        self.token = token
    }

    /// The policy digest (`PromotionPolicy.digest`: `policy.toml` and the allowed-signers file
    /// beside it, when it travels with it), as recorded in the verdicts it judged.
    public var digest: String {
        let signers = files.keys.sorted().first { $0 != PromotionPolicy.fileName }.flatMap { files[$0] }
        return PromotionPolicy.digest(policy: Array(files[PromotionPolicy.fileName] ?? Data()), allowedSigners: signers.map { Array($0) })
    }

    /// Whether both hold the same files (tokens aside).
    public func sameFiles(as other: RemotePolicy?) -> Bool { other?.files == files }

    /// The policy parsed as the local store would parse it, with its other files written into
    /// a fresh folder under `parent` so its allowed-signers path points at the remote's file.
    /// The caller removes `folder` when done.
    ///
    /// - Parameters:
    ///   - remote: the remote's location, for messages.
    ///   - knownStages: the local store's stages.
    /// - Throws: `RegistryError.refused(.remotePolicy)` naming the mistake when it does not parse
    ///   (or names an allowed-signers file that could not be adopted); nothing is left behind.
    func staged(in parent: String, remote: String, knownStages: [String]) throws -> (policy: PromotionPolicy, folder: String) {
        guard let bytes = files[PromotionPolicy.fileName] else {
            throw RegistryError.refused(.remotePolicy(remote: remote, problem: "it has no policy.toml"))
        }
        for name in files.keys.sorted() where !Governance.isAdoptable(name) {
            throw RegistryError.refused(.remotePolicy(remote: remote, problem: "it names '\(name)' as a policy file, which is not a plain file name inside a store; its owner must fix it with 'mreg policy push --replace'"))
        }
        let folder = "\(parent)/tmp_obj_policy_\(getpid())_\(UInt64.random(in: 0...UInt64.max))"
        do {
            for (name, data) in files where name != PromotionPolicy.fileName {
                let path = "\(folder)/\(name)"
                try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                guard FileManager.default.createFile(atPath: path, contents: data) else {
                    throw RegistryError.io(.init("write", path, reason: "the file cannot be created"))
                }
            }
            guard let text = String(data: bytes, encoding: .utf8) else {
                throw RegistryError.refused(.remotePolicy(remote: remote, problem: "its policy.toml is not UTF-8 text; its owner must fix it with 'mreg policy push --replace'"))
            }
            var policy: PromotionPolicy
            do {
                policy = try PromotionPolicy.parse(text, path: "\(remote)/policy.toml", root: folder, knownStages: knownStages)
            } catch let RegistryError.badInput(.invalidPolicy(file, problem)) {
                throw RegistryError.refused(.remotePolicy(remote: remote, problem: "\(file) is invalid: \(problem); nothing was changed here (its owner must fix it with 'mreg policy push --replace')"))
            }
            // Only the allowed-signers file the policy names travels with it.
            for name in files.keys.sorted() where name != PromotionPolicy.fileName && policy.allowedSigners != "\(folder)/\(name)" {
                throw RegistryError.refused(.remotePolicy(remote: remote, problem: "it holds '\(name)', which its policy.toml does not name as its allowed-signers file; its owner must fix it with 'mreg policy push --replace'"))
            }
            policy.digest = PromotionPolicy.digest(policy: Array(bytes), allowedSignersAt: policy.allowedSigners)
            policy.legacyDigest = Digest.sha256(Array(bytes))
            return (policy, folder)
        } catch {
            try? FileManager.default.removeItem(atPath: folder)
            throw error
        }
    }
}
