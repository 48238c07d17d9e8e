import Foundation
import MregStore
import MregSupport
import SystemPackage

/// `du`'s figures for the whole store (every model and version), in `.mreg/index/du`, with
/// the state of every folder they were computed from, so that `du` on an unchanged store
/// reads one file instead of every ref, object and link.
///
/// Every change that can move a figure adds, removes or renames an entry in a folder under
/// `refs/` or `objects/` (refs and objects are only ever written by a rename, and removed),
/// which sets that folder's modification and change times. The figures are used only when
/// every folder recorded still has the times recorded (and a folder recently modified is
/// never trusted: see `isSettled`). A file that is missing, of another version, truncated
/// or failing its checksum is ignored. Format: see Docs/FORMAT.md §5b.
public struct UsageCache: Sendable {
    static let magic: [UInt8] = Array("mregdu\n\0".utf8)
    /// Bumped whenever the layout or the meaning of a field changes; other files are ignored.
    static let formatVersion: UInt32 = 1
    /// A folder modified this recently (nanoseconds) before the scan started may change again
    /// within the same timestamp tick unseen: figures computed from it are not saved.
    static let settleNanoseconds: Int64 = 2_000_000_000

    /// One folder's state: its path relative to the store's folder, and its times.
    public struct Folder: Sendable, Equatable {
        public var path: String
        public var modificationTime: Int64
        public var changeTime: Int64
    }

    /// The folders the figures were computed from (every folder under `refs/`, `objects/`
    /// and its fan-out folders and `pack/`), in walk order.
    public var folders: [Folder]
    /// The figures: every model, and every version of every model.
    public var usage: DiskUsage

    public init(folders: [Folder], usage: DiskUsage) {
        self.folders = folders
        self.usage = usage
    }

    /// The cache's file in a store's folder (`.mreg`).
    public static func path(root: String) -> String { "\(root)/index/du" }

    // MARK: the store's folders

    /// The state of the folders `du` depends on in the store at `root` (`.mreg`), walked
    /// from the disk: `refs/` and every folder below it, `objects/`, its fan-out folders and
    /// `pack/`. A folder that cannot be read is left out (then the state cannot match).
    static func scanFolders(root: String) -> [Folder] {
        var out = [Folder]()
        func add(_ relative: String) -> Bool {
            guard let status = FileSystem.linkStatus(FilePath("\(root)/\(relative)")), status.isDirectory else { return false }
            out.append(Folder(path: relative, modificationTime: status.modificationTime, changeTime: status.changeTime))
            return true
        }
        func walk(_ relative: String) {
            guard add(relative) else { return }
            for name in FileSystem.listDirectory("\(root)/\(relative)").sorted() {
                let child = "\(relative)/\(name)"
                if FileSystem.linkStatus(FilePath("\(root)/\(child)"))?.isDirectory == true { walk(child) }
            }
        }
        walk("refs")
        if add("objects") {
            for name in FileSystem.listDirectory("\(root)/objects").sorted() where (name.count == 2 && Hex.isHex(name)) || name == "pack" {
                _ = add("objects/\(name)")
            }
        }
        return out
    }

    /// Whether every folder recorded still has the times recorded. A folder created since
    /// changes its parent's times, so the recorded folders are all there are.
    func matches(root: String) -> Bool {
        guard !folders.isEmpty else { return false }
        for folder in folders {
            guard let status = FileSystem.linkStatus(FilePath("\(root)/\(folder.path)")), status.isDirectory,
                  status.modificationTime == folder.modificationTime, status.changeTime == folder.changeTime else { return false }
        }
        return true
    }

    /// Whether figures computed from `folders`, scanned at `scanStart` (nanoseconds since
    /// 1970, this machine's clock), may be saved: no folder was modified within
    /// `settleNanoseconds` before the scan (or after it). An entry added, renamed or removed
    /// sets the modification time to the time of that change, so a change made after the
    /// scan gives a time unlike the (older) one recorded. The change time is compared for
    /// equality only (it also moves when a folder's times or permissions are set).
    static func isSettled(_ folders: [Folder], scanStart: Int64) -> Bool {
        folders.allSatisfy { $0.modificationTime < scanStart - settleNanoseconds }
    }

    // MARK: reading

    /// The cache in `path`: nil when the file is missing or cannot be used (never an error).
    public static func load(_ path: String) -> UsageCache? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? decode(Array(data))
    }

    typealias Damaged = CacheFileReader.Damaged

    static func decode(_ bytes: [UInt8]) throws(Damaged) -> UsageCache {
        var r = try CacheFileReader(bytes, magic: magic)
        func entry(model: String, version: Int64?) throws(Damaged) -> DiskUsage.Entry {
            let objects = try r.amount(), total = try r.amount(), unique = try r.amount()
            guard unique <= total else { throw Damaged() }
            var removed = false
            if version != nil { removed = try r.u8() != 0 }
            return DiskUsage.Entry(model: model, version: version, objects: Int(objects), totalBytes: total, uniqueBytes: unique,
                                   removed: removed)
        }
        guard try r.u32() == formatVersion else { throw Damaged() }
        var folders = [Folder]()
        let folderCount = Int(try r.u32())
        try r.need(folderCount * 20)
        folders.reserveCapacity(folderCount)
        for _ in 0..<folderCount {
            folders.append(Folder(path: try r.string(), modificationTime: try r.i64(), changeTime: try r.i64()))
        }
        var usage = DiskUsage()
        usage.storeObjects = Int(try r.amount())
        usage.storeBytes = try r.amount()
        usage.metadataBytes = try r.amount()
        usage.reclaimableObjects = Int(try r.amount())
        usage.reclaimableBytes = try r.amount()
        let modelCount = Int(try r.u32())
        try r.need(modelCount * 28)
        usage.models.reserveCapacity(modelCount)
        for _ in 0..<modelCount { usage.models.append(try entry(model: try r.string(), version: nil)) }
        let versionCount = Int(try r.u32())
        try r.need(versionCount * 37)
        usage.versions.reserveCapacity(versionCount)
        for _ in 0..<versionCount {
            let model = try r.string()
            usage.versions.append(try entry(model: model, version: try r.amount()))
        }
        try r.expectEnd()
        return UsageCache(folders: folders, usage: usage)
    }

    // MARK: writing

    /// The file's bytes.
    func encoded() -> [UInt8] {
        var w = CacheFileWriter(magic: Self.magic, capacity: folders.count * 40 + usage.versions.count * 48 + 64)
        func entry(_ e: DiskUsage.Entry) { w.i64(Int64(e.objects)); w.i64(e.totalBytes); w.i64(e.uniqueBytes) }
        w.u32(Self.formatVersion)
        w.u32(UInt32(folders.count))
        for f in folders { w.string(f.path); w.i64(f.modificationTime); w.i64(f.changeTime) }
        w.i64(Int64(usage.storeObjects)); w.i64(usage.storeBytes); w.i64(usage.metadataBytes)
        w.i64(Int64(usage.reclaimableObjects)); w.i64(usage.reclaimableBytes)
        w.u32(UInt32(usage.models.count))
        for m in usage.models { w.string(m.model); entry(m) }
        w.u32(UInt32(usage.versions.count))
        for v in usage.versions { w.string(v.model); w.i64(v.version ?? 0); entry(v); w.u8(v.removed ? 1 : 0) }
        return w.finished()
    }

    /// Writes the cache to `path` (temp file and rename, beside it); a failure is ignored:
    /// the next run computes the figures again.
    public func save(_ path: String, shared: Bool) {
        CacheFileWriter.save(encoded(), to: path, shared: shared)
    }

    /// Removes the cache (a failure is ignored: a stale file never matches a changed store).
    public static func remove(_ path: String) {
        FileSystem.removeIfPresent(FilePath(path))
    }
}
