import Foundation
import MregStore
import MregSupport
import MregRegistry
import MregIndex
import MregGovernance

/// Endpoint, region, credentials and addressing for one S3 remote.
///
/// Each value comes from the remote's config (`remote.<name>.endpoint`, `.region`,
/// `.accessKeyId`, `.secretAccessKey`, `.sessionToken`, `.pathStyle`), else from the
/// usual AWS variables (`AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`, `AWS_REGION`,
/// `AWS_DEFAULT_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
/// `AWS_SESSION_TOKEN`), else from `~/.aws/credentials` (profile `$AWS_PROFILE` or
/// `default`). Without an endpoint, AWS itself is used with virtual-hosted addressing;
/// a custom endpoint (MinIO, Ceph, a local test server) gets path-style addressing.
public struct S3Settings: Sendable, Equatable {
    /// `scheme://host[:port]`, without a trailing `/`.
    public var endpoint: URL
    public var region: String
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?
    /// `endpoint/bucket/key` rather than `bucket.endpoint/key`.
    public var pathStyle: Bool

    public init(endpoint: URL, region: String, accessKeyID: String, secretAccessKey: String,
                sessionToken: String? = nil, pathStyle: Bool) {
        self.endpoint = endpoint
        self.region = region
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.pathStyle = pathStyle
    }

    /// Resolves the settings for a remote (`name` nil: an unnamed URL or a clone in progress).
    public static func resolve(remote name: String?, bucket: String, config: (String) -> String?,
                               environment: [String: String] = ProcessInfo.processInfo.environment) throws -> S3Settings {
        func setting(_ key: String, _ variables: [String]) -> String? {
            if let name, let v = config("remote.\(name).\(key)"), !v.isEmpty { return v }
            for variable in variables { if let v = environment[variable], !v.isEmpty { return v } }
            return nil
        }
        let region = setting("region", ["AWS_REGION", "AWS_DEFAULT_REGION"]) ?? "us-east-1"
        let endpointText = setting("endpoint", ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"])
        let endpoint: URL
        var pathStyle: Bool
        if let endpointText {
            var text = endpointText
            if !text.contains("://") { text = "https://" + text }
            while text.hasSuffix("/") { text.removeLast() }
            guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme), url.host != nil else {
                throw RegistryError.badInput(.invalidSetting(key: "the S3 endpoint", value: Redaction.url(endpointText), expected: "an http(s) URL such as http://127.0.0.1:9000"))
            }
            endpoint = url
            pathStyle = true
        } else {
            guard let url = URL(string: region == "us-east-1" ? "https://s3.amazonaws.com" : "https://s3.\(region).amazonaws.com") else {
                throw RegistryError.badInput(.invalidSetting(key: "the S3 region", value: region, expected: "a region name such as eu-west-1"))
            }
            endpoint = url
            pathStyle = bucket.contains(".")
        }
        if let name, let forced = config("remote.\(name).pathStyle") {
            pathStyle = ["true", "yes", "on", "1"].contains(forced.lowercased())
        }
        var access = setting("accessKeyId", ["AWS_ACCESS_KEY_ID"])
        var secret = setting("secretAccessKey", ["AWS_SECRET_ACCESS_KEY"])
        var token = setting("sessionToken", ["AWS_SESSION_TOKEN"])
        if access == nil || secret == nil, let file = sharedCredentials(environment: environment) {
            access = access ?? file.access
            secret = secret ?? file.secret
            token = token ?? file.token
        }
        guard let access, let secret else {
            let key = name.map { "remote.\($0)." } ?? "remote.<name>."
            throw RegistryError.badInput(.noCredentials(settingPrefix: key))
        }
        return S3Settings(endpoint: endpoint, region: region, accessKeyID: access, secretAccessKey: secret,
                          sessionToken: token, pathStyle: pathStyle)
    }

    /// Keys from `~/.aws/credentials` (or `$AWS_SHARED_CREDENTIALS_FILE`), profile `$AWS_PROFILE` or `default`.
    static func sharedCredentials(environment: [String: String]) -> (access: String?, secret: String?, token: String?)? {
        let home = environment["HOME"] ?? NSHomeDirectory()
        let path = environment["AWS_SHARED_CREDENTIALS_FILE"] ?? "\(home)/.aws/credentials"
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let profile = environment["AWS_PROFILE"] ?? "default"
        var section = ""
        var values = [String: String]()
        for raw in String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                section = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                continue
            }
            guard section == profile, let eq = line.firstIndex(of: "=") else { continue }
            values[line[..<eq].trimmingCharacters(in: .whitespaces).lowercased()] = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
        }
        if values.isEmpty { return nil }
        return (values["aws_access_key_id"], values["aws_secret_access_key"], values["aws_session_token"])
    }
}
