import Foundation
import MregTestSupport
import SystemPackage
import Testing
@testable import MregStore

@Suite("Freshening and pruning objects (gc's store-level steps)")
struct PruneTests {
    func makeStore(_ dir: String) throws -> Repository {
        try Repository.initialize(at: dir, environment: ["MREG_CONFIG_GLOBAL": "\(dir)/none"]).0
    }

    func mtime(_ path: String) -> Int64 { (try? FileStatus(path: path))?.modificationTime ?? -1 }

    func makeOld(_ path: String) throws {
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1_600_000_000)], ofItemAtPath: path)
    }

    @Test func aWriteOfAnObjectThatIsThereFreshensIt() throws {
        try withTemporaryDirectory { dir in
            let store = try makeStore(dir).objects
            let first = try store.write(type: .blob, bytes: Array("weights".utf8))
            let path = store.path(for: first.id)
            try makeOld(path)
            let again = try store.write(type: .blob, bytes: Array("weights".utf8))
            #expect(!again.isNew && again.id == first.id)
            #expect(mtime(path) > 1_700_000_000 * 1_000_000_000)
            // freshen says whether the object is there.
            try makeOld(path)
            #expect(store.freshen(first.id) && mtime(path) > 1_700_000_000 * 1_000_000_000)
            try FileManager.default.removeItem(atPath: path)
            #expect(!store.freshen(first.id))
            // Written again when it is gone.
            #expect(try store.write(type: .blob, bytes: Array("weights".utf8)).isNew)
        }
    }

    @Test func pruneDeletesOnlyWhatIsOlderThanTheCutoff() throws {
        try withTemporaryDirectory { dir in
            let store = try makeStore(dir).objects
            let old = try store.write(type: .blob, bytes: Array("old".utf8)).id
            let young = try store.write(type: .blob, bytes: Array("young".utf8)).id
            try makeOld(store.path(for: old))
            let cutoff: Int64 = 1_700_000_000 * 1_000_000_000
            let size = (try FileStatus(path: store.path(for: old))).size
            #expect(store.prune(old, olderThan: cutoff) == .deleted(bytes: size))
            #expect(!store.contains(old))
            #expect(store.prune(young, olderThan: cutoff) == .fresh)
            #expect(store.contains(young))
            #expect(store.prune(old, olderThan: cutoff) == .missing)
            #expect(store.tempFiles().isEmpty)
            #expect(store.looseObjects().map(\.id) == [young])
        }
    }

    @Test func objectsMovedAsideByAKilledGCArePutBack() throws {
        try withTemporaryDirectory { dir in
            let repo = try makeStore(dir)
            let store = repo.objects
            let id = try store.write(type: .blob, bytes: Array("moved".utf8)).id
            let aside = "\(store.directory)/\(ObjectStore.prunePrefix)\(id.hex)_1_x"
            try FileManager.default.moveItem(atPath: store.path(for: id), toPath: aside)
            #expect(!store.contains(id))
            // A repair puts it back rather than deleting it as a temp file.
            let done = repo.removeLeftovers(grace: 0)
            #expect(store.contains(id) && !FileManager.default.fileExists(atPath: aside) && done.temps.isEmpty)
            try FileManager.default.moveItem(atPath: store.path(for: id), toPath: aside)
            #expect(store.restoreInterruptedPrunes() == 1 && store.contains(id))
            #expect(try store.read(id).payload == Array("moved".utf8))
        }
    }

    @Test func aHeaderIsReadFromTheFirstStoredBytes() throws {
        try withTemporaryDirectory { dir in
            let store = try makeStore(dir).objects
            for (level, bytes) in [(0, [UInt8](repeating: 7, count: 5000)), (6, Array("{\"schema\":\"x\"}".utf8))] {
                var s = store
                s.compression = try CompressionPolicy(setting: String(level))
                let id = try s.write(type: level == 0 ? .blob : .manifest, bytes: bytes).id
                let file = try readFile(store.path(for: id))
                let header = ObjectHeader.peek(compressed: Array(file.prefix(ObjectHeader.peekLength)))
                #expect(header == ObjectHeader(type: level == 0 ? .blob : .manifest, size: Int64(bytes.count)))
            }
            #expect(ObjectHeader.peek(compressed: [1, 2, 3]) == nil)
        }
    }
}
