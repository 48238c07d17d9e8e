import Foundation
import MregStore
import SystemPackage
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The staging folder an export writes into, inside its target folder, and the moves that
/// put what it holds into place — or take them back when the export fails.
///
/// Its name records its owner as a lock file does: `.mreg-export-<pid>@<host>~<random>`.
/// An export removes the staging folders of exports that died (`kill -9`, a crash): those whose
/// host is this one and whose process is no longer running. Any other (a live export, another
/// host's, a name it cannot read) is left alone.
///
/// Inside it, `tree/` mirrors the version's paths and `old/` keeps the files `--force`
/// replaced until the export has succeeded.
final class ExportStaging {
    /// What every staging folder's name starts with.
    static let prefix = ".mreg-export-"

    /// One move into the target, as recorded for undoing it.
    private enum Step {
        /// `tree/<path>` was renamed to `<target>/<path>` (a file, or a whole new folder).
        case moved(String)
        /// `<target>/<path>` was renamed to `backup` to make room (`--force`).
        case replaced(String, backup: String)
    }

    /// The export's target folder.
    let target: String
    /// The staging folder.
    let path: String
    /// Where the version's files are written, at their paths.
    var tree: String { "\(path)/tree" }
    private var journal: [Step] = []
    private var backups = 0

    /// Creates a staging folder in `target` (which exists).
    init(in target: String) throws {
        self.target = target
        path = "\(target)/\(Self.name(pid: getpid(), host: Self.hostName(), random: UInt64.random(in: 0...UInt64.max)))"
        for folder in [path, "\(path)/tree"] {
            guard mkdir(folder, 0o777) == 0 else {
                let code = errno
                if folder != path { Self.removeTree(path) }
                throw RegistryError.io(.init("write into", target, errno: code))
            }
        }
    }

    /// `.mreg-export-<pid>@<host>~<random>`; a host that could not be read back is written `?`.
    static func name(pid: Int32, host: String, random: UInt64) -> String {
        let safe = !host.isEmpty && host.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x2d || c == 0x2e || c == 0x5f
        }
        return "\(prefix)\(pid)@\(safe ? host : "?")~\(String(random, radix: 36))"
    }

    /// The process a staging folder's name records, or nil when the name is not one.
    static func owner(ofName name: String) -> (pid: Int32, host: String)? {
        guard name.hasPrefix(prefix) else { return nil }
        let rest = name.dropFirst(prefix.count)
        guard let at = rest.firstIndex(of: "@"), let tilde = rest.lastIndex(of: "~"), at < tilde,
              let pid = Int32(rest[..<at]), pid > 0 else { return nil }
        let host = String(rest[rest.index(after: at)..<tilde])
        guard !host.isEmpty, host != "?" else { return nil }
        return (pid, host)
    }

    /// Removes the staging folders in `target` left by exports that died on this host (see the
    /// type's summary); returns their names. Best effort: what cannot be removed stays.
    @discardableResult
    static func removeStale(in target: String) -> [String] {
        var removed = [String]()
        for name in FileSystem.listDirectory(target) where name.hasPrefix(prefix) {
            guard let owner = owner(ofName: name),
                  LockFile.Owner(pid: owner.pid, host: owner.host, time: "").isDeadLocalProcess,
                  FileSystem.linkStatus(FilePath("\(target)/\(name)"))?.isDirectory == true else { continue }
            removeTree("\(target)/\(name)")
            removed.append(name)
        }
        return removed
    }

    /// Moves everything under `tree/` into the target, folder by folder: what the target lacks
    /// is renamed in whole (a new folder in one rename), a folder in both is merged, and a file
    /// in both is replaced only when `force` (the old one kept until the staging folder is
    /// removed). On failure every move made is undone before the error is thrown.
    ///
    /// - Parameter paths: the files written under `tree/` (no path is both a file and a folder).
    func install(_ paths: [String], force: Bool, version: String) throws {
        // In byte order the paths of one folder are next to each other.
        var entries = paths.map { Substring($0) }
        if !zip(entries, entries.dropFirst()).allSatisfy({ $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            entries.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        }
        do {
            try merge(entries, at: "", force: force, version: version)
        } catch {
            rollBack()
            throw error
        }
    }

    /// Merges `entries` (paths relative to `relative`, in byte order) into the target.
    private func merge(_ entries: [Substring], at relative: String, force: Bool, version: String) throws {
        var i = 0
        while i < entries.count {
            let entry = entries[i]
            let slash = entry.utf8.firstIndex(of: UInt8(ascii: "/"))
            let name = slash.map { entry[..<$0] } ?? entry
            // The entries under the same first name: the folder's files (or the one file).
            var j = i + 1
            if slash != nil {
                while j < entries.count, let s = entries[j].utf8.firstIndex(of: UInt8(ascii: "/")),
                      entries[j].utf8[..<s].elementsEqual(name.utf8) { j += 1 }
            }
            let rel = relative.isEmpty ? String(name) : "\(relative)/\(name)"
            let source = "\(tree)/\(rel)", destination = "\(target)/\(rel)"
            defer { i = j }
            guard let existing = FileSystem.linkStatus(FilePath(destination)) else {
                try move(source, to: destination, path: rel)
                journal.append(.moved(rel))
                continue
            }
            if slash != nil {
                // A folder of the version.
                if existing.isSymbolicLink {
                    throw RegistryError.refused(.unsafeExport(path: rel, version: version, reason: "'\(destination)' is a symbolic link"))
                }
                guard existing.isDirectory else {
                    throw RegistryError.badInput(.unusablePath(action: "export", path: rel, problem: "'\(destination)' is not a folder"))
                }
                let inner = entries[i..<j].compactMap { e in
                    e.utf8.firstIndex(of: UInt8(ascii: "/")).map { e[e.utf8.index(after: $0)...] }
                }
                try merge(inner, at: rel, force: force, version: version)
                continue
            }
            if existing.isDirectory {
                throw RegistryError.badInput(.unusablePath(action: "export", path: rel, problem: "a folder is in the way; remove it or export into another folder"))
            }
            guard force else { throw RegistryError.conflict(.pathExists(path: destination)) }
            if backups == 0 {
                guard mkdir("\(path)/old", 0o700) == 0 || errno == EEXIST else {
                    throw RegistryError.io(.init("write into", path, errno: errno))
                }
            }
            let backup = "\(path)/old/\(backups)"
            backups += 1
            try move(destination, to: backup, path: rel)
            journal.append(.replaced(rel, backup: backup))
            try move(source, to: destination, path: rel)
            journal.append(.moved(rel))
        }
    }

    private func move(_ from: String, to: String, path: String) throws {
        try RegistryError.mappingStoreIO(operation: "move into place", path: path) {
            try FileSystem.move(FilePath(from), to: FilePath(to))
        }
    }

    /// Undoes the moves made, newest first: what was moved in goes back into the staging
    /// folder (removed with it), what was replaced comes back. Best effort.
    func rollBack() {
        for step in journal.reversed() {
            switch step {
            case .moved(let rel):
                try? FileSystem.move(FilePath("\(target)/\(rel)"), to: FilePath("\(tree)/\(rel)"))
            case .replaced(let rel, let backup):
                try? FileSystem.move(FilePath(backup), to: FilePath("\(target)/\(rel)"))
            }
        }
        journal = []
    }

    /// Removes the staging folder and what is left in it (replaced files, after success;
    /// everything written, after a failure).
    func remove() {
        Self.removeTree(path)
    }

    /// Removes a folder and everything in it, never following a symbolic link. Best effort.
    static func removeTree(_ path: String) {
        removeTree(FilePath(path))
    }

    private static func removeTree(_ path: FilePath) {
        guard let status = FileSystem.linkStatus(path) else { return }
        guard status.isDirectory else { FileSystem.removeIfPresent(path); return }
        for name in FileSystem.listDirectory(path) {
            removeTree(path.appending(name))
        }
        FileSystem.removeEmptyDirectory(path)
    }

    /// This host's name, as `gethostname` gives it (what lock files record).
    static func hostName() -> String {
        var buf = [CChar](repeating: 0, count: 256)
        guard gethostname(&buf, buf.count - 1) == 0 else { return "localhost" }
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
