import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What a compare-and-swap expects a ref to hold before it moves.
public enum RefExpectation: Sendable, Equatable {
    /// Move whatever it holds.
    case any
    /// The ref must not exist yet (create-only).
    case absent
    /// The ref must hold exactly this id.
    case value(ObjectID)
}

/// Refs as files under `.mreg/refs/`, each holding one id and a newline.
///
/// A ref changes only under its `<ref>.lock`: take the lock, check the old
/// value, write a temp file, fsync, rename it over the ref, drop the lock.
/// Readers see the old or the new value, never a mix.
public struct RefStore: Sendable {
    /// The store's root (the `.mreg` folder); ref `refs/x` is the file `root/refs/x`.
    public let root: String
    public var sharedGroup: Bool

    public init(root: String, sharedGroup: Bool = false) {
        self.root = root
        self.sharedGroup = sharedGroup
    }

    public func path(for name: RefName) -> String { "\(root)/\(name.rawValue)" }

    /// The id a ref holds, or nil when it does not exist.
    public func read(_ name: RefName) throws -> ObjectID? {
        let p = path(for: name)
        guard let data = FileManager.default.contents(atPath: p) else {
            if Posix.isDirectory(p) { return nil }
            return nil
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let id = ObjectID(parsing: text) else {
            throw StoreError(.corrupt, "ref \(name) is corrupt: '\(p)' does not hold an object id", path: p)
        }
        return id
    }

    /// Moves (or creates) a ref by compare-and-swap.
    public func update(_ name: RefName, to new: ObjectID, expecting old: RefExpectation = .any) throws {
        let target = path(for: name)
        // Folders this update creates; a refused update removes them again (if still empty).
        var missing = [String]()
        var dir = (target as NSString).deletingLastPathComponent
        while dir.count > root.count && !Posix.exists(dir) {
            missing.append(dir)
            dir = (dir as NSString).deletingLastPathComponent
        }
        do {
            try compareAndSwap(name, target: target, to: new, expecting: old)
        } catch {
            for dir in missing { _ = rmdir(dir) }
            throw error
        }
    }

    private func compareAndSwap(_ name: RefName, target: String, to new: ObjectID, expecting old: RefExpectation) throws {
        // Another process's refused update may remove a folder it had just created,
        // between our mkdir and our lock: create it again and retry.
        var lock: LockFile?
        for attempt in 0..<5 {
            try ensureParent(of: target, name: name)
            do {
                lock = try LockFile(for: target, mode: fileMode)
                break
            } catch let e as StoreError where e.code == .notFound && attempt < 4 {
                continue
            }
        }
        defer { lock?.release() }
        try check(name, expecting: old)
        let temp = "\(target).lock~\(Posix.randomSuffix())"
        let fd = try Posix.open(temp, O_WRONLY | O_CREAT | O_EXCL, mode: fileMode)
        do {
            try Posix.writeAll(fd, Array("\(new.hex)\n".utf8), path: temp)
            try Posix.fsync(fd, path: temp)
            Posix.close(fd)
            if sharedGroup { _ = chmod(temp, fileMode) }
            try Posix.rename(temp, target)
        } catch {
            Posix.close(fd)
            Posix.unlink(temp)
            throw error
        }
    }

    /// Deletes a ref by compare-and-swap.
    public func delete(_ name: RefName, expecting old: RefExpectation = .any) throws {
        let target = path(for: name)
        guard Posix.exists(target) else {
            if case .value = old { throw StoreError(.modified, "ref \(name) does not exist") }
            throw StoreError(.notFound, "ref \(name) does not exist")
        }
        let lock = try LockFile(for: target, mode: fileMode)
        defer { lock.release() }
        try check(name, expecting: old)
        if Glibc.unlink(target) != 0 { throw Posix.error("delete", target) }
    }

    private func check(_ name: RefName, expecting old: RefExpectation) throws {
        let current = try read(name)
        switch old {
        case .any: return
        case .absent:
            if let current {
                throw StoreError(.modified, "ref \(name) already exists (at \(current.abbreviated()))")
            }
        case .value(let expected):
            guard let current else {
                throw StoreError(.modified, "ref \(name) was expected at \(expected.abbreviated()) but does not exist")
            }
            if current != expected {
                throw StoreError(.modified, "ref \(name) is at \(current.abbreviated()), not the expected \(expected.abbreviated()): someone else moved it")
            }
        }
    }

    private func ensureParent(of target: String, name: RefName) throws {
        let parent = (target as NSString).deletingLastPathComponent
        // A ref cannot be both a file and a folder (refs/a and refs/a/b).
        var dir = parent
        while dir.count > root.count {
            var st = stat()
            if stat(dir, &st) == 0 && (st.st_mode & S_IFMT) != S_IFDIR {
                throw StoreError(.alreadyExists, "cannot create ref \(name): ref \(dir.dropFirst(root.count + 1)) exists")
            }
            dir = (dir as NSString).deletingLastPathComponent
        }
        if Posix.isDirectory(target) {
            throw StoreError(.alreadyExists, "cannot create ref \(name): refs exist below it")
        }
        try Posix.makeDirectories(parent, mode: sharedGroup ? 0o2775 : 0o755)
    }

    var fileMode: mode_t { sharedGroup ? 0o664 : 0o644 }

    /// All refs whose names start with `prefix` (default `refs/`), sorted by name.
    public func list(prefix: String = "refs/") throws -> [(name: RefName, id: ObjectID)] {
        var out = [(RefName, ObjectID)]()
        // Start at the deepest folder the prefix names fully.
        let base = prefix.hasSuffix("/") ? String(prefix.dropLast()) : (prefix as NSString).deletingLastPathComponent
        let start = base.isEmpty ? "refs" : base
        guard start.hasPrefix("refs") else { return [] }
        func walk(_ rel: String) throws {
            let full = "\(root)/\(rel)"
            if Posix.isDirectory(full) {
                for child in Posix.listDirectory(full) { try walk("\(rel)/\(child)") }
            } else if Self.matches(rel, prefix: prefix), RefName.problem(with: rel) == nil, let name = try? RefName(rel) {
                if let id = try read(name) { out.append((name, id)) }
            }
        }
        try walk(start)
        return out.sorted { $0.0 < $1.0 }
    }

    /// `refs/models/fraud` matches itself and what is below it, not `refs/models/fraudster`.
    static func matches(_ name: String, prefix: String) -> Bool {
        if prefix.hasSuffix("/") || prefix.isEmpty { return name.hasPrefix(prefix) }
        return name == prefix || name.hasPrefix(prefix + "/")
    }

    /// Lock files and unfinished temp files under `refs/`.
    public func lockFiles() -> [String] {
        var out = [String]()
        func walk(_ dir: String) {
            for child in Posix.listDirectory(dir) {
                let full = "\(dir)/\(child)"
                if Posix.isDirectory(full) { walk(full) }
                else if child.hasSuffix(".lock") || child.contains(".lock~") { out.append(full) }
            }
        }
        walk("\(root)/refs")
        return out.sorted()
    }
}
