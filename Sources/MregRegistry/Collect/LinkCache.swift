import Crypto
import Foundation
import MregStore
import MregSupport
import SystemPackage

/// A derived cache of what each event, manifest and chunk list names (its `LinkNode`), in
/// `.mreg/index/links`, so that `du` walks the whole store without reading objects.
///
/// Objects never change, so an entry holds for as long as its object exists. The file is
/// only ever a shortcut for `du` and `count-objects -v`: `gc`, `fsck` and `verify` never
/// read it. A file that is missing, of another version, truncated or failing its checksum
/// is ignored (as if empty) and rewritten; an entry whose object is not in the store is
/// not used. Format: see Docs/FORMAT.md §5a.
public struct LinkCache: Sendable {
    static let magic: [UInt8] = Array("mreglnk\n".utf8)
    /// Bumped whenever the layout or the meaning of an entry changes; other files are ignored.
    static let formatVersion: UInt32 = 2  // 2: a manifest's links include its environment files

    /// The nodes known, by object.
    public var nodes = [ObjectID: LinkNode]()

    public init(nodes: [ObjectID: LinkNode] = [:]) { self.nodes = nodes }

    /// The cache's file in a store's folder (`.mreg`).
    public static func path(root: String) -> String { "\(root)/index/links" }

    // MARK: reading

    /// The cache in `path`: empty when the file is missing or cannot be used (never an error).
    public static func load(_ path: String) -> LinkCache {
        guard let data = FileManager.default.contents(atPath: path) else { return LinkCache() }
        return (try? decode(Array(data))) ?? LinkCache()
    }

    struct Damaged: Error {}

    static func decode(_ bytes: [UInt8]) throws(Damaged) -> LinkCache {
        let digestSize = 32
        guard bytes.count >= magic.count + 8 + digestSize, Array(bytes[0..<magic.count]) == magic else { throw Damaged() }
        let bodyEnd = bytes.count - digestSize
        guard Array(SHA256.hash(data: bytes[0..<bodyEnd])) == Array(bytes[bodyEnd...]) else { throw Damaged() }
        var at = magic.count
        func need(_ n: Int) throws(Damaged) { guard n >= 0, at + n <= bodyEnd else { throw Damaged() } }
        func u8() throws(Damaged) -> UInt8 { try need(1); defer { at += 1 }; return bytes[at] }
        func u32() throws(Damaged) -> UInt32 {
            try need(4)
            defer { at += 4 }
            return (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[at + $1]) << (8 * UInt32($1)) }
        }
        func i64() throws(Damaged) -> Int64 {
            try need(8)
            defer { at += 8 }
            return Int64(bitPattern: (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[at + $1]) << (8 * UInt64($1)) })
        }
        func id() throws(Damaged) -> ObjectID {
            try need(32)
            defer { at += 32 }
            return ObjectID(bytes: Array(bytes[at..<at + 32]))
        }
        func string() throws(Damaged) -> String {
            let n = Int(try u32())
            try need(n)
            defer { at += n }
            guard let s = String(validating: bytes[at..<at + n], as: UTF8.self) else { throw Damaged() }
            return s
        }
        func ids() throws(Damaged) -> [ObjectID] {
            let n = Int(try u32())
            try need(n * 32)
            var out = [ObjectID]()
            out.reserveCapacity(n)
            for _ in 0..<n { out.append(try id()) }
            return out
        }
        guard try u32() == formatVersion else { throw Damaged() }
        let count = Int(try u32())
        try need(count * 34)
        var cache = LinkCache()
        cache.nodes.reserveCapacity(count)
        for _ in 0..<count {
            let key = try id()
            var node = LinkNode(type: ObjectType(rawValue: try string()))
            let flags = try u8()
            if flags & 1 != 0 { node.parent = try id() }
            if flags & 2 != 0 { node.model = try string() }
            if flags & 4 != 0 { node.version = try i64() }
            if flags & 8 != 0 { node.action = try string() }
            if flags & 16 != 0 { node.manifest = try id() }
            if flags & 32 != 0 { node.baseKey = Reachability.VersionKey(model: try string(), version: try i64()) }
            node.baseLinks = try ids()
            node.links = try ids()
            cache.nodes[key] = node
        }
        guard at == bodyEnd else { throw Damaged() }
        return cache
    }

    // MARK: writing

    /// The file's bytes (entries sorted by id, so equal caches give equal files).
    func encoded() -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(nodes.count * 140 + 64)
        func u32(_ v: UInt32) { for i in 0..<4 { out.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(i)))) } }
        func i64(_ v: Int64) { let b = UInt64(bitPattern: v); for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: b >> (8 * UInt64(i)))) } }
        func string(_ s: String) { u32(UInt32(s.utf8.count)); out.append(contentsOf: s.utf8) }
        func ids(_ list: [ObjectID]) { u32(UInt32(list.count)); for id in list { out.append(contentsOf: id.bytes) } }
        out.append(contentsOf: Self.magic)
        u32(Self.formatVersion)
        u32(UInt32(nodes.count))
        for (key, node) in nodes.sorted(by: { $0.key < $1.key }) {
            out.append(contentsOf: key.bytes)
            string(node.type.rawValue)
            var flags: UInt8 = 0
            if node.parent != nil { flags |= 1 }
            if node.model != nil { flags |= 2 }
            if node.version != nil { flags |= 4 }
            if node.action != nil { flags |= 8 }
            if node.manifest != nil { flags |= 16 }
            if node.baseKey != nil { flags |= 32 }
            out.append(flags)
            if let parent = node.parent { out.append(contentsOf: parent.bytes) }
            if let model = node.model { string(model) }
            if let version = node.version { i64(version) }
            if let action = node.action { string(action) }
            if let manifest = node.manifest { out.append(contentsOf: manifest.bytes) }
            if let base = node.baseKey { string(base.model); i64(base.version) }
            ids(node.baseLinks)
            ids(node.links)
        }
        out.append(contentsOf: SHA256.hash(data: out))
        return out
    }

    /// Writes the cache to `path` (temp file and rename, beside it); a failure is ignored:
    /// the next run reads the objects again.
    public func save(_ path: String, shared: Bool) {
        let dir = (path as NSString).deletingLastPathComponent
        let mode: mode_t = shared ? 0o664 : 0o644
        guard (try? FileSystem.makeDirectories(FilePath(dir), mode: shared ? 0o2775 : 0o755)) != nil else { return }
        let temp = "\(dir)/.tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        guard let out = try? OpenFile.creatingNew(FilePath(temp), permissions: mode) else { return }
        let written = (try? out.writeAll(encoded())) != nil
        out.close()
        if shared { FileSystem.setPermissions(FilePath(temp), mode) }
        if !written || (try? FileSystem.move(FilePath(temp), to: FilePath(path))) == nil {
            FileSystem.removeIfPresent(FilePath(temp))
        }
    }
}
