#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import SystemPackage

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

    func filePath(for name: RefName) -> FilePath { FilePath(root).appending(name.rawValue) }

    /// The longest ref file read; anything longer is not an id and a newline.
    static let maximumRefFileSize = 1024

    /// The id a ref holds, or nil when it does not exist.
    public func read(_ name: RefName) throws -> ObjectID? {
        let p = filePath(for: name)
        let file: OpenFile
        do {
            // Non-blocking: a FIFO with a ref's name must not hang the reader.
            file = try OpenFile.open(p, .readOnly, options: .nonBlocking)
        } catch let e as StoreError where e.errno == .noSuchFileOrDirectory || e.errno == .notDirectory {
            return nil
        }
        defer { file.close() }
        let status = try file.status()
        if status.isDirectory { return nil }  // refs exist below this name
        guard status.isRegularFile else { throw StoreError.corruptRef(ref: name, path: p) }
        var bytes = [UInt8](repeating: 0, count: Self.maximumRefFileSize)
        let count = try bytes.withUnsafeMutableBytes { try file.readFully(into: $0) }
        // The id, without the whitespace around it (ASCII only: an id is hex).
        var start = 0, end = min(count, bytes.count)
        while start < end, Self.isSpace(bytes[start]) { start += 1 }
        while end > start, Self.isSpace(bytes[end - 1]) { end -= 1 }
        guard count < Self.maximumRefFileSize, let id = ObjectID(parsing: String(decoding: bytes[start..<end], as: UTF8.self)) else {
            throw StoreError.corruptRef(ref: name, path: p)
        }
        return id
    }

    private static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || (0x09...0x0d).contains(c) }

    /// Moves (or creates) a ref by compare-and-swap.
    public func update(_ name: RefName, to new: ObjectID, expecting old: RefExpectation = .any) throws {
        let target = filePath(for: name)
        let base = FilePath(root)
        // Folders this update creates; a refused update removes them again (if still empty).
        var missing = [FilePath]()
        var dir = target.removingLastComponent()
        while dir.starts(with: base) && dir != base && !FileSystem.exists(dir) {
            missing.append(dir)
            dir.removeLastComponent()
        }
        do {
            try compareAndSwap(name, target: target, to: new, expecting: old)
        } catch {
            for dir in missing { FileSystem.removeEmptyDirectory(dir) }
            throw error
        }
    }

    private func compareAndSwap(_ name: RefName, target: FilePath, to new: ObjectID, expecting old: RefExpectation) throws {
        // Another process's refused update may remove a folder it had just created,
        // between our mkdir and our lock: create it again and retry.
        var lock: LockFile?
        for attempt in 0..<5 {
            try ensureParent(of: target, name: name)
            do {
                lock = try LockFile(for: target.string, mode: fileMode)
                break
            } catch let e as StoreError where e.errno == .noSuchFileOrDirectory && attempt < 4 {
                continue
            }
        }
        defer { lock?.release() }
        try check(name, expecting: old)
        let temp = FilePath("\(target).lock~\(LocalHost.randomSuffix())")
        let file = try OpenFile.creatingNew(temp, permissions: fileMode)
        do {
            do {
                defer { file.close() }
                try file.writeAll(Array("\(new.hex)\n".utf8))
                try file.sync()
            }
            if sharedGroup { FileSystem.setPermissions(temp, fileMode) }
            KillPoint.reach("ref-temp-written")
            try FileSystem.move(temp, to: target)
            KillPoint.reach("ref-moved")
        } catch {
            FileSystem.removeIfPresent(temp)
            throw error
        }
    }

    /// Deletes a ref by compare-and-swap.
    public func delete(_ name: RefName, expecting old: RefExpectation = .any) throws {
        let target = filePath(for: name)
        guard FileSystem.exists(target) else {
            if case .value = old { throw StoreError.modified(ref: name, expected: old, actual: nil) }
            throw StoreError.notFound(kind: .ref, name: name.rawValue)
        }
        let lock = try LockFile(for: target.string, mode: fileMode)
        defer { lock.release() }
        try check(name, expecting: old)
        try FileSystem.remove(target)
    }

    private func check(_ name: RefName, expecting old: RefExpectation) throws {
        // Moving or deleting whatever is there works on a damaged ref too (that is how it is repaired).
        if old == .any { return }
        let current = try read(name)
        switch old {
        case .any: return
        case .absent:
            if current != nil { throw StoreError.modified(ref: name, expected: old, actual: current) }
        case .value(let expected):
            if current != expected { throw StoreError.modified(ref: name, expected: old, actual: current) }
        }
    }

    private func ensureParent(of target: FilePath, name: RefName) throws {
        let base = FilePath(root)
        let parent = target.removingLastComponent()
        // A ref cannot be both a file and a folder (refs/a and refs/a/b).
        var dir = parent
        while dir.starts(with: base) && dir != base {
            if let status = try? FileStatus(dir), !status.isDirectory {
                var existing = dir
                _ = existing.removePrefix(base)
                throw StoreError.alreadyExists(ref: name, conflicting: existing.string)
            }
            dir.removeLastComponent()
        }
        if FileSystem.isDirectory(target) {
            throw StoreError.alreadyExists(ref: name, conflicting: name.rawValue + "/")
        }
        try FileSystem.makeDirectories(parent, mode: sharedGroup ? 0o2775 : 0o755)
    }

    var fileMode: mode_t { sharedGroup ? 0o664 : 0o644 }

    /// All refs whose names start with `prefix` (default `refs/`), sorted by name.
    ///
    /// Entries that are not refs (see `scan`) are skipped; a file with a ref's name
    /// that does not hold an id is an error.
    public func list(prefix: String = "refs/") throws -> [(name: RefName, id: ObjectID)] {
        var out = [(RefName, ObjectID)]()
        for entry in scan(prefix: prefix) {
            switch entry {
            case .ref(let name, let id): out.append((name, id))
            case .corrupt(_, let error): throw error
            case .lock, .stray: continue
            }
        }
        return out
    }

    /// The names of the refs whose names start with `prefix`, damaged ones included, sorted
    /// (for removing refs: a damaged ref is removed like any other).
    public func names(prefix: String = "refs/") -> [RefName] {
        scan(prefix: prefix).compactMap { entry in
            switch entry {
            case .ref(let name, _), .corrupt(let name, _): return name
            case .lock, .stray: return nil
            }
        }
    }

    /// Everything under `refs/` whose name starts with `prefix`, refs sorted by name:
    /// refs, damaged refs, lock files, and stray entries, which are reported, never followed or opened.
    public func scan(prefix: String = "refs/") -> [RefEntry] {
        // Start at the deepest folder the prefix names fully.
        let base = prefix.hasSuffix("/") ? String(prefix.dropLast()) : String(prefix[..<(prefix.lastIndex(of: "/") ?? prefix.startIndex)])
        let start = base.isEmpty ? "refs" : base
        guard start == "refs" || RefName.validated(start) != nil else { return [] }
        var refs = [RefEntry]()
        var others = [RefEntry]()
        let rootPath = FilePath(root)
        func walk(_ rel: String) {
            let folder = rootPath.appending(rel)
            for child in FileSystem.listDirectory(folder).sorted(by: { $0.string < $1.string }) {
                let name = child.string
                let relative = "\(rel)/\(name)"
                let full = folder.appending(child)
                guard let status = FileSystem.linkStatus(full) else { continue }  // gone meanwhile
                let shown = full.string
                func stray(_ why: RefEntry.Stray) {
                    if Self.matches(relative, prefix: prefix) { others.append(.stray(path: shown, why)) }
                }
                if name.hasPrefix(".") { stray(.hidden); continue }
                if String(validating: child) == nil { stray(.invalidName("it is not UTF-8")); continue }
                if status.isSymbolicLink { stray(.symbolicLink); continue }
                if status.isDirectory {
                    if name.hasSuffix(".lock") { stray(.lockFolder); continue }
                    if let problem = RefName.problem(withComponent: name) { stray(.invalidName(problem)); continue }
                    // Walk into folders on the prefix's way, or below it.
                    if Self.matches(relative, prefix: prefix) || prefix.hasPrefix(relative + "/") { walk(relative) }
                    continue
                }
                guard status.isRegularFile else { stray(.notRegularFile); continue }
                if name.hasSuffix(".lock") || name.contains(".lock~") {
                    if Self.matches(relative, prefix: prefix) { others.append(.lock(path: shown)) }
                    continue
                }
                guard Self.matches(relative, prefix: prefix) else { continue }
                guard let refName = RefName.validated(relative) else {
                    stray(.invalidName(RefName.problem(with: relative) ?? "it is not a ref name"))
                    continue
                }
                do {
                    if let id = try read(refName) { refs.append(.ref(refName, id)) }
                } catch let error as StoreError {
                    refs.append(.corrupt(refName, error))
                } catch {
                    refs.append(.corrupt(refName, .corruptRef(ref: refName, path: full)))
                }
            }
        }
        walk(start)
        return refs.sorted { Self.name(of: $0) < Self.name(of: $1) } + others
    }

    private static func name(of entry: RefEntry) -> String {
        switch entry {
        case .ref(let name, _), .corrupt(let name, _): return name.rawValue
        case .lock(let path), .stray(let path, _): return path
        }
    }

    /// The names directly under `folder` (such as `refs/models`) that are folders with a
    /// ref component's name, sorted; stray entries (`.DS_Store`, `x.lock`, files) are skipped.
    public func folderNames(under folder: String) -> [String] {
        guard RefName.validated(folder) != nil else { return [] }
        let path = FilePath(root).appending(folder)
        return FileSystem.listDirectory(path).compactMap { child -> String? in
            guard let name = String(validating: child), RefName.problem(withComponent: name) == nil,
                  FileSystem.linkStatus(path.appending(child))?.isDirectory == true else { return nil }
            return name
        }.sorted()
    }

    /// `refs/models/fraud` matches itself and what is below it, not `refs/models/fraudster`.
    static func matches(_ name: String, prefix: String) -> Bool {
        if prefix.hasSuffix("/") || prefix.isEmpty { return name.hasPrefix(prefix) }
        return name == prefix || name.hasPrefix(prefix + "/")
    }

    /// Lock files and unfinished temp files under `refs/`.
    public func lockFiles() -> [String] {
        scan().compactMap { entry in
            if case .lock(let path) = entry { return path }
            return nil
        }.sorted()
    }
}
