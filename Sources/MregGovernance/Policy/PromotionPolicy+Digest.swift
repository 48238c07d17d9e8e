import Foundation
import MregSupport

/// The policy digest recorded in verdicts and shown by `policy` and `audit` (FORMAT.md §4.2):
/// it covers `policy.toml` and the allowed-signers file it names, so swapping a key changes it.
extension PromotionPolicy {
    /// The first line of the bytes the digest is taken over (the framing's version).
    static let digestFraming = "mreg-policy-digest/2\n"

    /// `sha256:` of `mreg-policy-digest/2\n`, `policy.toml <N>\n` and the N bytes of the policy,
    /// then, when `allowedSigners` is given (the file the policy names, read), `allowed_signers <M>\n`
    /// and its M bytes (N and M in decimal): each part is length-prefixed, so no two pairs of
    /// files give the same input.
    public static func digest(policy: [UInt8], allowedSigners: [UInt8]?) -> String {
        var input = Array(digestFraming.utf8)
        input += Array("policy.toml \(policy.count)\n".utf8) + policy
        if let allowedSigners {
            input += Array("allowed_signers \(allowedSigners.count)\n".utf8) + allowedSigners
        }
        return Digest.sha256(input)
    }

    /// The digest of `policy` and of the allowed-signers file the parsed policy names (at
    /// `allowedSigners`), when that file can be read; a file that cannot be read adds no part.
    public static func digest(policy: [UInt8], allowedSignersAt path: String?) -> String {
        digest(policy: policy, allowedSigners: path.flatMap { FileManager.default.contents(atPath: $0) }.map { Array($0) })
    }
}
