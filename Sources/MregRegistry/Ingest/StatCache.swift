import Foundation
import MregStore
import MregSupport
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Like git's index: remembers, for each file registered, its size, mtime, ctime
/// and inode with the digest and object they gave, so an unchanged file is not read again.
///
/// It is a cache in `.mreg/statcache` (JSON): deleting it only costs a re-read.
/// An entry is trusted only if the file's mtime is older than the moment its
/// hashing began (git's "racy" rule), so a file changed in the same instant is re-read.
public final class StatCache: Sendable {
    public struct Stamp: Equatable, Sendable {
        var size: Int64
        var mtime: Int64
        var ctime: Int64
        var inode: UInt64
        var device: UInt64

        init(size: Int64, mtime: Int64, ctime: Int64, inode: UInt64, device: UInt64) {
            self.size = size
            self.mtime = mtime
            self.ctime = ctime
            self.inode = inode
            self.device = device
        }

        /// The stamp `stat` (or `lstat`, `fstat`) gave.
        init(_ st: stat) {
            size = Int64(st.st_size)
            mtime = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
            ctime = Int64(st.st_ctim.tv_sec) * 1_000_000_000 + Int64(st.st_ctim.tv_nsec)
            inode = UInt64(st.st_ino)
            device = UInt64(st.st_dev)
        }

        /// The stamp of an open file, or nil when it cannot be read.
        static func of(descriptor fd: Int32) -> Stamp? {
            var st = stat()
            return fstat(fd, &st) == 0 ? Stamp(st) : nil
        }

        static func of(_ path: String) -> Stamp? {
            guard let st = try? FileStatus(path: path) else { return nil }
            return Stamp(size: st.size, mtime: st.modificationTime, ctime: st.changeTime,
                         inode: st.inode, device: st.device)
        }
    }

    public struct Entry: Sendable {
        var stamp: Stamp
        var hashedAt: Int64
        var object: ObjectID
        var digest: String
        var format: String?
        var details: JSONValue
        var executesCode: Bool
    }

    /// The entries known, and those recorded since the last save.
    private struct Entries {
        var all: [String: Entry]
        var dirty: [String: Entry] = [:]
    }

    let path: String
    private let entries: Mutex<Entries>

    public init(path: String) {
        self.path = path
        var loaded = [String: Entry]()
        if let data = FileManager.default.contents(atPath: path), let json = try? JSONValue.parse(Array(data)) {
            loaded = Self.decode(json)
        }
        entries = Mutex(Entries(all: loaded))
    }

    static func now() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// The cached result for a file, if its stamp is unchanged and the entry is not racy.
    func lookup(_ file: String) -> Entry? {
        let key = Repository.absolute(file)
        let entry = entries.withLock { $0.all[key] }
        guard let entry, let stamp = Stamp.of(file), stamp == entry.stamp, stamp.mtime < entry.hashedAt else { return nil }
        return entry
    }

    func record(_ file: String, stampBefore: Stamp, hashedAt: Int64, object: ObjectID, digest: String, info: FormatInfo?) {
        // Only cache if the file did not change while it was read.
        guard let after = Stamp.of(file), after == stampBefore else { return }
        let entry = Entry(stamp: after, hashedAt: hashedAt, object: object, digest: digest, format: info?.format,
                          details: info?.details ?? .null, executesCode: info?.executesCode ?? false)
        let key = Repository.absolute(file)
        entries.withLock { e in
            e.all[key] = entry
            e.dirty[key] = entry
        }
    }

    /// Writes new entries, merged with what other processes saved meanwhile; skipped if the file is locked.
    public func save() {
        let path = self.path
        entries.withLock { e in
            guard !e.dirty.isEmpty else { return }
            guard let fileLock = try? LockFile(for: path) else { return }
            defer { fileLock.release() }
            var merged = e.all
            if let data = FileManager.default.contents(atPath: path), let json = try? JSONValue.parse(Array(data)) {
                merged = Self.decode(json)
            }
            for (k, v) in e.dirty { merged[k] = v }
            // Forget files that are gone.
            merged = merged.filter { FileManager.default.fileExists(atPath: $0.key) }
            let json = Self.encode(merged)
            let temp = "\(path).lock~\(UInt32.random(in: 0...UInt32.max))"
            guard FileManager.default.createFile(atPath: temp, contents: Data(json.canonicalBytes)) else { return }
            if rename(temp, path) != 0 { unlink(temp) }
            e.all = merged
            e.dirty = [:]
        }
    }

    static func encode(_ entries: [String: Entry]) -> JSONValue {
        .object([
            "version": 1,
            "entries": .object(entries.mapValues { e in
                .object([
                    "size": .int(e.stamp.size), "mtime": .int(e.stamp.mtime), "ctime": .int(e.stamp.ctime),
                    "inode": .int(Int64(bitPattern: e.stamp.inode)), "device": .int(Int64(bitPattern: e.stamp.device)),
                    "hashed_at": .int(e.hashedAt), "object": .string(e.object.hex), "digest": .string(e.digest),
                    "format": JSONValue(e.format), "details": e.details, "executes_code": .bool(e.executesCode),
                ])
            }),
        ])
    }

    static func decode(_ json: JSONValue) -> [String: Entry] {
        guard json["version"]?.intValue == 1, let items = json["entries"]?.objectValue else { return [:] }
        var out = [String: Entry]()
        for (k, v) in items {
            guard let size = v["size"]?.intValue, let mtime = v["mtime"]?.intValue, let ctime = v["ctime"]?.intValue,
                  let inode = v["inode"]?.intValue, let device = v["device"]?.intValue, let hashedAt = v["hashed_at"]?.intValue,
                  let object = v["object"]?.stringValue.flatMap({ ObjectID(parsing: $0) }), let digest = v["digest"]?.stringValue else { continue }
            out[k] = Entry(stamp: Stamp(size: size, mtime: mtime, ctime: ctime, inode: UInt64(bitPattern: inode), device: UInt64(bitPattern: device)),
                           hashedAt: hashedAt, object: object, digest: digest, format: v["format"]?.stringValue,
                           details: v["details"] ?? .null, executesCode: v["executes_code"]?.boolValue ?? false)
        }
        return out
    }
}
