import Foundation
import MregStore
import MregSupport

/// What mreg records about where a version came from, without being asked.
public enum Provenance {
    /// `{commit, branch, remote, dirty}` of the git repository around `directory`, or nil outside one.
    public static func git(in directory: String) -> JSONValue? {
        func git(_ arguments: String...) -> ProcessRunner.Output? { try? ProcessRunner.run("git", arguments, directory: directory) }
        guard let top = git("rev-parse", "--show-toplevel"), top.status == 0 else { return nil }
        let commit = git("rev-parse", "HEAD")
        let branch = git("rev-parse", "--abbrev-ref", "HEAD")
        let remote = git("config", "--get", "remote.origin.url")
        let status = git("status", "--porcelain", "--untracked-files=no")
        func text(_ o: ProcessRunner.Output?) -> String? {
            guard let o, o.status == 0 else { return nil }
            let t = o.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            return t.isEmpty ? nil : t
        }
        var out: [String: JSONValue] = [
            "commit": JSONValue(text(commit)),
            "branch": JSONValue(text(branch).flatMap { $0 == "HEAD" ? nil : $0 }),
            "remote": JSONValue(text(remote).map(redactCredentials)),
            "dirty": .bool(!(text(status) ?? "").isEmpty),
        ]
        if let root = text(top) { out["root"] = .string(root) }
        return .object(out)
    }

    /// Removes `user:password@` from a URL so tokens never land in the registry.
    public static func redactCredentials(_ url: String) -> String {
        guard let scheme = url.range(of: "://"), let at = url[scheme.upperBound...].firstIndex(of: "@") else { return url }
        let hostStart = url[scheme.upperBound...].firstIndex(of: "/") ?? url.endIndex
        guard at < hostStart else { return url }
        return String(url[..<scheme.upperBound]) + String(url[url.index(after: at)...])
    }

    /// The full provenance block for a registration made at `time` (`Timestamp.now()`).
    public static func capture(directory: String, identity: Identity, arguments: [String], time: String) -> [String: JSONValue] {
        capture(directory: directory, identity: identity, arguments: arguments, time: time, git: git(in: directory))
    }

    /// The full provenance block, with `git` (`git(in: directory)`) already read.
    public static func capture(directory: String, identity: Identity, arguments: [String], time: String, git: JSONValue?) -> [String: JSONValue] {
        var out: [String: JSONValue] = [
            "user": .string(identity.display),
            "host": .string(ProcessInfo.processInfo.hostName),
            "time": .string(time),
            "mreg_version": .string(MregVersion.string),
            "command": .array(arguments.map { .string($0) }),
            "cwd": .string(directory),
        ]
        if let git { out["git"] = git }
        return out
    }
}
