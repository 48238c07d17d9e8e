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

        /// The stamp of the file at `path` (following symbolic links), or nil when it cannot be read.
        static func of(_ path: String) -> Stamp? {
            var st = stat()
            return stat(path, &st) == 0 ? Stamp(st) : nil
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
    /// The absolute path of each folder `key` has seen.
    private let folders = Mutex<[String: String]>([:])

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
        let key = self.key(file)
        let entry = entries.withLock { $0.all[key] }
        guard let entry, let stamp = Stamp.of(file), stamp == entry.stamp, stamp.mtime < entry.hashedAt else { return nil }
        return entry
    }

    /// Remembers what `file` gave. With `checked`, the caller has just seen the file at `file`
    /// still has `stampBefore` (as `Ingester.checkUnchanged` does), so it is not looked at again.
    func record(_ file: String, stampBefore: Stamp, hashedAt: Int64, object: ObjectID, digest: String, info: FormatInfo?,
                checked: Bool = false) {
        // Only cache if the file did not change while it was read.
        let after = checked ? stampBefore : Stamp.of(file)
        guard let after, after == stampBefore else { return }
        let entry = Entry(stamp: after, hashedAt: hashedAt, object: object, digest: digest, format: info?.format,
                          details: info?.details ?? .null, executesCode: info?.executesCode ?? false)
        let key = self.key(file)
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
            var saved = e.all
            if let data = FileManager.default.contents(atPath: path), let json = try? JSONValue.parse(Array(data)) {
                saved = Self.decode(json)
            }
            // New entries, then the saved ones not replaced, unless their files are gone (those
            // just recorded were there a moment ago).
            var merged = e.dirty
            for (k, v) in saved where e.dirty[k] == nil && Self.exists(k) { merged[k] = v }
            let temp = "\(path).lock~\(UInt32.random(in: 0...UInt32.max))"
            guard FileManager.default.createFile(atPath: temp, contents: Data(Self.encodedBytes(merged))) else { return }
            if rename(temp, path) != 0 { unlink(temp) }
            e.all = merged
            e.dirty = [:]
        }
    }

    /// Whether something is at `path` (following symbolic links, as `FileManager.fileExists`).
    private static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    /// The key of `file`: its absolute path, without `.` and `..` components.
    ///
    /// Computed for a file's folder once and reused for the folder's other files (a
    /// register of 100,000 files would otherwise spend a tenth of its time normalising
    /// paths): a name from the walker is never `.`, `..` or empty, so the absolute path
    /// of `folder/name` is the folder's absolute path, `/`, and the name.
    func key(_ file: String) -> String {
        guard let slash = file.utf8.lastIndex(of: UInt8(ascii: "/")) else { return Repository.absolute(file) }
        let name = file[file.utf8.index(after: slash)...]
        if name.isEmpty || name == "." || name == ".." { return Repository.absolute(file) }
        let folder = String(file[..<slash])
        let absoluteFolder = folders.withLock { $0[folder] } ?? {
            let made = folder.isEmpty ? "/" : Repository.absolute(folder)
            folders.withLock { $0[folder] = made }
            return made
        }()
        return absoluteFolder.hasSuffix("/") ? absoluteFolder + name : absoluteFolder + "/" + name
    }

    /// The canonical JSON of `encode(entries)`, written directly (equal bytes, tested): the
    /// generic encoder builds and sorts a map per entry, a fifth of registering 100,000 small files.
    static func encodedBytes(_ entries: [String: Entry]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(entries.count * 400 + 32)
        out.append(contentsOf: Array(#"{"entries":{"#.utf8))
        let keys = JSONValue.sortedByUTF8(entries.keys)
        func field(_ name: StaticString, _ comma: Bool = true) {
            if comma { out.append(0x2c) }
            out.append(0x22)
            name.withUTF8Buffer { out.append(contentsOf: $0) }
            out.append(contentsOf: [0x22, 0x3a])
        }
        for (i, key) in keys.enumerated() {
            guard let e = entries[key] else { continue }
            if i > 0 { out.append(0x2c) }
            JSONValue.string(key).writeCanonical(to: &out)
            out.append(0x3a)
            // Keys in canonical (byte) order.
            out.append(0x7b)
            field("ctime", false); JSONValue.int(e.stamp.ctime).writeCanonical(to: &out)
            field("details"); e.details.writeCanonical(to: &out)
            field("device"); JSONValue.int(Int64(bitPattern: e.stamp.device)).writeCanonical(to: &out)
            field("digest"); JSONValue.string(e.digest).writeCanonical(to: &out)
            field("executes_code"); JSONValue.bool(e.executesCode).writeCanonical(to: &out)
            field("format"); JSONValue(e.format).writeCanonical(to: &out)
            field("hashed_at"); JSONValue.int(e.hashedAt).writeCanonical(to: &out)
            field("inode"); JSONValue.int(Int64(bitPattern: e.stamp.inode)).writeCanonical(to: &out)
            field("mtime"); JSONValue.int(e.stamp.mtime).writeCanonical(to: &out)
            field("object"); JSONValue.string(e.object.hex).writeCanonical(to: &out)
            field("size"); JSONValue.int(e.stamp.size).writeCanonical(to: &out)
            out.append(0x7d)
        }
        out.append(contentsOf: Array(#"},"version":1}"#.utf8))
        return out
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
