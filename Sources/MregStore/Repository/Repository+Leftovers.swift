import Foundation
import SystemPackage

extension Repository {
    /// The environment variable that overrides `defaultTempGrace` (seconds), for tests and
    /// for stores whose writers may pause longer.
    public static let tempGraceVariable = "MREG_TEMP_GRACE_SECONDS"

    /// How long a temp file must have been left unchanged before `fsck --repair` deletes it:
    /// a live writer changes its temp file all the time (or holds it for microseconds), so
    /// one unchanged for an hour belongs to a write that was interrupted.
    public static let defaultTempGrace: TimeInterval = 3_600

    /// The temp-file grace in force: `MREG_TEMP_GRACE_SECONDS` when it is a number ≥ 0, else the default.
    public static func tempGrace(environment: [String: String] = ProcessInfo.processInfo.environment) -> TimeInterval {
        if let text = environment[tempGraceVariable], let value = Double(text), value.isFinite, value >= 0 { return value }
        return defaultTempGrace
    }

    /// Whether a name is one of the temp files mreg's writes leave when interrupted:
    /// `tmp_obj_*` (objects being written, standard input being spooled, downloads being
    /// verified), `*.lock~*` (a ref, the config or a cache being replaced; a lock being
    /// broken) and `.tmp-*` (index files being replaced).
    public static func isTempName(_ name: String) -> Bool {
        name.hasPrefix(ObjectStore.tempPrefix) || name.contains(".lock~") || name.hasPrefix(".tmp-")
    }

    /// Every temp file (or temp folder) in the store, with the seconds since anything in it
    /// last changed, sorted by path.
    ///
    /// Looks in `objects/` (where mreg writes them; not in the fan-out folders, which fsck
    /// lists anyway), everywhere under `refs/` and `index/` (model records nest as deep as
    /// model names do), in the store's own folder and one level below it (`hooks/`…);
    /// symbolic links are not followed.
    public func tempFiles(now: Date = Date()) -> [(path: String, age: TimeInterval)] {
        var found = [String]()
        func collect(_ folder: String, depth: Int, skip: Set<String> = []) {
            for name in FileSystem.listDirectory(folder) {
                let full = "\(folder)/\(name)"
                if Self.isTempName(name) { found.append(full); continue }
                guard depth > 0, !skip.contains(name), FileSystem.linkStatus(FilePath(full))?.isDirectory == true else { continue }
                collect(full, depth: depth - 1)
            }
        }
        collect(root, depth: 1, skip: ["objects", "refs", "index"])
        collect("\(root)/objects", depth: 0)
        collect("\(root)/refs", depth: 64)
        collect("\(root)/index", depth: 64)
        return found.sorted().map { ($0, Self.secondsUnchanged(FilePath($0), now: now)) }
    }

    /// Every lock file in the store: `*.lock` files under `refs/` and in the store's folder.
    public func lockFilePaths() -> [String] {
        var out = refs.lockFiles().filter { !$0.contains(".lock~") }
        for name in FileSystem.listDirectory(root) where name.hasSuffix(".lock") {
            if FileSystem.linkStatus(FilePath("\(root)/\(name)"))?.isRegularFile == true { out.append("\(root)/\(name)") }
        }
        return out.sorted()
    }

    /// What `removeLeftovers` did.
    public struct LeftoverCleanup: Sendable, Equatable {
        /// Stale lock files removed.
        public var locks: [String] = []
        /// Temp files (and temp folders) removed.
        public var temps: [String] = []
        /// Temp files kept because they changed within the grace, or could not be removed.
        public var keptTemps: [String] = []
        /// Empty files under object names removed (writes cut off by a crash before their data
        /// reached the disk): no object is zero bytes, and leaving one would make a later write
        /// of the same object skip it as present.
        public var emptyObjects: [String] = []
    }

    /// Removes stale lock files (see `LockFile.Inspection.isStale`: only the very file
    /// inspected) and temp files unchanged for longer than `grace` seconds.
    ///
    /// Objects a killed `gc` had moved aside (`tmp_obj_gc_*`) are put back, never deleted:
    /// a writer may have reused one just before it was moved.
    public func removeLeftovers(grace: TimeInterval = Repository.tempGrace(), now: Date = Date()) -> LeftoverCleanup {
        var done = LeftoverCleanup()
        objects.restoreInterruptedPrunes()
        for lock in lockFilePaths() where LockFile.removeIfStale(at: lock) {
            done.locks.append(lock)
        }
        for (path, age) in tempFiles(now: now) {
            if age >= grace, (try? FileManager.default.removeItem(atPath: path)) != nil {
                done.temps.append(path)
            } else {
                done.keptTemps.append(path)
            }
        }
        done.emptyObjects = removeEmptyObjects()
        return done
    }

    /// Removes regular files of zero bytes that have a loose object's name, returning their
    /// paths. Every object is written in full before it is renamed into place, so an empty
    /// one is never a write in progress; it is one whose data a crash lost.
    func removeEmptyObjects() -> [String] {
        var removed = [String]()
        for (dir, name) in objects.looseEntries() where name.count == 62 && Hex.isHex(name) {
            let path = "\(objects.directory)/\(dir)/\(name)"
            guard let status = FileSystem.linkStatus(FilePath(path)), status.isRegularFile, status.size == 0 else { continue }
            if unlink(path) == 0 { removed.append(path) }
        }
        return removed
    }

    /// Seconds since `path` (or, for a folder, anything below it) last changed.
    static func secondsUnchanged(_ path: FilePath, now: Date) -> TimeInterval {
        var newest: Int64 = 0
        func visit(_ p: FilePath, depth: Int) {
            guard let status = FileSystem.linkStatus(p) else { return }
            newest = max(newest, status.modificationTime, status.changeTime)
            guard status.isDirectory, depth > 0 else { return }
            for child in FileSystem.listDirectory(p) { visit(p.appending(child), depth: depth - 1) }
        }
        visit(path, depth: 8)
        return max(0, now.timeIntervalSince1970 - Double(newest) / 1e9)
    }
}
