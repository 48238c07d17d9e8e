#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SystemPackage

/// Freshening: a writer that reuses an object already in the store marks it as just used.
///
/// `gc` deletes an unreachable object only when its modification time is older than the
/// grace period, and re-checks that time as the very last step before deleting it (see
/// `ObjectStore.prune`). So a writer that finds an object present (dedup) and is about to
/// name it from a new version must first freshen it, as git does: either the object is
/// freshened before gc looks at it for the last time, and gc keeps it, or gc has already
/// moved it away, the freshening fails, and the writer writes the object again.
extension ObjectStore {
    /// Sets the object's modification time to now and says whether it is present.
    ///
    /// False means the object is not there (never was, or a gc just deleted it): the
    /// caller must write it (again) rather than reuse it. When the time cannot be set on
    /// the file (another user's object in a shared-group store: objects are read-only and
    /// only their owner may touch them), the object is replaced by an identical copy of our
    /// own, renamed over it, which is as fresh as a new write.
    @discardableResult
    public func freshen(_ id: ObjectID) -> Bool {
        let path = filePath(for: id)
        let result = path.withPlatformString { utimensat(AT_FDCWD, $0, nil, 0) }
        if result == 0 { return true }
        let code = errno
        if code == ENOENT || code == ENOTDIR { return freshenPacked(id) }
        if code == EPERM || code == EACCES { return replaceWithOwnCopy(path) }
        // Anything else (a read-only filesystem): present or not, as it stands.
        return FileSystem.exists(path)
    }

    /// Freshens a packed object: sets its pack's time to now (gc keeps an unreachable packed
    /// object while its pack is younger than the grace, see ARCHITECTURE.md). When the pack
    /// is another user's, the object is copied out loose instead. False when it is in no pack.
    func freshenPacked(_ id: ObjectID) -> Bool {
        for _ in 0..<2 {
            guard let pack = packSet.locate(id) else { return false }
            let result = pack.packPath.withPlatformString { utimensat(AT_FDCWD, $0, nil, 0) }
            if result == 0 { return true }
            let code = errno
            if code == EPERM || code == EACCES { return loosen(id, from: pack) }
            if code != ENOENT { return FileSystem.exists(pack.packPath) }
            packSet.reload()  // repacked meanwhile: look again
        }
        return false
    }

    /// Writes a loose copy of a packed object (its same zlib stream); true when it is there.
    func loosen(_ id: ObjectID, from pack: Pack) -> Bool {
        guard let bytes = try? pack.storedBytes(of: id) else { return false }
        let temp = FilePath("\(directory)/\(Self.tempPrefix)fresh_\(LocalHost.processID)_\(LocalHost.randomSuffix())")
        guard let copy = try? OpenFile.creatingNew(temp, permissions: 0o444) else { return false }
        defer { FileSystem.removeIfPresent(temp) }
        do {
            defer { copy.close() }
            try copy.writeAll(bytes)
            if fsyncObjects { try copy.sync() }
        } catch {
            return false
        }
        let target = filePath(for: id)
        try? FileSystem.makeDirectories(target.removingLastComponent(), mode: dirMode)
        return (try? FileSystem.move(temp, to: target)) != nil || FileSystem.exists(target)
    }

    /// Copies the object at `path` into a temp file and renames it over the original.
    /// False when the object cannot be read (it is gone).
    func replaceWithOwnCopy(_ path: FilePath) -> Bool {
        guard let source = try? OpenFile.forReading(path) else { return false }
        defer { source.close() }
        let temp = FilePath("\(directory)/\(Self.tempPrefix)fresh_\(LocalHost.processID)_\(LocalHost.randomSuffix())")
        guard let copy = try? OpenFile.creatingNew(temp, permissions: 0o444) else { return FileSystem.exists(path) }
        var closed = false
        defer {
            if !closed { copy.close() }
            FileSystem.removeIfPresent(temp)
        }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        do {
            while true {
                let n = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
                if n == 0 { break }
                try buffer.withUnsafeBytes { try copy.writeAll(UnsafeRawBufferPointer(rebasing: $0[..<n])) }
            }
            if fsyncObjects { try copy.sync() }
            copy.close()
            closed = true
            try FileSystem.move(temp, to: path)
            return true
        } catch {
            return FileSystem.exists(path)
        }
    }
}
