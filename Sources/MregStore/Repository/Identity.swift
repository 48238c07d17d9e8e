import Foundation

/// Who is acting: from the environment, mreg's config, else git's. There is no fallback:
/// an entry of the audit trail names a person who said who they are.
public struct Identity: Sendable, Equatable, Codable {
    public var name: String
    public var email: String

    public init(name: String, email: String) {
        self.name = name
        self.email = email
    }

    /// `Name <email>`.
    public var display: String { email.isEmpty ? name : "\(name) <\(email)>" }

    /// Resolves the identity: `$MREG_USER_NAME`/`$MREG_USER_EMAIL`, then `user.name`/`user.email`
    /// in the store's or the user's mreg config, then git's config; each part from the first
    /// source that has it. Nil when the name or the email is configured nowhere (the OS user
    /// at this host is not an identity: it would put `root <root@host>` in the trail).
    public static func resolve(repository: Repository?, environment: [String: String] = ProcessInfo.processInfo.environment) -> Identity? {
        func nonEmpty(_ text: String?) -> String? {
            guard let text = text?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { return nil }
            return text
        }
        var name = nonEmpty(environment["MREG_USER_NAME"]) ?? nonEmpty(repository?.setting("user.name"))
        var email = nonEmpty(environment["MREG_USER_EMAIL"]) ?? nonEmpty(repository?.setting("user.email"))
        if name == nil { name = gitConfig("user.name", environment: environment) }
        if email == nil { email = gitConfig("user.email", environment: environment) }
        guard let name, let email else { return nil }
        return Identity(name: name, email: email)
    }

    /// git's setting `key`, or nil when git is not installed or has none.
    static func gitConfig(_ key: String, environment: [String: String]) -> String? {
        let out = try? ProcessRunner.run("git", ["config", "--get", key], environment: environment)
        guard let out, out.status == 0 else { return nil }
        let text = out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }
}
