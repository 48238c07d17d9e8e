import Foundation

/// Who is acting: from mreg's config, else git's, else the OS user.
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
    /// in the store's or the user's mreg config, then git's config, then the OS user at this host.
    public static func resolve(repository: Repository?, environment: [String: String] = ProcessInfo.processInfo.environment) -> Identity {
        var name = environment["MREG_USER_NAME"].flatMap { $0.isEmpty ? nil : $0 } ?? repository?.setting("user.name")
        var email = environment["MREG_USER_EMAIL"].flatMap { $0.isEmpty ? nil : $0 } ?? repository?.setting("user.email")
        if name == nil || email == nil {
            if name == nil { name = gitConfig("user.name") }
            if email == nil { email = gitConfig("user.email") }
        }
        let user = environment["USER"] ?? environment["LOGNAME"] ?? NSUserName()
        return Identity(name: name ?? user, email: email ?? "\(user)@\(LocalHost.name())")
    }

    static func gitConfig(_ key: String) -> String? {
        let out = try? ProcessRunner.run("git", ["config", "--get", key])
        guard let out, out.status == 0 else { return nil }
        let text = out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }
}
