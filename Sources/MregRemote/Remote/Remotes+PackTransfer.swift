import Foundation
import MregStore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif
import MregSupport
import MregRegistry

/// Push in packs (FORMAT.md §6.1).
extension Remotes {
    /// Which of `ids` (found by the have/want walk) the remote lacks, without a request for
    /// those the remote's listed packs hold, nor for small ones (under `gc.packThreshold`):
    /// a small object not in a listed pack is sent again in the push's pack (a duplicate is
    /// harmless). Large ones are asked about, and freshened, one request each as before.
    func lackingObjects(_ ids: [ObjectID], remote: any RemoteStorage, threshold: Int64) throws -> Set<ObjectID> {
        guard let packs = remote.packs, packs.readsThroughList, packs.pushesPacks else {
            return try remote.missing(ids, freshening: true)
        }
        var out = Set<ObjectID>()
        var ask = [ObjectID]()
        for id in ids where try !packs.contains(id) {
            if let size = store.storedSize(of: id), size < threshold || (try? Registry.linkedTypes.contains(store.header(of: id).type)) == true {
                out.insert(id)
            } else {
                ask.append(id)
            }
        }
        if !ask.isEmpty { out.formUnion(try remote.missing(ask, freshening: true)) }
        return out
    }

    /// Sends a plan through packs: large leaf objects (blobs and chunks of at least
    /// `gc.packThreshold`) one request each, `remote.parallelism` at a time; then every
    /// other object as one pack (written aside in this store, streamed object by object),
    /// uploaded with its index, then named in the remote's pack list. Everything a pack's
    /// objects name is on the remote before the list names the pack.
    func sendInPacks(_ plan: TransferPlan, packs: RemotePacks, to remote: any RemoteStorage,
                     observer: (any TransferObserver)?) throws {
        observer?.expect(bytes: plan.bytes)
        defer { observer?.finish() }
        let threshold = try registry.configuredPackThreshold()
        let store = self.store
        var single = [ObjectID]()
        var packed = [ObjectID]()
        for level in plan.levels {
            for id in level {
                let size = store.storedSize(of: id) ?? 0
                if size >= threshold, threshold > 0, try !Registry.linkedTypes.contains(store.header(of: id).type) {
                    single.append(id)
                } else {
                    packed.append(id)
                }
            }
        }
        let killAfter = ProcessInfo.processInfo.environment["MREG_TEST_KILL_AFTER_OBJECTS"].flatMap { Int64($0) }
        let sent = Atomic<Int64>(0)
        try Parallel.forEach(single, width: remote.parallelism) { id in
            try remote.send(id, from: store) { observer?.advance(bytes: $0) }
            let n = sent.wrappingAdd(1, ordering: .relaxed).newValue
            if let killAfter, n >= killAfter { kill(getpid(), SIGKILL) }
        }
        guard !packed.isEmpty else { return }
        let folder = "\(repository.root)/\(ObjectStore.tempPrefix)pushpack_\(getpid())_\(UInt64.random(in: 0...UInt64.max))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        guard let pack = try store.writePack(packed, into: folder) else { return }
        if let killAfter, sent.load(ordering: .relaxed) + 1 >= killAfter { kill(getpid(), SIGKILL) }
        try packs.publish(pack)
        observer?.advance(bytes: pack.size)
    }
}
