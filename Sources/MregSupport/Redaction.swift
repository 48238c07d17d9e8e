/// Hides credentials before text reaches a terminal, a log or JSON output.
///
/// Two kinds of secret reach mreg's output paths: settings whose name says they are secret
/// (`remote.NAME.secretAccessKey`, `…sessionToken`, anything with "password"), and the
/// `user:password@` part of a URL (an S3 endpoint such as `http://AKIA…:wJal…@minio:9000`).
/// Both are replaced by `***`; the rest stays readable so a user can still tell settings apart.
public enum Redaction {
    /// What a hidden value is shown as.
    public static let mask = "***"

    /// Whether a setting's key names a secret (by its last component, case-insensitively).
    public static func isSecret(key: String) -> Bool {
        let last = (key.split(separator: ".").last.map(String.init) ?? key).lowercased()
        return ["secret", "token", "password", "passwd", "credential"].contains { last.contains($0) }
    }

    /// A setting's value as it may be shown: masked when the key is secret, URL credentials hidden otherwise.
    public static func setting(key: String, value: String) -> String {
        isSecret(key: key) ? mask : url(value)
    }

    /// Text with the password of every `scheme://user:password@host` (and a bare `user@`'s user) hidden.
    ///
    /// Works on any text, not only a parsed URL, so it also cleans error messages that quote one.
    public static func url(_ text: String) -> String {
        guard text.contains("://"), text.contains("@") else { return text }
        var out = ""
        var rest = Substring(text)
        while let scheme = rest.range(of: "://") {
            out += rest[..<scheme.upperBound]
            rest = rest[scheme.upperBound...]
            // The authority ends at the first '/', '?', '#' or whitespace.
            let end = rest.firstIndex { "/?#".contains($0) || $0.isWhitespace } ?? rest.endIndex
            let authority = rest[..<end]
            if let at = authority.lastIndex(of: "@") {
                let user = authority[..<at]
                let name = user.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
                out += user.contains(":") ? "\(name):\(mask)@" : "\(mask)@"
                rest = rest[rest.index(after: at)...]
            }
        }
        return out + rest
    }
}
