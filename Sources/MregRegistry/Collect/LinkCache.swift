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

    typealias Damaged = CacheFileReader.Damaged

    static func decode(_ bytes: [UInt8]) throws(Damaged) -> LinkCache {
        var r = try CacheFileReader(bytes, magic: magic)
        guard try r.u32() == formatVersion else { throw Damaged() }
        let count = Int(try r.u32())
        try r.need(count * 34)
        var cache = LinkCache()
        cache.nodes.reserveCapacity(count)
        for _ in 0..<count {
            let key = try r.id()
            var node = LinkNode(type: ObjectType(rawValue: try r.string()))
            let flags = try r.u8()
            if flags & 1 != 0 { node.parent = try r.id() }
            if flags & 2 != 0 { node.model = try r.string() }
            if flags & 4 != 0 { node.version = try r.i64() }
            if flags & 8 != 0 { node.action = try r.string() }
            if flags & 16 != 0 { node.manifest = try r.id() }
            if flags & 32 != 0 { node.baseKey = Reachability.VersionKey(model: try r.string(), version: try r.i64()) }
            node.baseLinks = try r.ids()
            node.links = try r.ids()
            cache.nodes[key] = node
        }
        try r.expectEnd()
        return cache
    }

    // MARK: writing

    /// The file's bytes (entries sorted by id, so equal caches give equal files).
    func encoded() -> [UInt8] {
        var w = CacheFileWriter(magic: Self.magic, capacity: nodes.count * 140 + 64)
        w.u32(Self.formatVersion)
        w.u32(UInt32(nodes.count))
        for (key, node) in nodes.sorted(by: { $0.key < $1.key }) {
            w.id(key)
            w.string(node.type.rawValue)
            var flags: UInt8 = 0
            if node.parent != nil { flags |= 1 }
            if node.model != nil { flags |= 2 }
            if node.version != nil { flags |= 4 }
            if node.action != nil { flags |= 8 }
            if node.manifest != nil { flags |= 16 }
            if node.baseKey != nil { flags |= 32 }
            w.u8(flags)
            if let parent = node.parent { w.id(parent) }
            if let model = node.model { w.string(model) }
            if let version = node.version { w.i64(version) }
            if let action = node.action { w.string(action) }
            if let manifest = node.manifest { w.id(manifest) }
            if let base = node.baseKey { w.string(base.model); w.i64(base.version) }
            w.ids(node.baseLinks)
            w.ids(node.links)
        }
        return w.finished()
    }

    /// Writes the cache to `path` (temp file and rename, beside it); a failure is ignored:
    /// the next run reads the objects again.
    public func save(_ path: String, shared: Bool) {
        CacheFileWriter.save(encoded(), to: path, shared: shared)
    }
}
