import Foundation
import MregTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `mreg gc` and `mreg du`: what goes, what stays (the grace, freshening, concurrent
/// writers, kills), on a store, a filesystem remote and an S3 remote; du's figures.
@Suite("gc and du")
struct GCTests {
    static let old = Date(timeIntervalSince1970: 1_600_000_000)  // 2020-09-13

    /// The path of an object in the store of `dir`.
    static func objectPath(_ dir: String, _ id: String) -> String { "\(dir)/.mreg/objects/\(id.prefix(2))/\(id.dropFirst(2))" }

    /// Writes `bytes` as an unreachable blob (hash-object -w); returns its id.
    static func orphan(_ mreg: MregRunner, _ dir: String, _ bytes: [UInt8], old: Bool = true) throws -> String {
        let id = try mreg.run(["hash-object", "-w", "--stdin"], cwd: dir, stdin: bytes).succeeded().output
        if old { try GCTests.age(GCTests.objectPath(dir, id)) }
        return id
    }

    static func age(_ path: String, to date: Date = GCTests.old) throws {
        try FileManager.default.setAttributes([.modificationDate: date], ofItemAtPath: path)
    }

    static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    static func json(_ r: RunResult) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(r.stdoutBytes)) as? [String: Any] ?? [:]
    }

    /// fsck finds no error and no dangling object is missing its links.
    static func expectClean(_ mreg: MregRunner, _ dir: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let r = try mreg.run(["fsck", "--json"], cwd: dir)
        let clean = try GCTests.json(r)["clean"] as? Bool
        #expect(r.status == 0 && clean == true, "\(r)", sourceLocation: sourceLocation)
    }

    /// Registers `files` (path → bytes) as a new version of `model`.
    static func register(_ mreg: MregRunner, _ dir: String, _ model: String, _ files: [String: [UInt8]]) throws {
        let folder = "\(dir)/../in-\(model)"
        try? FileManager.default.removeItem(atPath: folder)
        for (path, bytes) in files { try writeFile("\(folder)/\(path)", bytes) }
        try mreg.run(["register", model, folder], cwd: dir).succeeded()
    }

    static func expectExport(_ mreg: MregRunner, _ dir: String, _ revision: String, _ files: [String: [UInt8]],
                             sourceLocation: SourceLocation = #_sourceLocation) throws {
        let out = "\(dir)/../export-\(UInt32.random(in: 0...UInt32.max))"
        try mreg.run(["export", revision, out], cwd: dir).succeeded()
        let got = (FileManager.default.enumerator(atPath: out)?.allObjects as? [String] ?? []).sorted()
        #expect(got == files.keys.sorted(), "export of \(revision): \(got)", sourceLocation: sourceLocation)
        for (path, bytes) in files {
            #expect((try? readFile("\(out)/\(path)")) == bytes, "export of \(revision): \(path) differs", sourceLocation: sourceLocation)
        }
        try FileManager.default.removeItem(atPath: out)
    }

    /// Expiries far in the past or future are clamped, never a trap (SIGILL, found by the adversarial trial).
    @Test func farOffExpiriesDoNotCrash() throws {
        try withStore { mreg, dir in
            try GCTests.register(mreg, dir, "fraud", ["w.bin": randomBytes(5_000, seed: 1)])
            let orphan = try GCTests.orphan(mreg, dir, randomBytes(3_000, seed: 2))
            for prune in ["--prune=1600-01-01", "--prune=1000.years.ago", "--prune=9999-12-31"] {
                let r = try mreg.run(["gc", "--dry-run", prune], cwd: dir)
                #expect(r.status == 0, "\(prune): \(r)")
            }
            try mreg.run(["gc", "--prune=1600-01-01"], cwd: dir).succeeded()
            #expect(GCTests.exists(GCTests.objectPath(dir, orphan)))
            #expect(try mreg.run(["gc", "--dry-run"], cwd: dir, env: ["MREG_NOW": "1000-01-01T00:00:00Z"]).status == 0)
            try mreg.run(["gc", "--prune=9999-12-31"], cwd: dir).succeeded()
            #expect(!GCTests.exists(GCTests.objectPath(dir, orphan)))
            try GCTests.expectClean(mreg, dir)
        }
    }

    @Test func graceAndPruneDecideWhatGoes() throws {
        try withStore { mreg, dir in
            let v1 = ["w.bin": randomBytes(50_000, seed: 1), "c.txt": Array("config\n".utf8)]
            try GCTests.register(mreg, dir, "fraud", v1)
            let oldOrphan = try GCTests.orphan(mreg, dir, randomBytes(30_000, seed: 2))
            let newOrphan = try GCTests.orphan(mreg, dir, randomBytes(20_000, seed: 3), old: false)
            try writeFile("\(dir)/.mreg/objects/tmp_obj_999_left", randomBytes(1000, seed: 4))
            try GCTests.age("\(dir)/.mreg/objects/tmp_obj_999_left")

            // --prune=never deletes nothing.
            let never = try GCTests.json(try mreg.run(["gc", "--prune=never", "--json"], cwd: dir).succeeded())
            #expect(never["deleted_objects"] as? Int == 0)
            // The default grace (two weeks): only the old orphan goes.
            let r = try GCTests.json(try mreg.run(["gc", "--json"], cwd: dir).succeeded())
            #expect((r["deleted"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [oldOrphan], "\(r)")
            #expect(r["kept_recent"] as? Int == 1)
            #expect(!GCTests.exists(GCTests.objectPath(dir, oldOrphan)) && GCTests.exists(GCTests.objectPath(dir, newOrphan)))
            // The temp file's ctime is now (its mtime was moved back): only past the grace by MREG_NOW.
            let later = try GCTests.json(try mreg.run(["gc", "--json"], cwd: dir, env: ["MREG_NOW": "2099-01-01T00:00:00Z"]).succeeded())
            #expect((later["deleted"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [newOrphan], "\(later)")
            #expect((later["temps"] as? [[String: Any]])?.count == 1 && !GCTests.exists("\(dir)/.mreg/objects/tmp_obj_999_left"))
            try GCTests.expectExport(mreg, dir, "fraud@1", v1)
            try GCTests.expectClean(mreg, dir)
            let fsck = try mreg.run(["fsck"], cwd: dir).succeeded()
            #expect(!fsck.stdout.contains("dangling"))
            try mreg.run(["verify"], cwd: dir).succeeded()
            // Config sets the default: gc.pruneExpire.
            let orphan3 = try GCTests.orphan(mreg, dir, randomBytes(1000, seed: 5), old: false)
            try mreg.run(["config", "gc.pruneExpire", "now"], cwd: dir).succeeded()
            try mreg.run(["gc"], cwd: dir).succeeded()
            #expect(!GCTests.exists(GCTests.objectPath(dir, orphan3)))
        }
    }

    @Test func dryRunChangesNothingAndNamesWhatWouldGo() throws {
        try withStore { mreg, dir in
            try GCTests.register(mreg, dir, "fraud", ["w.bin": randomBytes(10_000, seed: 1)])
            let id = try GCTests.orphan(mreg, dir, randomBytes(5_000, seed: 2))
            let before = snapshot("\(dir)/.mreg")
            let dry = try mreg.run(["gc", "--dry-run", "--prune=now"], cwd: dir).succeeded()
            let size = try FileManager.default.attributesOfItem(atPath: GCTests.objectPath(dir, id))[.size] as? Int ?? -1
            #expect(dry.stdout.contains("would delete \(id)"), "\(dry)")
            #expect(differences(before, snapshot("\(dir)/.mreg")).isEmpty)
            let dryJSON = try GCTests.json(try mreg.run(["gc", "--dry-run", "--prune=now", "--json"], cwd: dir).succeeded())
            #expect(dryJSON["deleted_bytes"] as? Int == size && dryJSON["dry_run"] as? Bool == true)
            let real = try GCTests.json(try mreg.run(["gc", "--prune=now", "--json"], cwd: dir).succeeded())
            #expect(real["deleted_bytes"] as? Int == size && real["deleted_objects"] as? Int == 1)
        }
    }

    @Test func badPruneIsRefusedAndChangesNothing() throws {
        try withStore { mreg, dir in
            _ = try GCTests.orphan(mreg, dir, randomBytes(100, seed: 2))
            let before = snapshot("\(dir)/.mreg/objects")
            for bad in ["yesterday-ish", "2026-13-01", "3.fortnights.ago"] {
                let r = try mreg.run(["gc", "--prune=\(bad)"], cwd: dir)
                #expect(r.status == 64 && r.stderrIsOneLine && r.stderr.contains("--prune"), "\(r)")
            }
            try mreg.run(["config", "gc.pruneExpire", "soonish"], cwd: dir).succeeded()
            let r = try mreg.run(["gc"], cwd: dir)
            #expect(r.status == 64 && r.stderr.contains("gc.pruneExpire"), "\(r)")
            #expect(differences(before, snapshot("\(dir)/.mreg/objects")).isEmpty)
        }
    }

    @Test func reusingAnOldObjectFreshensIt() throws {
        try withStore { mreg, dir in
            let bytes = randomBytes(40_000, seed: 8)
            let id = try GCTests.orphan(mreg, dir, bytes)
            // A writer that reuses it (hash-object -w, register) freshens it: gc keeps it.
            try mreg.run(["hash-object", "-w", "--stdin"], cwd: dir, stdin: bytes).succeeded()
            let fresh = try FileManager.default.attributesOfItem(atPath: GCTests.objectPath(dir, id))[.modificationDate] as? Date
            #expect(fresh.map { $0 > Date().addingTimeInterval(-600) } == true)
            let r = try GCTests.json(try mreg.run(["gc", "--json"], cwd: dir).succeeded())
            #expect(r["deleted_objects"] as? Int == 0 && GCTests.exists(GCTests.objectPath(dir, id)))
            // Old again, then registered: freshened by the register (and reachable).
            try GCTests.age(GCTests.objectPath(dir, id))
            try GCTests.register(mreg, dir, "fraud", ["w.bin": bytes])
            let after = try FileManager.default.attributesOfItem(atPath: GCTests.objectPath(dir, id))[.modificationDate] as? Date
            #expect(after.map { $0 > Date().addingTimeInterval(-600) } == true)
            // The stat cache's answer (the same folder again) freshens too.
            try GCTests.age(GCTests.objectPath(dir, id))
            _ = try mreg.run(["register", "fraud", "\(dir)/../in-fraud"], cwd: dir)
            try mreg.run(["gc", "--prune=now"], cwd: dir).succeeded()
            try GCTests.expectExport(mreg, dir, "fraud@1", ["w.bin": bytes])
            try GCTests.expectClean(mreg, dir)
        }
    }

    @Test func concurrentGCAndRegisterLoseNothing() throws {
        try withStore { mreg, dir in
            for round in 0..<5 {
                // Old unreachable content that the register reuses, among many other old orphans.
                let reused = randomBytes(30_000, seed: UInt64(100 + round))
                _ = try GCTests.orphan(mreg, dir, reused)
                for i in 0..<40 { _ = try GCTests.orphan(mreg, dir, randomBytes(2_000, seed: UInt64(1000 * round + i + 1))) }
                let gc = try mreg.start(["gc"], cwd: dir)
                let files = ["w.bin": reused, "n.txt": Array("round \(round)\n".utf8)]
                try GCTests.register(mreg, dir, "fraud", files)
                let r = gc.wait()
                #expect(r.status == 0, "\(r)")
                try GCTests.expectClean(mreg, dir)
                try GCTests.expectExport(mreg, dir, "fraud@\(round + 1)", files)
            }
        }
    }

    @Test func killedGCLeavesACleanStore() throws {
        try withStore { mreg, dir in
            let v1 = ["w.bin": randomBytes(20_000, seed: 1)]
            try GCTests.register(mreg, dir, "fraud", v1)
            for round in 1...6 {
                // An unreachable chain of objects: a registered version of a model whose head is then deleted.
                try GCTests.register(mreg, dir, "tmp\(round)", ["a.bin": randomBytes(3_000, seed: UInt64(round * 7)), "b.txt": Array("\(round)\n".utf8)])
                try FileManager.default.removeItem(atPath: "\(dir)/.mreg/refs/models/tmp\(round)")
                for path in FileManager.default.enumerator(atPath: "\(dir)/.mreg/objects")?.allObjects as? [String] ?? [] where path.count == 65 {
                    try? GCTests.age("\(dir)/.mreg/objects/\(path)")
                }
                let point = round % 2 == 0 ? "gc-object-moved" : "gc-object-deleted"
                let r = try mreg.run(["gc"], cwd: dir, env: ["MREG_TEST_KILL_AT": "\(point)#\(round % 3 + 1)"])
                #expect(r.status == 137, "\(r)")
                try GCTests.expectClean(mreg, dir)
                try GCTests.expectExport(mreg, dir, "fraud@1", v1)
            }
            try mreg.run(["gc"], cwd: dir).succeeded()
            let left = (FileManager.default.enumerator(atPath: "\(dir)/.mreg/objects")?.allObjects as? [String] ?? []).filter { $0.hasPrefix("tmp_obj") }
            #expect(left.isEmpty, "\(left)")
            let clean = try mreg.run(["fsck"], cwd: dir).succeeded()
            #expect(!clean.stdout.contains("dangling"), "\(clean)")
            try GCTests.expectExport(mreg, dir, "fraud@1", v1)
        }
    }

    @Test func duFiguresAreTheObjectsSizes() throws {
        try withStore { mreg, dir in
            let f1 = randomBytes(60_000, seed: 1), f2 = randomBytes(30_000, seed: 2), f3 = randomBytes(10_000, seed: 3)
            try GCTests.register(mreg, dir, "a", ["f1": f1, "f2": f2])
            try GCTests.register(mreg, dir, "a", ["f1": f1, "f3": f3])
            try GCTests.register(mreg, dir, "b", ["f2": f2])
            func size(_ bytes: [UInt8]) throws -> Int {
                let id = try mreg.run(["hash-object", "--stdin"], cwd: dir, stdin: bytes).succeeded().output
                return try FileManager.default.attributesOfItem(atPath: GCTests.objectPath(dir, id))[.size] as? Int ?? -1
            }
            let s1 = try size(f1), s2 = try size(f2), s3 = try size(f3)
            let usage = try GCTests.json(try mreg.run(["du", "a", "--json"], cwd: dir).succeeded())
            let versions = usage["versions"] as? [[String: Any]] ?? []
            #expect(versions.count == 2)
            #expect(versions.first?["total_bytes"] as? Int == s1 + s2 && versions.first?["unique_bytes"] as? Int == 0)
            #expect(versions.last?["total_bytes"] as? Int == s1 + s3 && versions.last?["unique_bytes"] as? Int == s3)
            #expect(versions.last?["shared_bytes"] as? Int == s1)
            let model = (usage["models"] as? [[String: Any]])?.first
            #expect(model?["total_bytes"] as? Int == s1 + s2 + s3 && model?["unique_bytes"] as? Int == s1 + s3)
            let b = try GCTests.json(try mreg.run(["du", "b@1", "--json"], cwd: dir).succeeded())
            #expect((b["versions"] as? [[String: Any]])?.first?["unique_bytes"] as? Int == 0)
            // Reclaimable: an orphan's bytes, in du and count-objects -v.
            let id = try GCTests.orphan(mreg, dir, randomBytes(7_000, seed: 9))
            let orphanSize = try FileManager.default.attributesOfItem(atPath: GCTests.objectPath(dir, id))[.size] as? Int ?? -1
            let all = try GCTests.json(try mreg.run(["du", "--json"], cwd: dir).succeeded())
            #expect((all["store"] as? [String: Any])?["reclaimable_bytes"] as? Int == orphanSize)
            let count = try GCTests.json(try mreg.run(["count-objects", "-v", "--json"], cwd: dir).succeeded())
            #expect(count["reclaimable_bytes"] as? Int == orphanSize)
            let text = try mreg.run(["du"], cwd: dir).succeeded()
            #expect(text.stdout.contains("reclaimable"))
            #expect(try mreg.run(["du", "nosuch"], cwd: dir).status == 2)
        }
    }

    /// du reads what objects name from its link cache (`.mreg/index/links`): a warm run, a
    /// damaged, truncated or stale cache file give exactly a cold run's figures, without error.
    @Test func duCacheGivesTheColdAnswerAndABadCacheIsIgnored() throws {
        try withStore { mreg, dir in
            let f1 = randomBytes(40_000, seed: 1), f2 = randomBytes(20_000, seed: 2), f3 = randomBytes(9_000, seed: 3)
            try GCTests.register(mreg, dir, "a", ["f1": f1, "f2": f2])
            try GCTests.register(mreg, dir, "a", ["f1": f1, "f3": f3])
            try GCTests.register(mreg, dir, "b", ["f2": f2])
            _ = try GCTests.orphan(mreg, dir, randomBytes(5_000, seed: 4))
            let cache = "\(dir)/.mreg/index/links"
            func du() throws -> NSDictionary {
                // Without the saved figures (.mreg/index/du), which a settled store would use instead,
                // and the walk state (du-state), from which du would update them without the link cache.
                try? FileManager.default.removeItem(atPath: "\(dir)/.mreg/index/du")
                try? FileManager.default.removeItem(atPath: "\(dir)/.mreg/index/du-state")
                let r = try mreg.run(["du", "--versions", "--json"], cwd: dir).succeeded()
                #expect(r.stderr.isEmpty, "\(r)")
                return try GCTests.json(r) as NSDictionary
            }
            func cold() throws -> NSDictionary {
                try? FileManager.default.removeItem(atPath: cache)
                return try du()
            }
            let first = try cold()
            #expect(GCTests.exists(cache))
            #expect(try du() == first, "a warm run differs from a cold one")
            let store = first["store"] as? [String: Any]
            #expect((store?["reclaimable_objects"] as? Int) == 1)
            // Damaged: garbage, one flipped byte, truncated, empty, a folder.
            let good = try readFile(cache)
            var flipped = good
            flipped[flipped.count / 2] ^= 0xff
            for bad in [Array("garbage".utf8), flipped, Array(good.prefix(good.count - 9)), []] {
                try writeFile(cache, bad)
                #expect(try du() == first, "a damaged cache was trusted")
                #expect(try readFile(cache) == good, "a damaged cache was not rewritten")
            }
            // Stale: the cache of an older state, after a removal, a new version and a gc.
            let older = good
            try mreg.run(["rm", "a@1", "--reason", "test"], cwd: dir).succeeded()
            try GCTests.register(mreg, dir, "b", ["f3": f3, "f4": randomBytes(3_000, seed: 5)])
            try mreg.run(["gc", "--prune=now"], cwd: dir).succeeded()
            let now = try cold()
            #expect(now != first)
            try writeFile(cache, older)
            #expect(try du() == now, "a stale cache changed the figures")
            try GCTests.expectClean(mreg, dir)
        }
    }

    /// Sets the times of every folder under `.mreg/refs` and `.mreg/objects` a while back, as a
    /// store left alone for a while has them (du saves its figures only for such a store).
    static func settleFolders(_ dir: String) throws {
        for top in ["refs", "objects"] {
            let root = "\(dir)/.mreg/\(top)"
            var folders = [root]
            for case let rel as String in FileManager.default.enumerator(atPath: root)?.allObjects ?? [] {
                var isDir: ObjCBool = false
                if FileManager.default.fileExists(atPath: "\(root)/\(rel)", isDirectory: &isDir), isDir.boolValue { folders.append("\(root)/\(rel)") }
            }
            for folder in folders { try GCTests.age(folder, to: Date().addingTimeInterval(-3600)) }
        }
    }

    /// du keeps the whole store's figures in `.mreg/index/du` while no folder under refs/ or
    /// objects/ changes: every change after it was written (a new version, a new model, a
    /// removal, a gc) gives exactly a cold run's figures, and a damaged file is ignored.
    @Test func duUsageCacheFollowsTheStore() throws {
        try withStore { mreg, dir in
            let f1 = randomBytes(30_000, seed: 11), f2 = randomBytes(20_000, seed: 12), f3 = randomBytes(7_000, seed: 13)
            try GCTests.register(mreg, dir, "a", ["f1": f1, "f2": f2])
            try GCTests.register(mreg, dir, "a", ["f1": f1, "f3": f3])
            try GCTests.register(mreg, dir, "b", ["f2": f2])
            _ = try GCTests.orphan(mreg, dir, randomBytes(4_000, seed: 14))
            let figures = "\(dir)/.mreg/index/du", links = "\(dir)/.mreg/index/links"
            let queries = [["du", "--versions", "--json"], ["du", "a", "--json"], ["du", "a@2", "--json"], ["count-objects", "-v"]]
            func du() throws -> [String] {
                try queries.map { try mreg.run($0, cwd: dir).succeeded().output }
            }
            func cold() throws -> [String] {
                try? FileManager.default.removeItem(atPath: figures)
                try? FileManager.default.removeItem(atPath: links)
                return try du()
            }
            /// Settles the store, runs du (which saves its figures), checks a second run agrees.
            func warm(_ what: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String] {
                try GCTests.settleFolders(dir)
                let first = try du()
                #expect(GCTests.exists(figures), "\(what): du saved no figures", sourceLocation: sourceLocation)
                #expect(try du() == first, "\(what): the saved figures differ", sourceLocation: sourceLocation)
                return first
            }
            var before = try warm("start")
            #expect(before == (try cold()), "the saved figures differ from a cold run")
            // Each change after the figures were saved: the next du gives the cold figures.
            let changes: [(String, () throws -> Void)] = [
                ("a new version", { try GCTests.register(mreg, dir, "a", ["f3": f3, "f4": randomBytes(5_000, seed: 15)]) }),
                ("a new model", { try GCTests.register(mreg, dir, "c", ["f1": f1]) }),
                ("a removal", { try mreg.run(["rm", "a@1", "--reason", "test"], cwd: dir).succeeded() }),
                ("a gc", { try mreg.run(["gc", "--prune=now"], cwd: dir).succeeded() }),
            ]
            for (what, change) in changes {
                _ = try warm("before \(what)")
                try change()
                let after = try du()
                #expect(after != before, "\(what) changed no figure")
                #expect(after == (try cold()), "after \(what), du differs from a cold run")
                before = after
            }
            // A damaged file is ignored (and replaced).
            _ = try warm("damaged")
            var bytes = try readFile(figures)
            bytes[bytes.count / 2] ^= 0xff
            try writeFile(figures, bytes)
            try GCTests.settleFolders(dir)
            #expect(try du() == before, "a damaged figures file was trusted")
            #expect(try readFile(figures) != bytes, "a damaged figures file was not replaced")
            try GCTests.expectClean(mreg, dir)
        }
    }

    /// After a change, du brings its figures up to date from its walk state
    /// (`.mreg/index/du-state`), walking only the models whose refs moved: after register,
    /// a new model, tag, promote, rm, prune, rm of a whole model and gc, the whole --json
    /// output (and count-objects -v) equals a cold run's, and the link cache is not needed.
    @Test func duAfterAChangeEqualsAColdRun() throws {
        try withStore { mreg, dir in
            let f1 = randomBytes(30_000, seed: 21), f2 = randomBytes(20_000, seed: 22), f3 = randomBytes(7_000, seed: 23)
            try GCTests.register(mreg, dir, "a", ["f1": f1, "f2": f2])
            try GCTests.register(mreg, dir, "a", ["f1": f1, "f3": f3])
            try GCTests.register(mreg, dir, "b", ["f2": f2])
            try GCTests.register(mreg, dir, "b", ["f2": f2, "f5": randomBytes(6_000, seed: 24)])
            _ = try GCTests.orphan(mreg, dir, randomBytes(4_000, seed: 25))
            let index = "\(dir)/.mreg/index"
            let queries = [["du", "--versions", "--json"], ["du", "a", "--json"], ["du", "b@2", "--json"], ["count-objects", "-v", "--json"]]
            func du() throws -> [String] { try queries.map { try mreg.run($0, cwd: dir).succeeded().output } }
            func cold() throws -> [String] {
                for name in ["du", "du-state", "links"] { try? FileManager.default.removeItem(atPath: "\(index)/\(name)") }
                return try du()
            }
            try writeFile("\(dir)/.mreg/policy.toml", Array("[retention]\nkeep_last = 1\nkeep_stages = [\"production\"]\n".utf8))
            let changes: [(String, () throws -> Void)] = [
                ("a new version", { try GCTests.register(mreg, dir, "a", ["f3": f3, "f4": randomBytes(5_000, seed: 26)]) }),
                ("a new model", { try GCTests.register(mreg, dir, "c", ["f1": f1, "f6": randomBytes(3_000, seed: 27)]) }),
                ("a tag", { try mreg.run(["tag", "a@1", "golden"], cwd: dir).succeeded() }),
                ("a promotion", { try mreg.run(["promote", "b@1", "production"], cwd: dir).succeeded() }),
                ("a removal", { try mreg.run(["rm", "a@2", "--reason", "test"], cwd: dir).succeeded() }),
                ("a prune", { try mreg.run(["prune"], cwd: dir).succeeded() }),
                ("a removed model", { try mreg.run(["rm", "c", "--reason", "typo"], cwd: dir).succeeded() }),
                ("an orphan", { _ = try GCTests.orphan(mreg, dir, randomBytes(2_000, seed: 28)) }),
                ("a gc", { try mreg.run(["gc", "--prune=now"], cwd: dir).succeeded() }),
                ("a model registered again", { try GCTests.register(mreg, dir, "c", ["f1": f1]) }),
            ]
            var before = try cold()
            for (what, change) in changes {
                // The state of a settled store (du records a folder's times only once settled).
                try GCTests.settleFolders(dir)
                #expect(try du() == before, "before \(what): du differs")
                #expect(GCTests.exists("\(index)/du-state"), "before \(what): du saved no walk state")
                try change()
                try? FileManager.default.removeItem(atPath: "\(index)/links")
                let after = try du()
                if what != "a gc" {  // gc packs: a change to the packs is walked in full
                    #expect(!GCTests.exists("\(index)/links"), "after \(what): du walked the whole store")
                }
                #expect(after != before, "\(what) changed no figure")
                let reference = try cold()
                #expect(after == reference, "after \(what), du differs from a cold run")
                before = reference
            }
            // A damaged state is ignored: the figures are a cold run's.
            try GCTests.settleFolders(dir)
            _ = try du()
            try GCTests.register(mreg, dir, "b", ["f7": randomBytes(1_000, seed: 29)])
            var bytes = try readFile("\(index)/du-state")
            bytes[bytes.count / 2] ^= 0xff
            try writeFile("\(index)/du-state", bytes)
            let damaged = try du()
            #expect(damaged == (try cold()), "a damaged walk state was trusted")
            try GCTests.expectClean(mreg, dir)
        }
    }

    @Test func gcOfAFilesystemRemote() throws {
        try withStore { mreg, dir in
            let shared = "\(dir)/../shared"
            try mreg.run(["init", "-q", shared]).succeeded()
            let v1 = ["w.bin": randomBytes(20_000, seed: 1)]
            try GCTests.register(mreg, dir, "fraud", v1)
            try mreg.run(["remote", "add", "origin", shared], cwd: dir).succeeded()
            try mreg.run(["push"], cwd: dir).succeeded()
            let id = try GCTests.orphan(mreg, shared, randomBytes(9_000, seed: 5))
            let r = try GCTests.json(try mreg.run(["gc", "--remote", "origin", "--json"], cwd: dir).succeeded())
            #expect((r["deleted"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [id], "\(r)")
            #expect(!GCTests.exists(GCTests.objectPath(shared, id)))
            try GCTests.expectClean(mreg, shared)
            // Run inside the shared store itself: the same gc.
            let id2 = try GCTests.orphan(mreg, shared, randomBytes(9_000, seed: 6))
            try mreg.run(["gc"], cwd: shared).succeeded()
            #expect(!GCTests.exists(GCTests.objectPath(shared, id2)))
            try mreg.run(["clone", shared, "\(dir)/../clone"]).succeeded()
            try GCTests.expectExport(mreg, "\(dir)/../clone", "fraud@1", v1)
        }
    }

    @Suite(.enabled(if: S3Server.isAvailable, S3Server.skipReason))
    struct S3 {
        @Test func gcOfAnS3Remote() throws {
            let s3 = S3Server.shared!
            try withStore { mreg, dir in
                let bucket = try s3.makeBucket()
                let v1 = ["w.bin": randomBytes(20_000, seed: 1)]
                try GCTests.register(mreg, dir, "fraud", v1)
                try mreg.run(["remote", "add", "origin", "s3://\(bucket)/reg"], cwd: dir).succeeded()
                try mreg.run(["push"], cwd: dir, env: s3.environment).succeeded()
                // An unreachable object on the remote: a loose object uploaded by hand.
                let id = try GCTests.orphan(mreg, dir, randomBytes(9_000, seed: 5))
                let key = "reg/objects/\(id.prefix(2))/\(id.dropFirst(2))"
                try s3.put(bucket: bucket, key: key, bytes: readFile(GCTests.objectPath(dir, id)))
                let before = try s3.keys(bucket: bucket, prefix: "reg/")
                // Just uploaded: within the grace.
                let kept = try GCTests.json(try mreg.run(["gc", "--remote", "origin", "--json"], cwd: dir, env: s3.environment).succeeded())
                #expect(kept["deleted_objects"] as? Int == 0 && kept["kept_recent"] as? Int == 1, "\(kept)")
                let future = s3.environment.merging(["MREG_NOW": "2099-01-01T00:00:00Z"]) { $1 }
                let dry = try GCTests.json(try mreg.run(["gc", "--remote", "origin", "--dry-run", "--json"], cwd: dir, env: future).succeeded())
                #expect((dry["deleted"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [id], "\(dry)")
                #expect(try s3.keys(bucket: bucket, prefix: "reg/") == before)
                let r = try GCTests.json(try mreg.run(["gc", "--remote", "origin", "--json"], cwd: dir, env: future).succeeded())
                #expect((r["deleted"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [id], "\(r)")
                #expect(try s3.keys(bucket: bucket, prefix: "reg/") == before.filter { $0 != key })
                // A push that reuses an object on the remote freshens it (a copy onto itself) and succeeds.
                try s3.put(bucket: bucket, key: key, bytes: readFile(GCTests.objectPath(dir, id)))
                try GCTests.register(mreg, dir, "fraud", ["w.bin": randomBytes(9_000, seed: 5)])
                try mreg.run(["push"], cwd: dir, env: s3.environment).succeeded()
                let clone = "\(dir)/../clone"
                try mreg.run(["clone", "s3://\(bucket)/reg", clone], cwd: dir, env: s3.environment).succeeded()
                try GCTests.expectExport(mreg, clone, "fraud@1", v1)
                try GCTests.expectExport(mreg, clone, "fraud@2", ["w.bin": randomBytes(9_000, seed: 5)])
            }
        }
    }
}
