import MregStore
import Testing
@testable import MregRegistry

/// `du`'s cache files: the shared reader and writer (magic, fields, SHA-256 trailer) and the
/// walk state (`.mreg/index/du-state`) read back as written; a damaged file is never used.
@Suite struct DiskUsageStateTests {
    static func id(_ n: Int) -> ObjectID { ObjectID(bytes: (0..<32).map { UInt8(truncatingIfNeeded: n &+ $0 * 7) }) }

    @Test func readerReadsWhatTheWriterWrote() throws {
        let magic = Array("mregtst\n".utf8)
        var w = CacheFileWriter(magic: magic)
        w.u32(7); w.i64(-5); w.u8(9); w.string("héllo"); w.ids([Self.id(1), Self.id(2)])
        let bytes = w.finished()
        var r = try CacheFileReader(bytes, magic: magic)
        #expect(try r.u32() == 7 && r.i64() == -5 && r.u8() == 9)
        #expect(try r.string() == "héllo")
        #expect(try r.ids() == [Self.id(1), Self.id(2)])
        try r.expectEnd()
        // Another magic, one flipped byte, a truncated file: refused.
        #expect(throws: CacheFileReader.Damaged.self) { try CacheFileReader(bytes, magic: Array("mregxxx\n".utf8)) }
        var flipped = bytes
        flipped[10] ^= 1
        #expect(throws: CacheFileReader.Damaged.self) { try CacheFileReader(flipped, magic: magic) }
        #expect(throws: CacheFileReader.Damaged.self) { try CacheFileReader(Array(bytes.dropLast()), magic: magic) }
        // A field past the end: refused, not read.
        var short = CacheFileWriter(magic: magic)
        short.u32(1000); short.u32(0)
        var r2 = try CacheFileReader(short.finished(), magic: magic)
        #expect(throws: CacheFileReader.Damaged.self) { _ = try r2.ids() }
    }

    @Test func theWalkStateReadsBackAsWritten() throws {
        let key = Reachability.VersionKey(model: "fraud", version: 2), other = Reachability.VersionKey(model: "base", version: 1)
        let group = DiskUsageState.Group(
            model: "fraud", refs: ["refs/models/fraud/head": Self.id(1), "refs/models/fraud/versions/2": Self.id(2)],
            removals: [Reachability.VersionKey(model: "fraud", version: 1)], foreign: [other], manifests: [key: Self.id(2)],
            removed: [Reachability.VersionKey(model: "fraud", version: 1)], live: [Self.id(1), Self.id(2), Self.id(3)],
            fileObjects: [Self.id(2): [Self.id(3), Self.id(4)]], skipped: [Self.id(9)])
        let state = DiskUsageState(
            folders: [.init(path: "refs", modificationTime: 1, changeTime: 2), .init(path: "objects/ab", modificationTime: -1, changeTime: -1)],
            loose: ["ab": [Self.id(1): 10, Self.id(2): 20], "cd": [:]], packed: [Self.id(3): 30],
            groups: ["model:fraud": group, "ref:refs/other": .init(model: nil, refs: ["refs/other": Self.id(5)], removals: [],
                                                                  foreign: [], manifests: [:], removed: [], live: [Self.id(5)],
                                                                  fileObjects: [:], skipped: [])])
        let bytes = state.encoded()
        let back = try DiskUsageState.decode(bytes)
        #expect(back.folders == state.folders)
        #expect(back.loose == state.loose && back.packed == state.packed)
        #expect(back.groups.count == 2)
        let fraud = try #require(back.groups["model:fraud"])
        #expect(fraud.refs == group.refs && fraud.removals == group.removals && fraud.foreign == group.foreign)
        #expect(fraud.manifests == group.manifests && fraud.removed == group.removed && fraud.fileObjects == group.fileObjects)
        #expect(Set(fraud.live) == Set(group.live) && fraud.skipped == group.skipped && fraud.model == "fraud")
        #expect(back.groups["ref:refs/other"]?.model == nil)
        var damaged = bytes
        damaged[damaged.count / 2] ^= 0x40
        #expect(throws: CacheFileReader.Damaged.self) { try DiskUsageState.decode(damaged) }
    }

    @Test func refsAreGroupedByModel() {
        #expect(DiskUsageState.groupKey("refs/models/fraud/head") == ("model:fraud", "fraud"))
        #expect(DiskUsageState.groupKey("refs/models/fraud/versions/3") == ("model:fraud", "fraud"))
        #expect(DiskUsageState.groupKey("refs/verified/fraud") == ("model:fraud", "fraud"))
        #expect(DiskUsageState.groupKey("refs/remotes/origin/fraud/head") == ("model:fraud", "fraud"))
        #expect(DiskUsageState.groupKey("refs/custom/thing") == ("ref:refs/custom/thing", nil))
        #expect(DiskUsageState.groupKey("refs/models/x") == ("ref:refs/models/x", nil))
    }

    /// A figures file whose checksum is right but whose numbers cannot be (negative, more
    /// unique than total, past an exabyte) is damaged: `du` walks again instead of printing
    /// them or overflowing (an adversary's crafted file crashed `du` in total − unique).
    @Test func impossibleFiguresMakeTheUsageCacheDamaged() throws {
        func usage(_ total: Int64, _ unique: Int64, store: Int64 = 10) -> [UInt8] {
            var u = DiskUsage()
            u.storeBytes = store
            u.models = [DiskUsage.Entry(model: "a", version: nil, objects: 1, totalBytes: total, uniqueBytes: unique, removed: false)]
            return UsageCache(folders: [], usage: u).encoded()
        }
        let good = try UsageCache.decode(usage(5, 3))
        #expect(good.usage.models.first?.sharedBytes == 2)
        #expect(throws: CacheFileReader.Damaged.self) { try UsageCache.decode(usage(Int64.min, 1)) }
        #expect(throws: CacheFileReader.Damaged.self) { try UsageCache.decode(usage(3, 5)) }
        #expect(throws: CacheFileReader.Damaged.self) { try UsageCache.decode(usage(Int64.max, 0)) }
        #expect(throws: CacheFileReader.Damaged.self) { try UsageCache.decode(usage(5, 3, store: -1)) }
    }
}
