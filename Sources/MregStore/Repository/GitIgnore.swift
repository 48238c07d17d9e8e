import Foundation
import SystemPackage

/// Keeping a store out of the git work tree it was created in: `mreg init` and `mreg clone`
/// add `.mreg/` to the work tree's top-level `.gitignore` unless git already ignores the store.
public enum GitIgnore {
    /// The line added: it matches a `.mreg` folder anywhere in the work tree.
    public static let pattern = ".mreg/"

    /// What `ensureIgnored` did.
    public enum Outcome: Sendable, Equatable {
        /// git is not installed, or the store is not inside a git work tree.
        case notInWorkTree
        /// git already ignores the store.
        case alreadyIgnored
        /// The line was added to this `.gitignore` (created when `created`).
        case added(path: String, created: Bool)
        /// The `.gitignore` lists the line, yet git does not ignore the store (a later `!` rule, or files of it are tracked).
        case listedButNotIgnored(path: String)
    }

    /// Adds `.mreg/` to the top-level `.gitignore` of the git work tree holding `storeRoot`
    /// (creating the file, never adding the line twice, ending it with a newline), unless
    /// git is missing, the store is not in a work tree, or `git check-ignore` says it is ignored.
    ///
    /// - Throws: when the `.gitignore` cannot be read or written.
    public static func ensureIgnored(storeRoot: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Outcome {
        let folder = (storeRoot as NSString).deletingLastPathComponent
        guard let top = git(["rev-parse", "--show-toplevel"], in: folder, environment: environment), top.status == 0 else {
            return .notInWorkTree
        }
        let topLevel = top.stdout.trimmingCharacters(in: .newlines)
        guard !topLevel.isEmpty else { return .notInWorkTree }
        // 0: ignored; 1: not ignored; anything else (128): git could not tell, so leave the file alone.
        guard let check = git(["check-ignore", "-q", "--", storeRoot + "/"], in: folder, environment: environment) else {
            return .notInWorkTree
        }
        if check.status == 0 { return .alreadyIgnored }
        guard check.status == 1 else { return .notInWorkTree }

        let path = URL(fileURLWithPath: "\(topLevel)/.gitignore").resolvingSymlinksInPath().path
        let existing = FileManager.default.fileExists(atPath: path)
        var bytes = [UInt8]()
        var mode: mode_t = 0o644
        if existing {
            let file = try OpenFile.forReading(FilePath(path))
            defer { file.close() }
            bytes = try file.readToEnd()
            var st = stat()
            if stat(path, &st) == 0 { mode = st.st_mode & 0o7777 }
        }
        let text = String(decoding: bytes, as: UTF8.self)
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        if lines.contains(pattern) || lines.contains("/" + pattern) { return .listedButNotIgnored(path: path) }
        var added = bytes
        if let last = added.last, last != UInt8(ascii: "\n") { added.append(UInt8(ascii: "\n")) }
        added += Array("\(pattern)\n".utf8)
        try write(added, to: path, mode: mode)
        return .added(path: path, created: !existing)
    }

    /// Runs git in `folder`; nil when git cannot be started.
    static func git(_ arguments: [String], in folder: String, environment: [String: String]) -> ProcessRunner.Output? {
        try? ProcessRunner.run("git", arguments, directory: folder, environment: environment, timeout: .seconds(30))
    }

    /// Replaces `path` atomically (a temp file beside it, then rename).
    static func write(_ bytes: [UInt8], to path: String, mode: mode_t) throws {
        let temp = FilePath("\(path).mreg-tmp~\(String(UInt64.random(in: 0...UInt64.max), radix: 36))")
        let file = try OpenFile.creatingNew(temp, permissions: mode)
        do {
            do {
                defer { file.close() }
                try file.writeAll(bytes)
                try file.sync()
            }
            try FileSystem.move(temp, to: FilePath(path))
        } catch {
            FileSystem.removeIfPresent(temp)
            throw error
        }
    }
}
