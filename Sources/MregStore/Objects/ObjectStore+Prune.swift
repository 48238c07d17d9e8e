#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SystemPackage

/// Deleting unreachable objects, one at a time, safely against concurrent writers (`gc`).
extension ObjectStore {
    /// One loose object as `gc` and `du` see it.
    public struct LooseObject: Sendable, Equatable {
        public var id: ObjectID
        /// Bytes of the file (the compressed object).
        public var storedBytes: Int64
        /// Last modification (written or freshened), in nanoseconds since 1970.
        public var modificationTime: Int64
    }

    /// What `prune` did with one object.
    public enum PruneOutcome: Sendable, Equatable {
        /// Deleted; the object's file held this many bytes.
        case deleted(bytes: Int64)
        /// Kept: a writer freshened it after it was chosen (it is in use again).
        case fresh
        /// Not there (deleted meanwhile by another gc).
        case missing
    }

    /// The prefix of an object being deleted: `tmp_obj_gc_<64 hex>_<pid>_<random>` in `objects/`.
    public static let prunePrefix = tempPrefix + "gc_"

    /// Every loose object (regular files with an object's name), with its size and time.
    public func looseObjects() -> [LooseObject] {
        var out = [LooseObject]()
        for (dir, name) in looseEntries() where name.count == 62 {
            guard let id = ObjectID(parsing: dir + name),
                  let status = FileSystem.linkStatus(FilePath("\(directory)/\(dir)/\(name)")), status.isRegularFile else { continue }
            out.append(LooseObject(id: id, storedBytes: status.size, modificationTime: status.modificationTime))
        }
        return out
    }

    /// Deletes an object unless it was modified (written or freshened) at or after `cutoff`
    /// (nanoseconds since 1970).
    ///
    /// The object is first renamed out of its place, then its time is read from the renamed
    /// file (opened, so that NFS revalidates it), and only then is it deleted, or linked back
    /// when it turns out fresh. A writer that freshens the object before the rename is seen
    /// by the time check; one that tries after it finds no object and writes it again
    /// (`freshen` fails). A kill at any point leaves at most one renamed file, which the next
    /// gc puts back (`restoreInterruptedPrunes`); the object was unreachable and old, so
    /// nothing that a ref reaches is ever missing meanwhile.
    public func prune(_ id: ObjectID, olderThan cutoff: Int64) -> PruneOutcome {
        let target = filePath(for: id)
        let moved = FilePath("\(directory)/\(Self.prunePrefix)\(id.hex)_\(LocalHost.processID)_\(LocalHost.randomSuffix())")
        do {
            try FileSystem.move(target, to: moved)
        } catch {
            return .missing
        }
        KillPoint.reach("gc-object-moved")
        var status: FileStatus?
        if let file = try? OpenFile.open(moved, .readOnly, options: .nonBlocking) {
            status = try? file.status()
            file.close()
        }
        guard let status, status.isRegularFile, status.modificationTime < cutoff else {
            putBack(moved, to: target)
            return .fresh
        }
        FileSystem.removeIfPresent(moved)
        KillPoint.reach("gc-object-deleted")
        // Empty fan-out folders stay: a writer may be about to link an object into one.
        return .deleted(bytes: status.size)
    }

    /// Links `moved` back to `target` (a copy written meanwhile wins) and removes `moved`.
    func putBack(_ moved: FilePath, to target: FilePath) {
        do {
            try FileSystem.makeDirectories(target.removingLastComponent(), mode: dirMode)
            try FileSystem.hardLink(moved, to: target)
        } catch let e as StoreError where e.errno == .fileExists {
            // Written again by a writer meanwhile: the same bytes.
        } catch {
            // No hard links here: rename instead (nothing to remove afterwards).
            if (try? FileSystem.move(moved, to: target)) != nil { return }
            return  // keep the renamed file: fsck lists it and the next gc retries
        }
        FileSystem.removeIfPresent(moved)
    }

    /// Puts back the objects a gc had renamed for deletion when it was killed (or that a gc
    /// running right now is deleting: it then finds them fresh, or gone, and keeps them).
    /// Returns how many were put back.
    @discardableResult
    public func restoreInterruptedPrunes() -> Int {
        var count = 0
        for name in FileSystem.listDirectory(directory) where name.hasPrefix(Self.prunePrefix) {
            let hex = String(name.dropFirst(Self.prunePrefix.count).prefix(ObjectID.hexLength))
            let moved = FilePath("\(directory)/\(name)")
            guard let id = ObjectID(parsing: hex), FileSystem.linkStatus(moved)?.isRegularFile == true else { continue }
            putBack(moved, to: filePath(for: id))
            count += 1
        }
        return count
    }
}
