import Crypto
import Foundation
import MregTestSupport
import SystemPackage
import Testing
@testable import MregStore

@Suite("Packs: format, lookups through the store, damage")
struct PackTests {
    func makeStore(_ dir: String) throws -> Repository {
        try Repository.initialize(at: dir, environment: ["MREG_CONFIG_GLOBAL": "\(dir)/none"]).0
    }

    /// Writes `count` small objects, packs them and deletes the loose copies.
    func packed(_ repo: Repository, count: Int = 40) throws -> (ids: [ObjectID], payloads: [ObjectID: [UInt8]], pack: Pack) {
        let store = repo.objects
        var payloads = [ObjectID: [UInt8]]()
        for i in 0..<count {
            let bytes = Array("object number \(i) \(String(repeating: "x", count: i))".utf8)
            payloads[try store.write(type: .blob, bytes: bytes).id] = bytes
        }
        let ids = payloads.keys.sorted()
        let pack = try #require(try store.writePack(ids))
        for id in ids { #expect(store.removeLooseCopy(id, packedIn: pack) != nil) }
        return (ids, payloads, pack)
    }

    @Test func packedObjectsReadAsLooseOnes() throws {
        try withTemporaryDirectory { dir in
            let repo = try makeStore(dir)
            let (ids, payloads, pack) = try packed(repo)
            #expect(pack.index.count == ids.count && pack.index.ids == ids)
            let store = ObjectStore(directory: repo.objects.directory)  // a fresh process's view
            #expect(store.looseObjects().isEmpty)
            for id in ids {
                #expect(!store.isLoose(id) && store.contains(id))
                #expect(try store.read(id).payload == payloads[id])
                #expect(try store.read(id, as: .blob) == payloads[id])
                #expect(try store.header(of: id).size == Int64(payloads[id]?.count ?? -1))
                #expect(store.storedSize(of: id) == pack.index.lookup(id)?.length)
                #expect(try store.resolve(prefix: String(id.hex.prefix(10))) == id)
                #expect(try store.mapStored(id) == nil)
            }
            #expect(store.packedObjectIDs() == Set(ids))
            let absent = ObjectID.compute(type: .blob, payload: Array("absent".utf8))
            #expect(!store.contains(absent))
            #expect(throws: StoreError.notFound(kind: .object, name: absent.hex)) { try store.read(absent) }
            // Freshening a packed object touches its pack.
            try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1_600_000_000)], ofItemAtPath: pack.packPath.string)
            #expect(store.freshen(ids[0]))
            let touched = try FileStatus(pack.packPath).modificationTime
            #expect(touched > 1_700_000_000 * 1_000_000_000)
            #expect(repo.fsck().isClean)
            #expect(repo.countPacked().objects == ids.count && repo.countPacked().packs == 1)
        }
    }

    @Test func aPackDuplicatingLooseObjectsIsNoDamage() throws {
        try withTemporaryDirectory { dir in
            let repo = try makeStore(dir)
            let id = try repo.objects.write(type: .blob, bytes: Array("twice".utf8)).id
            let pack = try #require(try repo.objects.writePack([id]))
            #expect(repo.objects.isLoose(id) && pack.index.lookup(id) != nil)
            let report = repo.fsck()
            #expect(report.isClean && report.findings.allSatisfy { $0.kind == "dangling" }, "\(report.findings)")
        }
    }

    /// Rewrites an index with `edit` applied to its bytes and a recomputed checksum (a lie that checksums cannot catch).
    func rewriteIndex(_ pack: Pack, resign: Bool = true, _ edit: (inout [UInt8]) -> Void) throws {
        var bytes = try readFile(pack.indexPath.string)
        edit(&bytes)
        if resign {
            let body = bytes.count - 32
            bytes.replaceSubrange(body..., with: Array(SHA256.hash(data: bytes[0..<body])))
        }
        try? FileManager.default.removeItem(atPath: pack.indexPath.string)
        try writeFile(pack.indexPath.string, bytes)
    }

    @Test(arguments: ["checksum", "fan-out", "order", "offset", "truncated", "magic"])
    func aDamagedIndexIsRefusedAndNamed(_ damage: String) throws {
        try withTemporaryDirectory { dir in
            let repo = try makeStore(dir)
            let (ids, _, pack) = try packed(repo)
            let fan = PackIndex.headerSize
            let idsAt = PackIndex.headerSize + PackIndex.fanOutSize
            switch damage {
            case "checksum": try rewriteIndex(pack, resign: false) { $0[idsAt + 5] ^= 0x01 }
            case "fan-out":
                // Every object claimed one bucket lower: a lying fan-out with a valid checksum.
                try rewriteIndex(pack) { b in
                    for i in 0..<255 { b[fan + 4 * i..<fan + 4 * i + 4] = b[fan + 4 * (i + 1)..<fan + 4 * (i + 1) + 4] }
                }
            case "order": try rewriteIndex(pack) { b in
                let first = Array(b[idsAt..<idsAt + 32]), second = Array(b[idsAt + 32..<idsAt + 64])
                b.replaceSubrange(idsAt..<idsAt + 32, with: second)
                b.replaceSubrange(idsAt + 32..<idsAt + 64, with: first)
            }
            case "offset": try rewriteIndex(pack) { b in
                let offsets = idsAt + 32 * ids.count
                for k in 0..<8 { b[offsets + k] = 0x7f }
            }
            case "truncated": try rewriteIndex(pack, resign: false) { $0.removeLast(10) }
            default: try rewriteIndex(pack) { $0[0] = UInt8(ascii: "X") }
            }
            let store = ObjectStore(directory: repo.objects.directory)
            #expect(store.packSet.packs.isEmpty)
            #expect(store.packSet.damaged.map(\.name) == [pack.name])
            #expect(!store.contains(ids[0]))
            do {
                _ = try store.read(ids[0])
                Issue.record("read through a damaged index")
            } catch let StoreError.corrupt(object, path, reason) {
                #expect(object == ids[0] && path == pack.indexPath && reason.contains(pack.name), "\(reason)")
            }
            let report = repo.fsck()
            #expect(!report.isClean)
            #expect(report.errors.contains { $0.message.contains("damaged pack \(pack.name)") }, "\(report.findings)")
        }
    }

    @Test func aDamagedPackIsRefusedOrItsObjectsFailTheirCheck() throws {
        try withTemporaryDirectory { dir in
            let repo = try makeStore(dir)
            let (ids, _, pack) = try packed(repo)
            // A flipped byte inside an entry: the pack still loads (its structure is sound) but
            // the object fails its check on read, naming the pack, and fsck's checksum fails.
            let (offset, length) = try #require(pack.index.lookup(ids[3]))
            var bytes = try readFile(pack.packPath.string)
            bytes[Int(offset + length / 2)] ^= 0x40
            try? FileManager.default.removeItem(atPath: pack.packPath.string)
            try writeFile(pack.packPath.string, bytes)
            var store = ObjectStore(directory: repo.objects.directory)
            do {
                _ = try store.read(ids[3])
                Issue.record("read a damaged entry")
            } catch let StoreError.corrupt(object, path, _) {
                #expect(object == ids[3] && path == pack.packPath)
            }
            #expect(try store.read(ids[4]).type == .blob)
            let report = repo.fsck()
            #expect(report.errors.contains { $0.message.contains("checksum mismatch") })
            #expect(report.errors.contains { $0.id == ids[3] })
            // Truncated: refused whole.
            try? FileManager.default.removeItem(atPath: pack.packPath.string)
            try writeFile(pack.packPath.string, Array(bytes.dropLast(7)))
            store = ObjectStore(directory: repo.objects.directory)
            #expect(store.packSet.damaged.count == 1 && !store.contains(ids[4]))
        }
    }
}
