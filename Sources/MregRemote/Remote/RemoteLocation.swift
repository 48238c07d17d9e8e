import Foundation
import MregStore
import MregSupport
import MregRegistry
import MregIndex
import MregGovernance

/// Where a remote lives: another store on a (shared) filesystem, or a bucket prefix
/// on an S3-compatible service.
///
///     try RemoteLocation.parse("/mnt/team/registry")      // .filesystem("/mnt/team/registry")
///     try RemoteLocation.parse("s3://models/team-a")      // .s3(bucket: "models", prefix: "team-a")
public enum RemoteLocation: Sendable, Equatable, CustomStringConvertible {
    /// An absolute path: a folder holding `.mreg`, or the `.mreg` folder itself.
    case filesystem(String)
    /// A bucket and a key prefix without leading or trailing `/` (may be empty).
    case s3(bucket: String, prefix: String)

    /// Parses a remote URL: `s3://bucket[/prefix]`, `file:///path`, or a path
    /// (made absolute against `directory`, default the current folder).
    public static func parse(_ text: String, relativeTo directory: String? = nil) throws -> RemoteLocation {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw RegistryError.badInput(.invalidRemoteURL(url: "", problem: "give a path to a store or s3://bucket/prefix")) }
        if trimmed.lowercased().hasPrefix("s3://") {
            let rest = trimmed.dropFirst(5)
            let parts = rest.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            let bucket = String(parts[0])
            try validateBucket(bucket, url: trimmed)
            var prefix = parts.count > 1 ? String(parts[1]) : ""
            while prefix.hasPrefix("/") { prefix.removeFirst() }
            while prefix.hasSuffix("/") { prefix.removeLast() }
            if !prefix.isEmpty, prefix.split(separator: "/", omittingEmptySubsequences: false).contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) {
                throw RegistryError.badInput(.invalidRemoteURL(url: trimmed, problem: "its prefix has an empty, '.' or '..' component: write s3://bucket/some/prefix"))
            }
            return .s3(bucket: bucket, prefix: prefix)
        }
        if let scheme = trimmed.range(of: "://"), !trimmed.lowercased().hasPrefix("file://") {
            throw RegistryError.badInput(.invalidRemoteURL(url: trimmed, problem: "unsupported scheme '\(trimmed[..<scheme.lowerBound])': use a path to a store or s3://bucket/prefix"))
        }
        var path = trimmed
        if path.lowercased().hasPrefix("file://") { path = String(path.dropFirst(7)) }
        if !path.hasPrefix("/"), let directory { path = "\(directory)/\(path)" }
        var absolute = Repository.absolute(path)
        while absolute.count > 1 && absolute.hasSuffix("/") { absolute.removeLast() }
        return .filesystem(absolute)
    }

    /// S3 bucket naming rules (3–63 characters: lowercase letters, digits, `.` and `-`).
    static func validateBucket(_ bucket: String, url: String) throws {
        let ok = (3...63).contains(bucket.count)
            && bucket.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "." || $0 == "-" }
            && bucket.first.map { $0.isASCII && ($0.isLetter || $0.isNumber) } == true
        if !ok {
            throw RegistryError.badInput(.invalidRemoteURL(url: url, problem: "'\(bucket)' is not a valid bucket name: use 3-63 lowercase letters, digits, '.' and '-'"))
        }
    }

    /// The URL as written back to config and output.
    public var description: String {
        switch self {
        case .filesystem(let path): return path
        case .s3(let bucket, let prefix): return prefix.isEmpty ? "s3://\(bucket)" : "s3://\(bucket)/\(prefix)"
        }
    }

    /// A folder name for `clone URL` without DIR: the last path or prefix component (without `.mreg`).
    public var defaultCloneDirectory: String {
        switch self {
        case .filesystem(let path):
            var name = (path as NSString).lastPathComponent
            if name == Repository.directoryName { name = ((path as NSString).deletingLastPathComponent as NSString).lastPathComponent }
            return name.isEmpty || name == "/" ? "registry" : name
        case .s3(let bucket, let prefix):
            return prefix.split(separator: "/").last.map(String.init) ?? bucket
        }
    }
}
