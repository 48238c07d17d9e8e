import MregSupport
import Foundation
import MregStore
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// The files a registration covers, with the paths they get in the manifest.
///
/// A folder contributes its contents relative to itself (recursively; `.git`, `.mreg` and
/// `.DS_Store` are skipped); a file contributes its own name. Symbolic links named on the
/// command line are followed (as `find -H` does). Symbolic links inside a folder are stored
/// as links (mode `120000`, their target text) when they lead to a place inside the folder,
/// and refused when they lead outside; with `dereference` (as `cp -L`), what they point to
/// is stored instead, and a link back to a folder that holds it is refused as a loop.
/// Names must be UTF-8 and paths within `ManifestPath`'s limits: nothing is ever skipped silently.
public struct FileWalker: Sendable {
    public struct Entry: Sendable, Equatable {
        /// Path in the manifest, `/`-separated.
        public var path: String
        /// Where the bytes are on disk.
        public var source: String
        public var size: Int64
        public var executable: Bool
        /// For a symbolic link stored as a link: its target text (then `size` is its length in bytes).
        public var target: String? = nil
        /// What the file was when it was walked: reading it later checks that it is still the same.
        var stamp: StatCache.Stamp? = nil

        public var mode: String {
            target != nil ? ManifestFile.linkMode : executable ? ManifestFile.executableMode : ManifestFile.fileMode
        }
    }

    static let skipped: Set<[UInt8]> = [Array(".git".utf8), Array(".mreg".utf8), Array(".DS_Store".utf8)]

    /// Walks `arguments` (files and folders).
    /// - Parameter dereference: store what symbolic links inside folders point to, instead of the links.
    /// - Throws: `RegistryError.notFound` for a missing argument, `.badInput` for a name, path or
    ///   link that cannot be stored (naming it), `.io` when a folder cannot be read.
    /// - Parameter exportable: refuse paths `export` would refuse (a backslash, a `.git` or `.mreg`
    ///   component), as for a version's files; a dataset, only hashed, does not need it.
    public static func walk(_ arguments: [String], dereference: Bool = false, exportable: Bool = true) throws -> [Entry] {
        var entries = [Entry]()
        var seen = [String: String]()
        for argument in arguments {
            var st = stat()
            guard stat(argument, &st) == 0 else {
                if errno == ENOENT || errno == ENOTDIR { throw RegistryError.notFound(.init(.input, argument)) }
                throw RegistryError.io(.init("read", argument, errno: errno))
            }
            let isDir = st.st_mode & S_IFMT == S_IFDIR
            let found = isDir ? try walkFolder(argument, dereference: dereference)
                              : [try entry(source: argument, path: (argument as NSString).lastPathComponent)]
            if isDir && found.isEmpty {
                throw RegistryError.badInput(.unusablePath(action: "register", path: argument, problem: "the folder holds no files"))
            }
            for e in found {
                if let other = seen[e.path] {
                    throw RegistryError.badInput(.duplicateInput(path: e.path, first: other, second: e.source))
                }
                seen[e.path] = e.source
                entries.append(e)
            }
        }
        entries.sort { $0.path < $1.path }
        try check(entries, exportable: exportable)
        return entries
    }

    /// Refuses entries that would make an invalid version (or, with `exportable`, one `export` refuses).
    static func check(_ entries: [Entry], exportable: Bool) throws {
        for e in entries {
            if let problem = ManifestPath.problem(e.path) ?? (exportable ? Registry.unsafePathReason(e.path) : nil) {
                throw RegistryError.badInput(.unusablePath(action: "register", path: ManifestPath.printable(e.source),
                                                           problem: "its path in the version ('\(ManifestPath.printable(e.path))') cannot be used: \(problem)"))
            }
        }
        let source = Dictionary(entries.map { ($0.path, $0.source) }, uniquingKeysWith: { a, _ in a })
        if let v = ManifestPath.violation(in: entries.map { ManifestPath.Entry(path: $0.path, target: $0.target) }) {
            let shown = ManifestPath.printable(source[v.path] ?? v.path)
            if let target = v.outsideTarget {
                throw RegistryError.badInput(.linkOutside(path: shown, target: ManifestPath.printable(target)))
            }
            throw RegistryError.badInput(.unusablePath(action: "register", path: shown, problem: v.problem))
        }
    }

    /// Identity of a folder, to notice one that holds itself.
    struct FolderID: Hashable {
        var device: UInt64
        var inode: UInt64
        init(_ st: stat) {
            device = UInt64(st.st_dev)
            inode = UInt64(st.st_ino)
        }
    }

    static func walkFolder(_ given: String, dereference: Bool) throws -> [Entry] {
        var root = given
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }  // `out/` names files `out/x`, not `out//x`
        let fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw RegistryError.io(.init("read the folder", root, errno: errno)) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let code = errno
            close(fd)
            throw RegistryError.io(.init("read the folder", root, errno: code))
        }
        let walker = Walk(root: root, realRoot: realPath(root), dereference: dereference)
        var out = [Entry]()
        try walker.visit(fd: fd, folder: root, relative: "", ancestors: [FolderID(st)], into: &out)
        return out
    }

    /// One folder walk: where it started and how links are taken.
    struct Walk {
        var root: String
        /// `root` with every symbolic link resolved, to check where links lead on disk.
        var realRoot: String?
        var dereference: Bool

        /// Adds the entries below the open folder `fd` (which this closes).
        func visit(fd: Int32, folder: String, relative: String, ancestors: Set<FolderID>, into out: inout [Entry]) throws {
            guard let dir = fdopendir(fd) else {
                let code = errno
                close(fd)
                throw RegistryError.io(.init("read the folder", folder, errno: code))
            }
            defer { closedir(dir) }
            var names = [[UInt8]]()
            while true {
                errno = 0
                guard let item = readdir(dir) else {
                    if errno != 0 { throw RegistryError.io(.init("read the folder", folder, errno: errno)) }
                    break
                }
                let name = withUnsafeBytes(of: item.pointee.d_name) { raw in Array(raw.prefix { $0 != 0 }) }
                if name == [0x2e] || name == [0x2e, 0x2e] || FileWalker.skipped.contains(name) { continue }
                names.append(name)
            }
            names.sort { $0.lexicographicallyPrecedes($1) }
            let dfd = dirfd(dir)
            for raw in names {
                let shownPath = "\(folder)/\(ManifestPath.printable(bytes: raw))"
                guard let name = String(validating: raw, as: UTF8.self) else {
                    throw RegistryError.badInput(.unusablePath(action: "register", path: shownPath,
                        problem: "its name is not UTF-8 text; mreg stores names as UTF-8 (FORMAT.md), so rename it"))
                }
                let full = "\(folder)/\(name)"
                let rel = relative.isEmpty ? name : "\(relative)/\(name)"
                if raw.count > ManifestPath.maximumNameBytes || full.utf8.count > ManifestPath.maximumBytes {
                    throw RegistryError.badInput(.unusablePath(action: "register", path: ManifestPath.printable(full),
                        problem: "the path is longer than \(ManifestPath.maximumBytes) bytes (or a name longer than \(ManifestPath.maximumNameBytes)), the most mreg stores"))
                }
                var st = stat()
                guard fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else {
                    throw RegistryError.io(.init("read", full, errno: errno))
                }
                switch st.st_mode & S_IFMT {
                case S_IFDIR:
                    try descend(dfd: dfd, name: name, full: full, rel: rel, st: st, followed: false, ancestors: ancestors, into: &out)
                case S_IFREG:
                    out.append(try FileWalker.entry(source: full, path: rel, status: st, in: dfd, name: name))
                case S_IFLNK:
                    try link(dfd: dfd, name: name, full: full, rel: rel, ancestors: ancestors, into: &out)
                default:
                    throw RegistryError.badInput(.unusablePath(action: "register", path: ManifestPath.printable(full),
                        problem: "it is not a regular file, folder or symbolic link"))
                }
            }
        }

        /// Walks into the folder `name` of `dfd`, refusing one that holds itself.
        func descend(dfd: Int32, name: String, full: String, rel: String, st: stat, followed: Bool,
                     ancestors: Set<FolderID>, into out: inout [Entry]) throws {
            let id = FolderID(st)
            guard !ancestors.contains(id) else {
                throw RegistryError.badInput(.unusablePath(action: "register", path: ManifestPath.printable(full),
                    problem: followed ? "it is a symbolic link to a folder that holds it (a loop)" : "it is a folder that holds itself (a loop)"))
            }
            let child = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | (followed ? 0 : O_NOFOLLOW))
            guard child >= 0 else { throw RegistryError.io(.init("read the folder", full, errno: errno)) }
            var now = stat()
            guard fstat(child, &now) == 0, FolderID(now) == id else {
                close(child)
                throw RegistryError.conflict(.inputChanged(path: full))
            }
            try visit(fd: child, folder: full, relative: rel, ancestors: ancestors.union([id]), into: &out)
        }

        /// A symbolic link: kept as a link, or followed with `dereference`.
        func link(dfd: Int32, name: String, full: String, rel: String, ancestors: Set<FolderID>, into out: inout [Entry]) throws {
            var buffer = [UInt8](repeating: 0, count: ManifestPath.maximumBytes + 2)
            let n = readlinkat(dfd, name, &buffer, buffer.count)
            guard n >= 0 else { throw RegistryError.io(.init("read the symbolic link", full, errno: errno)) }
            let raw = Array(buffer[0..<n])
            let shown = ManifestPath.printable(full)
            if dereference {
                var st = stat()
                guard fstatat(dfd, name, &st, 0) == 0 else {
                    throw RegistryError.badInput(.unusablePath(action: "register", path: shown,
                        problem: "it is a symbolic link to '\(ManifestPath.printable(bytes: raw))', which leads nowhere (\(ErrnoText.describe(errno)))"))
                }
                switch st.st_mode & S_IFMT {
                case S_IFDIR:
                    try descend(dfd: dfd, name: name, full: full, rel: rel, st: st, followed: true, ancestors: ancestors, into: &out)
                case S_IFREG:
                    out.append(try FileWalker.entry(source: full, path: rel, status: st))
                default:
                    throw RegistryError.badInput(.unusablePath(action: "register", path: shown,
                        problem: "it is a symbolic link to something that is not a regular file or folder"))
                }
                return
            }
            guard n <= ManifestPath.maximumBytes else {
                throw RegistryError.badInput(.unusablePath(action: "register", path: shown, problem: "its target is longer than \(ManifestPath.maximumBytes) bytes"))
            }
            guard let target = String(validating: raw, as: UTF8.self) else {
                throw RegistryError.badInput(.unusablePath(action: "register", path: shown,
                    problem: "it is a symbolic link whose target, '\(ManifestPath.printable(bytes: raw))', is not UTF-8 text; mreg stores link targets as UTF-8 (FORMAT.md)"))
            }
            if target.hasPrefix("/") { throw RegistryError.badInput(.linkOutside(path: shown, target: ManifestPath.printable(target))) }
            // Where it leads on disk now (when it leads anywhere) must be inside the folder too.
            if let realRoot, let real = FileWalker.realPath(full), real != realRoot, !real.hasPrefix(realRoot == "/" ? "/" : realRoot + "/") {
                throw RegistryError.badInput(.linkOutside(path: shown, target: ManifestPath.printable(target)))
            }
            var lst = stat()
            guard fstatat(dfd, name, &lst, AT_SYMLINK_NOFOLLOW) == 0 else { throw RegistryError.io(.init("read", full, errno: errno)) }
            out.append(Entry(path: rel, source: full, size: Int64(raw.count), executable: false, target: target, stamp: StatCache.Stamp(lst)))
        }
    }

    /// `path` with every symbolic link resolved, or nil when it leads nowhere.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(validatingCString: resolved)
    }

    /// A regular file named on the command line (followed if a link).
    static func entry(source: String, path: String) throws -> Entry {
        var st = stat()
        guard stat(source, &st) == 0 else { throw RegistryError.io(.init("read", source, errno: errno)) }
        guard st.st_mode & S_IFMT == S_IFREG else {
            throw RegistryError.badInput(.unusablePath(action: "register", path: source, problem: "not a regular file"))
        }
        return try entry(source: source, path: path, status: st)
    }

    /// - Parameters: dfd, name: the open folder holding the file and its name there, to check
    ///   access without looking the whole path up again.
    static func entry(source: String, path: String, status st: stat, in dfd: Int32? = nil, name: String? = nil) throws -> Entry {
        let readable = if let dfd, let name { faccessat(dfd, name, R_OK, 0) == 0 } else { access(source, R_OK) == 0 }
        guard readable else {
            throw RegistryError.io(.init("register", source, errno: Errno.permissionDenied.rawValue))
        }
        return Entry(path: path, source: source, size: Int64(st.st_size), executable: st.st_mode & 0o100 != 0, stamp: StatCache.Stamp(st))
    }
}
