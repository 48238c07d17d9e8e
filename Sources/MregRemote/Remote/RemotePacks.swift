import Foundation
import MregStore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif
import Crypto
import MregSupport
import MregRegistry

/// A remote's packs as one transfer sees them: its pack list, read once, and the indexes of
/// the packs it names (kept in a local cache, so each is downloaded once per store); what a
/// fetch downloads of them (whole packs, or single entries by ranged reads); and the upload
/// of a push's pack with the list update that makes it visible (FORMAT.md §6.1).
public final class RemotePacks: Sendable {
    let storage: any RemotePackStorage
    /// Whether fetches and the have/want walk read objects through the pack list (S3). A
    /// filesystem remote is read as the store it is (its packs and loose objects alike).
    public let readsThroughList: Bool
    /// Whether a push sends packs (`remote.<name>.packs`, default true); when false it sends
    /// loose objects as before packs, and fetches still read the packs the list names.
    public let pushesPacks: Bool
    /// Where the indexes of the remote's packs are cached (`.mreg/remote-packs/<key>/`).
    let cacheFolder: String
    /// Downloads land here (a temp folder in `objects/`, removed by `close`).
    let staging: ObjectStore
    /// A pack at most this large is downloaded whole when a fetch wants an object in it;
    /// a larger one is read an entry at a time.
    static let wholePackLimit: Int64 = 32 << 20

    struct State {
        var loaded = false
        /// Whether `load` may take the list from the cache (a push; see `useCachedList`).
        var prefersCache = false
        /// Whether the list was taken from the cache and not yet confirmed by the remote.
        var unconfirmed = false
        var list: RemotePackList?
        var indexes: [(name: String, index: PackIndex)] = []
        var downloaded: [String: Pack] = [:]
        /// Sizes of packs read though the list does not name them (a repair by `gc --remote`).
        var unlistedSizes: [String: Int64] = [:]
    }
    private let state = Mutex(State())
    private let downloads = Mutex(())

    /// - Parameters:
    ///   - storeRoot: the local store's `.mreg` folder (for the index cache).
    ///   - objects: the local object store (downloads are staged in its folder).
    init(storage: any RemotePackStorage, storeRoot: String, objects: ObjectStore, readsThroughList: Bool, pushesPacks: Bool) {
        self.storage = storage
        self.readsThroughList = readsThroughList
        self.pushesPacks = pushesPacks
        let key = Hex.encode(Array(SHA256.hash(data: Array("\(storage.location)".utf8)))).prefix(16)
        cacheFolder = "\(storeRoot)/remote-packs/\(key)"
        staging = ObjectStore(directory: "\(objects.directory)/\(ObjectStore.tempPrefix)packdl_\(getpid())_\(UInt64.random(in: 0...UInt64.max))")
    }

    deinit { close() }

    /// Removes downloaded packs.
    public func close() {
        state.withLock { $0.downloaded = [:] }
        try? FileManager.default.removeItem(atPath: staging.directory)
    }

    /// The pack list as read at the start of this transfer (nil: the remote has none).
    public func list() throws -> RemotePackList? {
        try load()
        return state.withLock { $0.list }
    }

    /// Lets this transfer (a push) take the pack list from the cache `.mreg/remote-packs/<key>/LIST`
    /// (the list and token this store last read or wrote) instead of reading it: pushes only add
    /// to a list, so a cached one names packs the remote has, and its token makes the push's
    /// conditional list update fail (then the list is read) when it is not current. A push that
    /// writes no list calls `confirmList` before heads move.
    public func useCachedList() {
        // A filesystem remote's list is a local read, and its own gc drops merged packs from it.
        guard readsThroughList else { return }
        state.withLock { if !$0.loaded { $0.prefersCache = true } }
    }

    var listCachePath: String { "\(cacheFolder)/LIST" }

    /// The cached list: a first line `token <token>` (or `token -`), then the list's bytes.
    func cachedList() -> RemotePackList? {
        guard let data = FileManager.default.contents(atPath: listCachePath) else { return nil }
        let bytes = Array(data)
        guard let newline = bytes.firstIndex(of: 10) else { return nil }
        let first = String(decoding: bytes[..<newline], as: UTF8.self)
        guard first.hasPrefix("token ") else { return nil }
        let token = String(first.dropFirst(6))
        return try? RemotePackList.parse(Array(bytes[(newline + 1)...]), token: token == "-" ? nil : token, where: "\(storage.location)")
    }

    /// Remembers `list` as the remote's current one (best effort: it is only a cache).
    func cacheList(_ list: RemotePackList?) {
        guard let list else {
            unlink(listCachePath)
            return
        }
        cache(file: "LIST", bytes: Array("token \(list.token ?? "-")\n".utf8) + list.serialized())
    }

    /// Reads the pack list (from the cache when `useCachedList` allows) and the indexes it
    /// names (cached ones from the cache), once.
    ///
    /// - Throws: `corrupt` when the list names a pack whose index is missing or damaged.
    func load() throws {
        if state.withLock({ $0.loaded }) { return }
        var list: RemotePackList?
        var fromCache = false
        if state.withLock({ $0.prefersCache }), let cached = cachedList() {
            list = cached
            fromCache = true
        } else {
            list = try storage.readPackList()
            cacheList(list)
        }
        var indexes = [(name: String, index: PackIndex)]()
        for entry in list?.entries ?? [] {
            indexes.append((entry.name, try index(of: entry.name)))
        }
        state.withLock {
            $0.list = list
            $0.indexes = indexes
            $0.loaded = true
            $0.unconfirmed = fromCache
        }
    }

    /// For a repair (`gc --remote`): reads objects from `packs` (present on the remote, their
    /// indexes checked) whatever the list says; `list` is the list as read (nil: none or damaged).
    func loadForRepair(list: RemotePackList?, packs: [(name: String, size: Int64, index: PackIndex)]) {
        state.withLock {
            $0.list = list
            $0.indexes = packs.map { ($0.name, $0.index) }
            $0.unlistedSizes = Dictionary(packs.map { ($0.name, $0.size) }, uniquingKeysWith: { a, _ in a })
            $0.loaded = true
            $0.prefersCache = false
            $0.unconfirmed = false
        }
    }

    /// Before heads move: when this push took the list from the cache and wrote none, reads it
    /// once and checks that it still names every pack the cached one did (the push counted on
    /// their objects).
    ///
    /// - Throws: `conflict` when packs were dropped from the list meanwhile (push again).
    public func confirmList() throws {
        guard state.withLock({ $0.loaded && $0.unconfirmed }) else { return }
        let fresh = try storage.readPackList()
        try adopt(fresh)
    }

    /// Takes `fresh` (just read) as the list, after checking it names every pack the list this
    /// push counted on named.
    private func adopt(_ fresh: RemotePackList?) throws {
        cacheList(fresh)
        let counted = state.withLock { $0.list?.names ?? [] }
        guard !readsThroughList || counted.isSubset(of: fresh?.names ?? []) else {
            state.withLock { $0.loaded = false; $0.unconfirmed = false; $0.prefersCache = false; $0.indexes = []; $0.list = nil }
            throw RegistryError.conflict(.headMoved(model: "objects/pack/LIST", remote: "\(storage.location)",
                                                    detail: "packs left the remote's pack list while this push ran (a repair by `mreg gc --remote`?); nothing moved: push again"))
        }
        var indexes = [(name: String, index: PackIndex)]()
        for entry in fresh?.entries ?? [] where !counted.contains(entry.name) {
            indexes.append((entry.name, try index(of: entry.name)))
        }
        state.withLock {
            $0.list = fresh
            $0.indexes += indexes
            $0.unconfirmed = false
        }
    }

    /// A listed pack's index, from the cache or the remote (then cached), checked.
    func index(of name: String) throws -> PackIndex {
        let path = "\(cacheFolder)/\(name).idx"
        if let bytes = FileManager.default.contents(atPath: path),
           let index = try? PackIndex(bytes: Array(bytes), path: .init(path)), "pack-" + Hex.encode(index.packChecksum) == name {
            return index
        }
        guard let bytes = try storage.readPackIndex(name: name) else {
            throw RegistryError.corrupt(.init(object: "pack \(name)", reason: "the pack list names it but its index \(name).idx is missing: the remote is incomplete (run `mreg gc --remote` to drop it from the list, then push again from a store that has its objects)",
                                              remote: "\(storage.location)"))
        }
        let index: PackIndex
        do {
            index = try PackIndex(bytes: bytes, path: .init("objects/pack/\(name).idx"))
        } catch {
            throw RegistryError.corrupt(.init(object: "pack \(name)", reason: "its index is damaged (\(error)); it was not used", remote: "\(storage.location)"))
        }
        guard "pack-" + Hex.encode(index.packChecksum) == name else {
            throw RegistryError.corrupt(.init(object: "pack \(name)", reason: "its index is of another pack; it was not used", remote: "\(storage.location)"))
        }
        cache(name: name, index: bytes)
        return index
    }

    /// Writes an index into the cache (temp file and rename; best effort: it is only a cache).
    func cache(name: String, index bytes: [UInt8]) {
        cache(file: "\(name).idx", bytes: bytes)
    }

    /// Writes a file into the cache (temp file and rename; best effort: it is only a cache).
    func cache(file: String, bytes: [UInt8]) {
        try? FileManager.default.createDirectory(atPath: cacheFolder, withIntermediateDirectories: true)
        let temp = "\(cacheFolder)/tmp_\(getpid())_\(UInt64.random(in: 0...UInt64.max))"
        guard FileManager.default.createFile(atPath: temp, contents: Data(bytes)) else { return }
        if rename(temp, "\(cacheFolder)/\(file)") != 0 { unlink(temp) }
    }

    /// Where a listed pack holds `id`, or nil.
    func locate(_ id: ObjectID) throws -> (name: String, offset: Int64, length: Int64)? {
        try load()
        return state.withLock { s in
            for (name, index) in s.indexes { if let (offset, length) = index.lookup(id) { return (name, offset, length) } }
            return nil
        }
    }

    /// Whether a listed pack holds `id` (no request once the list is loaded).
    public func contains(_ id: ObjectID) throws -> Bool { try locate(id) != nil }

    /// Opens `id` from the remote's packs for a verified read, or nil when no listed pack holds it.
    ///
    /// The first object wanted from a pack of at most `wholePackLimit` bytes downloads the
    /// whole pack (one request; checked against its index before use); in a larger one each
    /// object is one ranged read.
    func open(_ id: ObjectID) throws -> RemoteObject? {
        guard let (name, offset, length) = try locate(id) else { return nil }
        let size = state.withLock { $0.list?.entries.first { $0.name == name }?.size ?? $0.unlistedSizes[name] } ?? Int64.max
        if size <= Self.wholePackLimit {
            let pack = try downloaded(name)
            guard let reader = try pack.openReader(id) else { return nil }
            return RemoteObject(reader: reader)
        }
        guard let bytes = try storage.readPackRange(name: name, offset: offset, length: length), bytes.count == Int(length) else {
            throw missingPack(name)
        }
        try makeFolder(staging.directory)
        let path = staging.path(for: id)
        try makeFolder((path as NSString).deletingLastPathComponent)
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            throw RegistryError.io(.init("write", path, reason: "a downloaded object cannot be written"))
        }
        do {
            return RemoteObject(reader: try staging.openReader(id)) { unlink(path) }
        } catch {
            unlink(path)
            throw error
        }
    }

    func missingPack(_ name: String) -> RegistryError {
        RegistryError.corrupt(.init(object: "pack \(name)", reason: "the pack list names it but it is missing: the remote is incomplete (run `mreg gc --remote` to drop it from the list, then push again from a store that has its objects)",
                                    remote: "\(storage.location)"))
    }

    private func makeFolder(_ path: String) throws {
        if mkdir(path, 0o700) != 0 && errno != EEXIST {
            throw RegistryError.io(.init("create the download folder", path, errno: errno))
        }
    }

    /// The whole pack `name`, downloaded once and checked against its index.
    func downloaded(_ name: String) throws -> Pack {
        if let pack = state.withLock({ $0.downloaded[name] }) { return pack }
        return try downloads.withLock { _ in
            if let pack = state.withLock({ $0.downloaded[name] }) { return pack }
            try makeFolder(staging.directory)
            let folder = "\(staging.directory)/pack"
            try makeFolder(folder)
            guard let index = state.withLock({ $0.indexes.first { $0.name == name }?.index }) else { throw missingPack(name) }
            let indexPath = "\(folder)/\(name).idx"
            guard FileManager.default.createFile(atPath: indexPath, contents: Data(index.bytes)) else {
                throw RegistryError.io(.init("write", indexPath, reason: "a pack index cannot be written"))
            }
            guard try storage.downloadPack(name: name, to: "\(folder)/\(name).pack") else { throw missingPack(name) }
            let pack: Pack
            do {
                pack = try Pack.load(folder: folder, name: name)
                try pack.verifyChecksum()
            } catch {
                unlink("\(folder)/\(name).pack")
                throw RegistryError.corrupt(.init(object: "pack \(name)", reason: "it is damaged (\(error)); nothing of it was stored", remote: "\(storage.location)"))
            }
            state.withLock { $0.downloaded[name] = pack }
            return pack
        }
    }

    /// Uploads a pack and adds it to the pack list with a conditional write (a lock on a
    /// filesystem), reading the list again and retrying when another pusher changed it, so
    /// neither update is lost.
    public func publish(_ pack: Pack) throws {
        try storage.uploadPack(pack)
        // Tests (`MREG_TEST_KILL_AT=push-pack-uploaded`): killed after the pack and its index are up, before the list names them.
        KillPoint.reach("push-pack-uploaded")
        if let bytes = FileManager.default.contents(atPath: pack.indexPath.string) { cache(name: pack.name, index: Array(bytes)) }
        var current = try list()
        let entry = RemotePackList.Entry(name: pack.name, size: pack.size)
        for attempt in 1...100 {
            if current?.names.contains(pack.name) == true { break }
            let new = (current ?? RemotePackList()).adding(entry)
            if let written = try storage.writePackList(new, replacing: current) {
                current = written
                cacheList(written)
                state.withLock { $0.unconfirmed = false }
                break
            }
            if attempt == 100 {
                throw RegistryError.conflict(.headMoved(model: "objects/pack/LIST", remote: "\(storage.location)", detail: "the pack list kept changing; push again"))
            }
            // The list this push counted on was stale (a cached one) or another pusher changed it.
            let fresh = try storage.readPackList()
            try adopt(fresh)
            current = fresh
            if attempt > 1 { usleep(UInt32(min(100_000, 1_000 * attempt)) + UInt32.random(in: 0...5_000)) }
        }
        state.withLock {
            $0.list = current
            if !$0.indexes.contains(where: { $0.name == pack.name }) { $0.indexes.append((pack.name, pack.index)) }
        }
    }
}
