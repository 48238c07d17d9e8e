import Foundation
import MregStore
import MregSupport
import MregRegistry
import MregFilter

/// Signing and checking events with OpenSSH keys, as git does with `gpg.format = ssh`:
/// `ssh-keygen -Y sign` and `ssh-keygen -Y verify` in the namespace `mreg-event`.
public enum SSHSignature {
    /// The signature namespace: a signature made for mreg events cannot pass as one for git commits or files.
    public static let namespace = "mreg-event"

    /// The result of checking one signature.
    public struct Check: Sendable, Equatable {
        public var valid: Bool
        /// ssh-keygen's own words: `Good "mreg-event" signature for ada@example.com with ED25519 key SHA256:…`,
        /// or why it failed.
        public var message: String
        /// `SHA256:…` of the key that made a good signature.
        public var fingerprint: String?
    }

    /// Signs `bytes` with the private key at `keyPath` (or a public key whose private half is in ssh-agent).
    ///
    /// - Returns: the armored signature (`-----BEGIN SSH SIGNATURE-----` …).
    public static func sign(_ bytes: [UInt8], keyPath: String) throws -> String {
        guard FileManager.default.fileExists(atPath: keyPath) else {
            throw RegistryError.notFound(.init(.signingKey, keyPath))
        }
        guard let out = try? ProcessRunner.run("ssh-keygen", ["-q", "-Y", "sign", "-f", keyPath, "-n", namespace], input: bytes) else {
            throw missingTool()
        }
        let armored = out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        guard out.status == 0, armored.hasPrefix("-----BEGIN SSH SIGNATURE-----") else {
            throw RegistryError.refused(.signingFailed(key: keyPath, detail: oneLine(out.stderr, or: "exit status \(out.status)")))
        }
        return armored + "\n"
    }

    /// Checks that `signature` is a good signature of `bytes` by `principal`'s key in the
    /// allowed-signers file, valid at `time` (RFC 3339, the event's time) when given.
    public static func verify(_ bytes: [UInt8], signature: String, principal: String, allowedSigners: String,
                              time: String? = nil) throws -> Check {
        guard FileManager.default.fileExists(atPath: allowedSigners) else {
            return Check(valid: false, message: "the allowed-signers file '\(allowedSigners)' does not exist", fingerprint: nil)
        }
        let sigPath = NSTemporaryDirectory() + "/mreg-sig-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        guard FileManager.default.createFile(atPath: sigPath, contents: Data(signature.utf8)) else {
            throw RegistryError.io(.init("create a temporary file (to check a signature) in", NSTemporaryDirectory(), reason: "is it writable?"))
        }
        defer { try? FileManager.default.removeItem(atPath: sigPath) }
        var args = ["-Y", "verify", "-f", allowedSigners, "-I", principal, "-n", namespace, "-s", sigPath]
        if let time, let date = Timestamp.parse(time) {
            args.append("-Overify-time=" + verifyTime(date))
        }
        guard let out = try? ProcessRunner.run("ssh-keygen", args, input: bytes) else { throw missingTool() }
        let said = oneLine(out.stdout, or: "")
        if out.status == 0, said.hasPrefix("Good") {
            let fingerprint = said.split(separator: " ").last.map(String.init).flatMap { $0.hasPrefix("SHA256:") ? $0 : nil }
            return Check(valid: true, message: said, fingerprint: fingerprint)
        }
        let why = oneLine(out.stderr, or: said.isEmpty ? "ssh-keygen exit status \(out.status)" : said)
        return Check(valid: false, message: why, fingerprint: nil)
    }

    /// `YYYYMMDDHHMMSSZ`, the form `ssh-keygen -Overify-time` takes.
    static func verifyTime(_ date: Date) -> String {
        Timestamp.format(date).filter(\.isNumber) + "Z"  // proleptic Gregorian, as recorded
    }

    static func missingTool() -> RegistryError {
        RegistryError.notFound(.init(.program, "ssh-keygen"))
    }

    /// The last non-empty line of a tool's output (its conclusion), else `fallback`.
    static func oneLine(_ text: String, or fallback: String) -> String {
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return lines.last ?? fallback
    }

    /// The principals the allowed-signers file lists for the public half of the key at `keyPath`
    /// (empty when the file does not list that key, or the public key cannot be read).
    public static func principals(ofKey keyPath: String, allowedSigners: String) -> [String] {
        guard let listed = try? String(contentsOfFile: allowedSigners, encoding: .utf8),
              let blob = publicKeyBlob(keyPath) else { return [] }
        var found: [String] = []
        for line in listed.split(whereSeparator: \.isNewline) {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let first = fields.first, !first.hasPrefix("#"), fields.dropFirst().contains(blob) else { continue }
            found += first.split(separator: ",").map(String.init)
        }
        return found
    }

    /// The base64 blob of the public key for `keyPath`: the file itself if it is a public key, else
    /// `keyPath.pub`, else what `ssh-keygen -y` derives from the private key.
    static func publicKeyBlob(_ keyPath: String) -> String? {
        func blob(_ text: String) -> String? {
            let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0.isNewline })
            guard fields.count >= 2, ["ssh-", "ecdsa-", "sk-"].contains(where: { fields[0].hasPrefix($0) }) else { return nil }
            return String(fields[1])
        }
        for path in [keyPath, keyPath + ".pub"] {
            if let text = try? String(contentsOfFile: path, encoding: .utf8), let b = blob(text) { return b }
        }
        guard let out = try? ProcessRunner.run("ssh-keygen", ["-y", "-P", "", "-f", keyPath], input: []), out.status == 0 else { return nil }
        return blob(out.stdout)
    }
}
