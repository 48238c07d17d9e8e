import Foundation
import MregStore
import MregSupport
import MregRegistry
import MregGovernance

/// The shared policy in a bucket (FORMAT.md §6):
///
///     <prefix>/policy                    "<64 hex> policy.toml\n<64 hex> allowed_signers\n"
///     <prefix>/policy-files/<64 hex>     a policy file's bytes, by their SHA-256 (immutable)
///
/// The files are written first (content-addressed, so never overwritten with other bytes),
/// then the pointer `<prefix>/policy` in one conditional PUT: `If-None-Match: *` for the
/// first policy, `If-Match: <ETag read>` to replace one. The pointer is the only thing that
/// changes, so a policy and its allowed-signers file always change together, and its ETag
/// (the MD5 of its text, which holds both digests) changes whenever either does.
extension S3Remote {
    var policyKey: String { "\(prefix)policy" }

    func policyFileKey(_ hex: String) -> String { "\(prefix)policy-files/\(hex)" }

    /// The remote's policy files, verified against their digests; nil when it has no policy.
    func readPolicy() throws -> RemotePolicy? {
        guard let (body, etag) = try client.get(policyKey) else { return nil }
        func damaged(_ reason: String) -> RegistryError {
            .corrupt(.init(object: "the policy pointer \(policyKey)", reason: reason, remote: "\(location)"))
        }
        var files = [String: Data]()
        for line in String(decoding: body, as: UTF8.self).split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: false)
            guard fields.count == 2, fields[0].count == 64, fields[0].allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else {
                throw damaged("the line '\(line.prefix(80))' is not '<64 hex> <file>'")
            }
            let hex = String(fields[0]), name = String(fields[1])
            guard Governance.isAdoptable(name), files[name] == nil else {
                throw damaged("'\(name.prefix(80))' is not a policy file name, or is named twice")
            }
            guard let (bytes, _) = try client.get(policyFileKey(hex)) else {
                throw damaged("\(policyFileKey(hex)) (its \(name)) is missing")
            }
            guard Digest.sha256(bytes) == "sha256:" + hex else {
                throw damaged("\(policyFileKey(hex)) (its \(name)) does not hash to its name")
            }
            files[name] = Data(bytes)
        }
        guard files[PromotionPolicy.fileName] != nil, files.count <= 8 else {
            throw damaged("it must name policy.toml (and at most a few other files)")
        }
        return RemotePolicy(files: files, token: etag)
    }

    /// Whether the remote has a policy list, and its ETag, without reading the files it names.
    func policyListTag() throws -> (exists: Bool, etag: String?) {
        guard let (_, etag) = try client.get(policyKey) else { return (false, nil) }
        return (true, etag)
    }

    /// Writes `files` as the remote's policy: the files, then the pointer, created only if the
    /// remote has no policy (`replacing` nil) or replacing only the one read with token `replacing`.
    ///
    /// - Returns: false when the condition did not hold (someone else set or changed the policy).
    func writePolicy(_ files: [String: Data], replacing token: String?) throws -> Bool {
        var pointer = ""
        let order = files.keys.sorted { ($0 == PromotionPolicy.fileName ? 0 : 1, $0) < ($1 == PromotionPolicy.fileName ? 0 : 1, $1) }
        for name in order {
            guard let data = files[name] else { continue }
            let hex = String(Digest.sha256(Array(data)).dropFirst("sha256:".count))
            if try !client.exists(policyFileKey(hex)) {
                _ = try client.put(policyFileKey(hex), bytes: Array(data))
            }
            pointer += "\(hex) \(name)\n"
        }
        let condition: S3Client.Condition = token.map { .etag($0) } ?? .absent
        switch try client.put(policyKey, bytes: Array(pointer.utf8), condition: condition) {
        case .stored: return true
        case .preconditionFailed:
            // A retried request may have stored our own pointer already.
            return try client.get(policyKey).map { $0.body == Array(pointer.utf8) } ?? false
        }
    }

    /// Moves a model's head back from `new` (written with ETag `tag`) to `old`, only if it is
    /// still the one this push wrote. Returns whether it moved back.
    func restoreHead(model: String, to old: ObjectID, ifStill tag: String) throws -> Bool {
        if case .stored = try client.put(headKey(model), bytes: Array("\(old.hex)\n".utf8), condition: .etag(tag)) { return true }
        return false
    }
}
