#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Crypto
import SystemPackage

/// Writing packs and removing them (`gc`), safely against concurrent readers and writers.
extension ObjectStore {
    /// One object in a pack, as `gc` and `du` see it.
    public struct PackedObject: Sendable, Equatable {
        public var id: ObjectID
        /// The pack holding it (the largest, when several do).
        public var pack: String
        /// Bytes of its entry (its zlib stream).
        public var storedBytes: Int64
        /// The pack's modification time (written, or an object in it freshened), ns since 1970.
        public var modificationTime: Int64
    }

    /// Every object in a sound pack, by id.
    public func packedObjects() -> [ObjectID: PackedObject] {
        var out = [ObjectID: PackedObject]()
        for pack in packSet.packs {
            let time = FileSystem.linkStatus(pack.packPath)?.modificationTime ?? 0
            for i in 0..<pack.index.count {
                let id = pack.index.id(at: i)
                if let seen = out[id] {
                    if seen.modificationTime < time { out[id]?.modificationTime = time }
                    continue
                }
                out[id] = PackedObject(id: id, pack: pack.name, storedBytes: pack.index.entry(i).length, modificationTime: time)
            }
        }
        return out
    }

    /// The stored bytes (the zlib stream, as in a loose file) of an object found only in a
    /// pack, or nil when it is not in one.
    public func packedBytes(of id: ObjectID) throws -> [UInt8]? {
        guard let pack = packSet.locate(id) else { return nil }
        return try pack.storedBytes(of: id)
    }

    /// The objects only in packs (no loose copy), as `du` counts them: the bytes of their
    /// pack entries, their pack's time.
    public func packedOnlyObjects() -> [LooseObject] {
        packedObjects().values.filter { !isLoose($0.id) }
            .map { LooseObject(id: $0.id, storedBytes: $0.storedBytes, modificationTime: $0.modificationTime) }
    }

    /// The stored bytes (zlib stream) of an object, from its loose file or a pack, after
    /// checking that it reads back as the object it claims to be.
    func verifiedStoredBytes(of id: ObjectID) throws -> [UInt8]? {
        let reader: ObjectReader
        do { reader = try openReader(id) } catch let e as StoreError where e.code == .notFound { return nil }
        while try reader.next() != nil {}
        let path = filePath(for: id)
        if let file = try? OpenFile.forReadingRegularFile(path) {
            defer { file.close() }
            if let bytes = try file.readToEnd(limit: 1 << 30) { return bytes }
        }
        for pack in packSet.packs { if let bytes = try pack.storedBytes(of: id) { return bytes } }
        return nil
    }

    /// Writes a pack of `ids` (read loose or from packs, each verified), then its index;
    /// each is fsynced before it is renamed into `objects/pack/`, the pack first, and the
    /// folder is fsynced after. Objects no longer in the store are left out.
    ///
    /// - Parameter target: the folder to write it in, when not this store's `objects/pack`
    ///   (a push writes the pack it uploads aside; temp files still go in `objects/`).
    /// - Returns: the new pack, loaded and checked; nil when no object was left to pack.
    /// - Throws: `corrupt` when an object to pack is damaged (nothing is written then).
    public func writePack(_ ids: [ObjectID], into target: String? = nil) throws -> Pack? {
        let folder = target ?? "\(directory)/pack"
        try FileSystem.makeDirectories(FilePath(folder), mode: dirMode)
        let tempPack = FilePath("\(directory)/\(Self.tempPrefix)pack_\(LocalHost.processID)_\(LocalHost.randomSuffix())")
        let file = try OpenFile.open(tempPack, .readWrite, options: [.create, .exclusiveCreate], permissions: 0o444)
        var closed = false
        defer {
            if !closed { file.close() }
            FileSystem.removeIfPresent(tempPack)
        }
        var header = Pack.magic
        PackIndex.append32(&header, 1)
        PackIndex.append32(&header, 0)  // the count, written when known
        try file.writeAll(header)
        var entries = [(id: ObjectID, offset: Int64, length: Int64)]()
        var offset = Int64(header.count)
        var seen = Set<ObjectID>()
        for id in ids where seen.insert(id).inserted {
            guard let bytes = try verifiedStoredBytes(of: id) else { continue }
            try file.writeAll(bytes)
            entries.append((id, offset, Int64(bytes.count)))
            offset += Int64(bytes.count)
        }
        guard !entries.isEmpty else { return nil }
        var count = [UInt8]()
        PackIndex.append32(&count, UInt32(entries.count))
        try count.withUnsafeBytes { try file.writeAll($0, atOffset: 12) }
        // The trailer: SHA-256 of everything before it, read back from the file.
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var at: Int64 = 0
        while at < offset {
            let n = try buffer.withUnsafeMutableBytes { try file.read(atOffset: at, into: UnsafeMutableRawBufferPointer(rebasing: $0[..<Int(min(Int64($0.count), offset - at))])) }
            guard n > 0 else { throw StoreError.io(operation: "read back", path: tempPack, errno: .ioError) }
            buffer.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[..<n])) }
            at += Int64(n)
        }
        let checksum = Array(hasher.finalize())
        try checksum.withUnsafeBytes { try file.writeAll($0, atOffset: offset) }
        try file.sync()
        file.close()
        closed = true
        let name = "pack-" + Hex.encode(checksum)
        let packPath = FilePath("\(folder)/\(name).pack")
        let indexPath = FilePath("\(folder)/\(name).idx")
        try FileSystem.move(tempPack, to: packPath)
        KillPoint.reach("gc-pack-written")
        let tempIndex = FilePath("\(directory)/\(Self.tempPrefix)idx_\(LocalHost.processID)_\(LocalHost.randomSuffix())")
        do {
            defer { FileSystem.removeIfPresent(tempIndex) }
            let index = try OpenFile.creatingNew(tempIndex, permissions: 0o444)
            do {
                defer { index.close() }
                try index.writeAll(PackIndex.encode(entries, packChecksum: checksum))
                try index.sync()
            }
            try FileSystem.move(tempIndex, to: indexPath)
        }
        Self.syncFolder(folder)
        KillPoint.reach("gc-pack-indexed")
        if target == nil { packSet.reload() }
        return try Pack.load(folder: folder, name: name)
    }

    /// Removes a pack a repack has replaced, unless an object in it was freshened since
    /// `seenTime` (its modification time when gc chose it): the pack is renamed aside, its
    /// time read again, then the index and the pack are deleted, or the pack is put back.
    /// True when it was removed.
    public func removePack(_ pack: Pack, seenTime: Int64) -> Bool {
        let aside = FilePath("\(directory)/\(Self.tempPrefix)oldpack_\(LocalHost.processID)_\(LocalHost.randomSuffix())")
        do { try FileSystem.move(pack.packPath, to: aside) } catch { return false }
        guard let status = FileSystem.linkStatus(aside), status.modificationTime <= seenTime else {
            try? FileSystem.move(aside, to: pack.packPath)
            return false
        }
        FileSystem.removeIfPresent(pack.indexPath)
        KillPoint.reach("gc-old-pack-removed")
        FileSystem.removeIfPresent(aside)
        packSet.reload()
        return true
    }

    /// Deletes the loose copy of an object that a pack now holds (checked first).
    public func removeLooseCopy(_ id: ObjectID, packedIn pack: Pack) -> Int64? {
        guard pack.index.lookup(id) != nil, FileSystem.exists(pack.indexPath) else { return nil }
        let path = filePath(for: id)
        guard let status = FileSystem.linkStatus(path), status.isRegularFile else { return nil }
        guard (try? FileSystem.remove(path)) != nil else { return nil }
        KillPoint.reach("gc-loose-deleted")
        return status.size
    }

    /// Writes a loose copy of a packed object with the given modification time (a repack
    /// keeps an unreachable object still within the grace loose, so that it ages as before).
    public func unpack(_ id: ObjectID, modificationTime: Int64) -> Bool {
        guard let pack = packSet.locate(id) else { return false }
        if !FileSystem.exists(filePath(for: id)) {
            guard loosen(id, from: pack) else { return false }
        }
        var times = [timespec(tv_sec: Int(modificationTime / 1_000_000_000), tv_nsec: Int(modificationTime % 1_000_000_000)),
                     timespec(tv_sec: Int(modificationTime / 1_000_000_000), tv_nsec: Int(modificationTime % 1_000_000_000))]
        _ = filePath(for: id).withPlatformString { utimensat(AT_FDCWD, $0, &times, 0) }
        return true
    }

    /// Pack files without an index (a gc killed between the two renames) and pack folder temp files.
    public func orphanPackFiles() -> [String] {
        let folder = "\(directory)/pack"
        let names = Set(FileSystem.listDirectory(folder))
        return names.filter { $0.hasSuffix(".pack") && !names.contains(String($0.dropLast(5)) + ".idx") }
            .sorted().map { "\(folder)/\($0)" }
    }

    /// fsyncs a folder so that renames into it last (best effort).
    static func syncFolder(_ folder: String) {
        guard let dir = try? OpenFile.open(FilePath(folder), .readOnly, options: .directory) else { return }
        try? dir.sync()
        dir.close()
    }
}
