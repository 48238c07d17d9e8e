import Foundation
import MregStore
import MregSupport
import MregRegistry

/// What an audit found about one event's signature, checked now against the allowed-signers
/// file at the event's time: the `signature` column of `mreg audit`.
public enum SignatureStatus: String, Sendable, CaseIterable {
    /// The signature verifies, by a key the allowed-signers file gives the signer, valid at the event's time.
    case good
    /// The signature does not match the event (the event was changed after signing), cannot be
    /// read, or only one of `signer` and `signature` is present.
    case bad
    /// The signature matches the event, but its key is not the signer's in the allowed-signers
    /// file (or there is no allowed-signers file to check it against).
    case unknownKey = "unknown key"
    /// The signer's key was outside its validity (`valid-before`, `valid-after`) at the event's time.
    case expired

    /// Checks one event's signature: one `ssh-keygen -Y verify`, and for a failure that
    /// ssh-keygen does not explain, one `ssh-keygen -Y check-novalidate` (does the signature
    /// match the event at all?).
    ///
    /// - Parameters:
    ///   - payload: the event object's stored bytes (the signed bytes are taken from them).
    ///   - allowedSigners: the allowed-signers file, or nil when the policy names none.
    /// - Returns: the status and, for a failure, ssh-keygen's reason.
    public static func check(payload: [UInt8], signer: String?, signature: String?, time: String,
                             allowedSigners: String?) -> (status: SignatureStatus?, detail: String?) {
        guard signer != nil || signature != nil else { return (nil, nil) }
        guard let signer, let signature else {
            return (.bad, signer == nil ? "a signature without a signer" : "a signer without a signature")
        }
        guard let bytes = try? Event.signedBytes(payload: payload) else { return (.bad, "the event cannot be read") }
        guard let allowedSigners else {
            return matches(bytes, signature: signature)
                ? (.unknownKey, "the policy names no allowed-signers file") : (.bad, "the signature does not match the event")
        }
        let check: SSHSignature.Check
        do {
            check = try SSHSignature.verify(bytes, signature: signature, principal: signer, allowedSigners: allowedSigners, time: time)
        } catch {
            return (.unknownKey, "cannot be checked: \(error)")
        }
        if check.valid { return (.good, nil) }
        let message = check.message
        if message.contains("incorrect signature") || message.contains("Couldn't parse") || message.contains("sshsig") {
            return (.bad, message)
        }
        if message.contains("expired") || message.contains("not yet valid") {
            return (.expired, message)
        }
        return matches(bytes, signature: signature)
            ? (.unknownKey, "the key that signed is not \(signer)'s in \(allowedSigners)")
            : (.bad, "the signature does not match the event")
    }

    /// Whether `signature` is a signature of `bytes` by any key (`ssh-keygen -Y check-novalidate`).
    static func matches(_ bytes: [UInt8], signature: String) -> Bool {
        let sigPath = NSTemporaryDirectory() + "/mreg-audit-sig-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        guard FileManager.default.createFile(atPath: sigPath, contents: Data(signature.utf8)) else { return false }
        defer { try? FileManager.default.removeItem(atPath: sigPath) }
        guard let out = try? ProcessRunner.run("ssh-keygen", ["-Y", "check-novalidate", "-n", SSHSignature.namespace, "-s", sigPath],
                                               input: bytes) else { return false }
        return out.status == 0
    }
}
