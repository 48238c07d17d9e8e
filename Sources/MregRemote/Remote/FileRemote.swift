import Foundation
import MregStore
#if canImport(Glibc)
import Glibc
#endif
import MregSupport
import MregRegistry
import MregIndex
import MregGovernance

/// A remote that is another store on a (shared) filesystem: NFS, SMB, a local disk.
///
/// It is an ordinary store, written with the same code as a local one: objects go
/// through `ObjectStore.write` (temp file, fsync, link into place), heads move by
/// `RefStore.update` under `<ref>.lock`, the remote's own `core.sharedRepository`
/// decides file modes, and after heads move its derived refs are synced, so
/// `mreg fsck` and every read command work on the remote itself.
public struct FileRemote: RemoteStorage {
    public let location: RemoteLocation
    public let repository: Repository
    /// The remote store seen as a registry (models, derived refs).
    let registry: Registry
    public var parallelism: Int { transferJobs(default: 4) }
    /// The remote's packs (nil when pack transfer is off): a push sends its small objects as
    /// one pack; reads go through the remote store itself, packs and loose objects alike.
    public var packs: RemotePacks?

    /// Opens the store at `path` (a folder holding `.mreg`, or the `.mreg` folder).
    public init(path: String) throws {
        let root: String
        if Self.isStore(path) {
            root = path
        } else if Self.isStore("\(path)/\(Repository.directoryName)") {
            root = "\(path)/\(Repository.directoryName)"
        } else {
            throw RegistryError.notFound(.init(.store, path))
        }
        repository = try Repository(root: root)
        registry = try Registry.standard(repository)
        location = .filesystem(path)
    }

    /// This remote with transfers in packs, for the local store at `root` (its `.mreg`).
    public func withPacks(localRoot root: String, objects: ObjectStore, pushing: Bool = true) -> FileRemote {
        var copy = self
        copy.packs = RemotePacks(storage: FilePackStorage(location: location, objects: repository.objects),
                                 storeRoot: root, objects: objects, readsThroughList: false, pushesPacks: pushing)
        return copy
    }

    static func isStore(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: "\(path)/objects", isDirectory: &isDir) && isDir.boolValue
            && FileManager.default.fileExists(atPath: "\(path)/config")
    }

    /// Every model with a head, damaged heads included (reading one fails, naming it).
    public func modelNames() throws -> [String] {
        RemoteRequests.note()
        return Array(Set(try registry.models() + registry.damagedModels().map(\.model))).sorted()
    }

    public func readHead(model: String) throws -> RemoteHead? {
        RemoteRequests.note()
        return try registry.head(of: model).map { RemoteHead(id: $0) }
    }

    public func moveHead(model: String, to new: ObjectID, from old: RemoteHead?) throws {
        RemoteRequests.note()
        let ref = try Registry.headRef(model)
        let deadline = Date().addingTimeInterval(30)
        var attempt = 0
        while true {
            attempt += 1
            do {
                try repository.refs.update(ref, to: new, expecting: old.map { .value($0.id) } ?? .absent)
                return
            } catch let e as StoreError where e.code == .modified {
                throw RegistryError.conflict(.headMoved(model: model, remote: "\(location)", detail: "\(e)"))
            } catch let e as StoreError where e.code == .locked {
                // Another pusher holds the lock for a moment; a stale lock is reported, never broken.
                if e.isStaleLock || Date() > deadline { throw e }
                usleep(UInt32(min(50_000, 2_000 * attempt)) + UInt32.random(in: 0...2_000))
            }
        }
    }

    public func contains(_ id: ObjectID) throws -> Bool {
        RemoteRequests.note()
        return repository.objects.contains(id)
    }

    public func freshen(_ id: ObjectID) throws -> Bool {
        RemoteRequests.note()
        return repository.objects.freshen(id)
    }

    public func send(_ id: ObjectID, from local: ObjectStore, progress: (Int64) -> Void) throws {
        RemoteRequests.note()
        _ = try ReaderSource.copy(try local.openReader(id), into: repository.objects)
        // Progress counts stored (compressed) bytes, as the push plan does.
        progress(local.storedSize(of: id) ?? 0)
    }

    public func open(_ id: ObjectID) throws -> RemoteObject {
        RemoteRequests.note()
        do {
            return RemoteObject(reader: try repository.objects.openReader(id))
        } catch let e as StoreError where e.code == .notFound {
            throw RegistryError.corrupt(.init(object: "object \(id.hex)", reason: "it is missing: the remote store is incomplete", remote: "\(location)"))
        }
    }

    public func prepareForHeads() throws {}

    public func headsMoved(models: [String]) {
        for model in models { registry.headMoved(model: model) }
    }
}
