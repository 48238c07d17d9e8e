import Foundation
import MregTestSupport
import Testing

/// `mreg gc` packs small objects: round trips through packs, repacking, dropping
/// unreachable packed objects, and kills at every step of packing.
@Suite("Packs")
struct PackE2ETests {
    static func countObjects(_ mreg: MregRunner, _ dir: String) throws -> [String: Any] {
        try GCTests.json(try mreg.run(["count-objects", "-v", "--json"], cwd: dir).succeeded())
    }

    static func packFiles(_ dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "\(dir)/.mreg/objects/pack")) ?? []).sorted()
    }

    @Test func gcPacksSmallObjectsAndEverythingStillReads() throws {
        try withStore { mreg, dir in
            let big = randomBytes(1_500_000, seed: 5)  // a blob over 1 MiB stays loose
            var versions = [[String: [UInt8]]]()
            for v in 1...3 {
                let files = ["w.bin": randomBytes(3_000, seed: UInt64(v)), "notes.txt": Array("version \(v)\n".utf8), "big.bin": big]
                try GCTests.register(mreg, dir, "fraud", files)
                versions.append(files)
            }
            try GCTests.register(mreg, dir, "churn", ["a.txt": Array("a\n".utf8)])
            let before = try PackE2ETests.countObjects(mreg, dir)
            let loose = before["count"] as? Int ?? 0
            #expect(before["in_pack"] as? Int == 0 && before["packs"] as? Int == 0)

            let report = try GCTests.json(try mreg.run(["gc", "--json"], cwd: dir).succeeded())
            #expect(report["pack_written"] is String, "\(report)")
            #expect(report["loose_removed"] as? Int == loose - 1, "\(report)")  // all but the big blob
            let after = try PackE2ETests.countObjects(mreg, dir)
            #expect(after["count"] as? Int == 1 && after["in_pack"] as? Int == loose - 1 && after["packs"] as? Int == 1, "\(after)")
            let bigID = try mreg.run(["hash-object", "--stdin"], cwd: dir, stdin: big).succeeded().output
            #expect(GCTests.exists(GCTests.objectPath(dir, bigID)))

            for (i, files) in versions.enumerated() { try GCTests.expectExport(mreg, dir, "fraud@\(i + 1)", files) }
            try GCTests.expectClean(mreg, dir)
            try mreg.run(["verify", "fraud@2"], cwd: dir).succeeded()
            let show = try mreg.run(["show", "fraud@3"], cwd: dir).succeeded()
            #expect(show.stdout.contains("notes.txt"))
            try mreg.run(["log", "fraud"], cwd: dir).succeeded()
            try mreg.run(["cat-file", "-p", "refs/models/fraud/head"], cwd: dir).succeeded()
            let text = try mreg.run(["count-objects"], cwd: dir).succeeded()
            #expect(text.stdout.contains("in 1 pack(s)"), "\(text)")

            // A new version and a second gc: the small pack is merged, still one pack.
            let v4 = ["w.bin": randomBytes(3_000, seed: 44), "big.bin": big]
            try GCTests.register(mreg, dir, "fraud", v4)
            let second = try GCTests.json(try mreg.run(["gc", "--json"], cwd: dir).succeeded())
            #expect(second["packs_removed"] as? Int == 1, "\(second)")
            #expect(PackE2ETests.packFiles(dir).count == 2, "\(PackE2ETests.packFiles(dir))")  // one .pack, one .idx
            try mreg.run(["gc", "--aggressive"], cwd: dir).succeeded()
            #expect(PackE2ETests.packFiles(dir).count == 2)
            try GCTests.expectExport(mreg, dir, "fraud@4", v4)
            try GCTests.expectExport(mreg, dir, "fraud@1", versions[0])
            try GCTests.expectClean(mreg, dir)
            // Nothing left to do: no new pack.
            let idle = try GCTests.json(try mreg.run(["gc", "--json"], cwd: dir).succeeded())
            #expect(idle["pack_written"] is NSNull, "\(idle)")
        }
    }

    @Test func unreachablePackedObjectsAgeAndGo() throws {
        try withStore { mreg, dir in
            let keep = ["k.txt": Array("keep\n".utf8)]
            try GCTests.register(mreg, dir, "keep", keep)
            let doomed = randomBytes(2_000, seed: 9)
            try GCTests.register(mreg, dir, "tmp", ["d.bin": doomed])
            try mreg.run(["gc"], cwd: dir).succeeded()
            let doomedID = try mreg.run(["hash-object", "--stdin"], cwd: dir, stdin: doomed).succeeded().output
            #expect(!GCTests.exists(GCTests.objectPath(dir, doomedID)))
            try mreg.run(["cat-file", "-e", doomedID], cwd: dir).succeeded()
            try FileManager.default.removeItem(atPath: "\(dir)/.mreg/refs/models/tmp")
            try GCTests.register(mreg, dir, "keep", ["k.txt": Array("keep 2\n".utf8)])  // something to pack: the pack is rewritten
            // Within the grace (the pack is new): kept, written out loose to age there.
            let kept = try GCTests.json(try mreg.run(["gc", "--json"], cwd: dir).succeeded())
            #expect((kept["unpacked"] as? Int ?? 0) >= 1, "\(kept)")
            #expect(GCTests.exists(GCTests.objectPath(dir, doomedID)))
            try GCTests.expectClean(mreg, dir)
            // --prune=now: gone, from the pack and loose.
            try mreg.run(["gc", "--prune=now"], cwd: dir).succeeded()
            #expect(try mreg.run(["cat-file", "-e", doomedID], cwd: dir).status != 0)
            try GCTests.expectClean(mreg, dir)
            try GCTests.expectExport(mreg, dir, "keep@1", keep)
            // Unreachable and only in an old pack: dropped when the pack is rewritten.
            try GCTests.register(mreg, dir, "tmp2", ["e.bin": randomBytes(2_500, seed: 10)])
            try mreg.run(["gc"], cwd: dir).succeeded()
            try FileManager.default.removeItem(atPath: "\(dir)/.mreg/refs/models/tmp2")
            for name in PackE2ETests.packFiles(dir) { try GCTests.age("\(dir)/.mreg/objects/pack/\(name)") }
            let dropped = try GCTests.json(try mreg.run(["gc", "--json"], cwd: dir).succeeded())
            #expect((dropped["deleted_objects"] as? Int ?? 0) >= 3 && dropped["unpacked"] as? Int == 0, "\(dropped)")
            try GCTests.expectClean(mreg, dir)
            let fsck = try mreg.run(["fsck"], cwd: dir).succeeded()
            #expect(!fsck.stdout.contains("dangling"), "\(fsck)")
            try GCTests.expectExport(mreg, dir, "keep@1", keep)
        }
    }

    @Test func killedPackingLosesNothing() throws {
        try withStore { mreg, dir in
            var versions = [[String: [UInt8]]]()
            let points = ["gc-pack-written", "gc-pack-indexed", "gc-loose-deleted#2", "gc-old-pack-removed", "gc-pack-written", "gc-loose-deleted#5"]
            for (round, point) in points.enumerated() {
                let files = ["w.bin": randomBytes(4_000, seed: UInt64(round + 1)), "n.txt": Array("round \(round)\n".utf8)]
                try GCTests.register(mreg, dir, "fraud", files)
                versions.append(files)
                let r = try mreg.run(["gc"], cwd: dir, env: ["MREG_TEST_KILL_AT": point])
                #expect(r.status == 137, "\(point): \(r)")
                try GCTests.expectClean(mreg, dir)
                for (i, v) in versions.enumerated() { try GCTests.expectExport(mreg, dir, "fraud@\(i + 1)", v) }
            }
            try mreg.run(["gc", "--aggressive"], cwd: dir, env: ["MREG_TEMP_GRACE_SECONDS": "0"]).succeeded()
            try mreg.run(["gc", "--prune=now"], cwd: dir, env: ["MREG_TEMP_GRACE_SECONDS": "0"]).succeeded()
            let fsck = try mreg.run(["fsck"], cwd: dir).succeeded()
            #expect(!fsck.stdout.contains("warning") && !fsck.stdout.contains("temp"), "\(fsck)")
            for (i, v) in versions.enumerated() { try GCTests.expectExport(mreg, dir, "fraud@\(i + 1)", v) }
        }
    }
}
