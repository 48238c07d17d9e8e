import Foundation
import MregTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `kill -9` of `mreg` in the middle of register (many small files, one large chunked file),
/// promote, push, pull and export, again and again, then: `fsck` is clean or made clean by
/// `fsck --repair`, the retried command completes, and at the end every version exports
/// byte-identical, version numbers are dense, `verify` is clean and no temp or lock file is
/// left in the store once the temp grace has passed.
///
/// Kills land at named points of the store's writes (`MREG_TEST_KILL_AT=<point>#<hit>`, the
/// hit drawn from a seeded generator), so each run reaches the same windows; register and
/// export are also killed after a seeded random delay, calibrated to the command's duration.
@Suite("Crash loops: kill -9 during writes, then check, repair and retry")
struct CrashLoopTests {
    /// Deterministic pseudo-random numbers (xorshift64*), so a failure reproduces.
    struct Seeded: RandomNumberGenerator {
        var state: UInt64
        init(_ seed: UInt64) { state = seed | 1 }
        mutating func next() -> UInt64 {
            state ^= state >> 12; state ^= state << 25; state ^= state >> 27
            return state &* 0x2545_F491_4F6C_DD1D
        }
    }

    /// Where a run dies: the `hit`-th time it reaches `point`.
    struct KillAt: CustomStringConvertible {
        var point: String
        var hit: Int
        var description: String { "\(point)#\(hit)" }
    }

    /// `count` kills cycling through `points` (each with the most hits a run reaches there), hits drawn at random.
    static func plan(_ count: Int, seed: UInt64, _ points: [(String, Int)]) -> [KillAt] {
        var rng = Seeded(seed)
        return (0..<count).map { i in
            let (point, most) = points[i % points.count]
            return KillAt(point: point, hit: Int.random(in: 1...max(1, most), using: &rng))
        }
    }

    /// The points every write of a model passes: objects, locks, ref swaps, the head, derived refs.
    static func writePoints(objects: Int, locks: Int, refs: Int) -> [(String, Int)] {
        [("object-installed", objects), ("lock-created", locks), ("head-moved", 1), ("ref-temp-written", refs),
         ("object-temp-written", objects), ("lock-taken", locks), ("derived-sync-locked", 1), ("ref-moved", refs),
         ("derived-ref-written", 1)]
    }

    static let noGrace: [String: String?] = ["MREG_TEMP_GRACE_SECONDS": "0"]

    /// Runs `args` to be killed at `kill`; a run that never reaches the point completes. Returns whether it was killed.
    @discardableResult
    static func killed(_ mreg: MregRunner, _ args: [String], cwd: String, at kill: KillAt,
                       sourceLocation: SourceLocation = #_sourceLocation) throws -> Bool {
        let r = try mreg.run(args, cwd: cwd, env: ["MREG_TEST_KILL_AT": kill.description])
        #expect(r.status == 137 || r.status == 0, "killed at \(kill): \(r)", sourceLocation: sourceLocation)
        return r.status == 137
    }

    /// Starts `args`, kills it after `delay` seconds (if it still runs). Returns whether it was killed.
    @discardableResult
    static func killed(_ mreg: MregRunner, _ args: [String], cwd: String, after delay: Double,
                       sourceLocation: SourceLocation = #_sourceLocation) throws -> Bool {
        let process = try mreg.start(args, cwd: cwd)
        // A kill timer, not a wait for a condition: the moment is the point of the test.
        usleep(UInt32(delay * 1_000_000))
        if process.isRunning { kill(process.pid, SIGKILL) }
        let r = process.wait()
        #expect(r.status == 137 || r.status == 0, "killed after \(delay) s: \(r)", sourceLocation: sourceLocation)
        return r.status == 137
    }

    /// Seconds a run of `args` takes.
    static func timed(_ mreg: MregRunner, _ args: [String], cwd: String) throws -> Double {
        let start = Date()
        try mreg.run(args, cwd: cwd).succeeded()
        return Date().timeIntervalSince(start)
    }

    /// After a kill: `fsck` is clean, or `fsck --repair` makes it clean.
    ///
    /// A lock file left empty (killed between creating and filling it) counts as stale once
    /// older than a few seconds; its age is moved back here instead of waiting.
    static func settle(_ mreg: MregRunner, _ store: String, killed: Bool = true, after what: String,
                       sourceLocation: SourceLocation = #_sourceLocation) throws {
        ageEmptyLocks(store)
        guard killed else { return }
        let fsck = try mreg.run(["fsck", "--no-dangling"], cwd: store)
        guard fsck.status != 0 else { return }
        #expect(fsck.status == 4, "fsck after \(what) failed to run: \(fsck)", sourceLocation: sourceLocation)
        // It reports the store as it left it: exit 0 is clean.
        let repair = try mreg.run(["fsck", "--repair", "--no-dangling"], cwd: store)
        #expect(repair.status == 0, "fsck --repair after \(what): \(repair)", sourceLocation: sourceLocation)
    }

    /// Moves the modification time of every empty `*.lock` file and every `*.lock~break` file
    /// (left by a kill while removing a stale lock) in the store a minute back.
    static func ageEmptyLocks(_ store: String) {
        let root = "\(store)/.mreg"
        for rel in FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? [] {
            if rel.hasSuffix(".lock~break") {
                try? FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-60)], ofItemAtPath: "\(root)/\(rel)")
                continue
            }
            guard rel.hasSuffix(".lock") else { continue }
            let path = "\(root)/\(rel)"
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                  attributes[.type] as? FileAttributeType == .typeRegular, (attributes[.size] as? Int) == 0 else { continue }
            try? FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-60)], ofItemAtPath: path)
        }
    }

    /// The files a version should hold, by path.
    typealias Files = [String: [UInt8]]

    /// Writes `files` as a fresh folder.
    static func lay(_ files: Files, at folder: String) throws {
        try? FileManager.default.removeItem(atPath: folder)
        for (path, bytes) in files { try writeFile("\(folder)/\(path)", bytes) }
    }

    /// The end of a loop: after a repair past the temp grace, `fsck` and `verify` are clean, no
    /// temp or lock file is left, `model` has versions 1…n, and version i exports as `versions[i-1]`.
    static func expectWhole(_ mreg: MregRunner, _ store: String, _ model: String, versions: [Files],
                            sourceLocation: SourceLocation = #_sourceLocation) throws {
        let repair = try mreg.run(["fsck", "--repair", "--no-dangling"], cwd: store, env: noGrace)
        #expect(repair.status == 0, "\(repair)", sourceLocation: sourceLocation)
        let root = "\(store)/.mreg"
        let left = (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? []).filter {
            let name = ($0 as NSString).lastPathComponent
            return name.hasPrefix("tmp_obj_") || name.hasSuffix(".lock") || name.contains(".lock~") || name.hasPrefix(".tmp-")
        }
        #expect(left.isEmpty, "left in \(root): \(left)", sourceLocation: sourceLocation)
        let verify = try mreg.run(["verify"], cwd: store)
        #expect(verify.status == 0, "\(verify)", sourceLocation: sourceLocation)
        let log = try JSONSerialization.jsonObject(with: Data(try mreg.run(["log", model, "--json"], cwd: store).succeeded().stdoutBytes))
        let numbers = ((log as? [[String: Any]]) ?? []).filter { $0["action"] as? String == "register" }.compactMap { $0["version"] as? Int }
        #expect(numbers.sorted() == Array(1...max(1, versions.count)), "versions of \(model) in \(store): \(numbers)", sourceLocation: sourceLocation)
        for (i, files) in versions.enumerated() {
            let out = "\(store)/../export-check-\(model)-\(i + 1)"
            try? FileManager.default.removeItem(atPath: out)
            try mreg.run(["export", "\(model)@\(i + 1)", out], cwd: store).succeeded()
            for (path, bytes) in files {
                #expect((try? readFile("\(out)/\(path)")) == bytes, "\(model)@\(i + 1) \(path) exports other bytes", sourceLocation: sourceLocation)
            }
            try? FileManager.default.removeItem(atPath: out)
        }
    }

    /// Small files of one version: `count` files of 1–2 KB, all different from other versions'.
    static func smallFiles(_ count: Int, version: Int) -> Files {
        var files = Files()
        for i in 0..<count { files["f\(i).txt"] = randomBytes(1_024 + 37 * i, seed: UInt64(1_000 * version + i + 1)) }
        return files
    }

    // MARK: register

    @Test func registerOfManySmallFilesSurvivesKills() throws {
        try withStore { mreg, dir in
            let folder = "\(dir)/run"
            var versions = [Files]()
            var kills = 0
            for (i, kill) in Self.plan(20, seed: 11, Self.writePoints(objects: 14, locks: 4, refs: 2)).enumerated() {
                let files = Self.smallFiles(12, version: i)
                try Self.lay(files, at: folder)
                let died = try Self.killed(mreg, ["register", "small", "run", "-m", "v\(i)"], cwd: dir, at: kill)
                if died { kills += 1 }
                try Self.settle(mreg, dir, killed: died, after: "register killed at \(kill)")
                try mreg.run(["register", "small", "run", "-m", "v\(i)"], cwd: dir).succeeded()
                versions.append(files)
            }
            #expect(kills >= 14, "most runs die where planned (\(kills) of 20)")
            try Self.expectWhole(mreg, dir, "small", versions: versions)
        }
    }

    @Test func registerOfALargeChunkedFileSurvivesKills() throws {
        try withStore { mreg, dir in
            // Chunks of 4–64 KiB (about 16 on average): a 384 KiB file is some 24 chunks.
            try mreg.run(["config", "core.chunkThreshold", "128k"], cwd: dir).succeeded()
            try mreg.run(["config", "core.chunkSize", "64k"], cwd: dir).succeeded()
            let folder = "\(dir)/run"
            var versions = [Files]()
            func files(_ i: Int) -> Files { ["weights.bin": randomBytes(384 * 1_024, seed: UInt64(77 + i))] }
            var kills = 0
            for (i, kill) in Self.plan(20, seed: 12, Self.writePoints(objects: 24, locks: 4, refs: 2)).enumerated() {
                try Self.lay(files(i), at: folder)
                let died = try Self.killed(mreg, ["register", "big", "run", "-m", "v\(i)"], cwd: dir, at: kill)
                if died { kills += 1 }
                try Self.settle(mreg, dir, killed: died, after: "register killed at \(kill)")
                try mreg.run(["register", "big", "run", "-m", "v\(i)"], cwd: dir).succeeded()
                versions.append(files(i))
            }
            #expect(kills >= 14, "most runs die where planned (\(kills) of 20)")
            // Then at random moments of a whole run.
            var rng = Seeded(13)
            try Self.lay(files(99), at: folder)
            let duration = try Self.timed(mreg, ["register", "big", "run", "-m", "timed"], cwd: dir)
            versions.append(files(99))
            for i in 0..<4 {
                let n = 100 + i
                try Self.lay(files(n), at: folder)
                try Self.killed(mreg, ["register", "big", "run", "-m", "v\(n)"], cwd: dir, after: Double.random(in: 0...duration, using: &rng))
                try Self.settle(mreg, dir, after: "register killed at random")
                try mreg.run(["register", "big", "run", "-m", "v\(n)"], cwd: dir).succeeded()
                versions.append(files(n))
            }
            try Self.expectWhole(mreg, dir, "big", versions: versions)
        }
    }

    @Test func registerWithATagAndAStageSurvivesKillsBetweenItsEvents() throws {
        try withStore { mreg, dir in
            var versions = [Files]()
            // Register, tag and promote are three events: die after each head move, and inside each sync.
            let points = [("head-moved", 3), ("derived-sync-locked", 3), ("derived-ref-written", 4)]
            for (i, kill) in Self.plan(9, seed: 61, points).enumerated() {
                let files = Self.smallFiles(2, version: 200 + i)
                try Self.lay(files, at: "\(dir)/run")
                let args = ["register", "m", "run", "--tag", "r\(i)", "--stage", "staging"]
                let died = try Self.killed(mreg, args, cwd: dir, at: kill)
                try Self.settle(mreg, dir, killed: died, after: "register --tag --stage killed at \(kill)")
                // The retry completes what the killed run left undone.
                try mreg.run(args, cwd: dir).succeeded()
                versions.append(files)
                let tagged = try mreg.run(["rev-parse", "m@r\(i)"], cwd: dir).succeeded().output
                #expect(try mreg.run(["rev-parse", "m@\(i + 1)"], cwd: dir).succeeded().output == tagged, "after \(kill)")
                #expect(try mreg.run(["rev-parse", "m@staging"], cwd: dir).succeeded().output == tagged, "after \(kill)")
            }
            // A tag on another version's files is still refused, before anything is written.
            try Self.lay(Self.smallFiles(2, version: 300), at: "\(dir)/run")
            let before = snapshot("\(dir)/.mreg")
            let refused = try mreg.run(["register", "m", "run", "--tag", "r0"], cwd: dir)
            #expect(refused.status == 3 && refused.stderr.contains("tag 'r0' already names m@v1"), "\(refused)")
            #expect(differences(before, snapshot("\(dir)/.mreg")).isEmpty)
            try Self.expectWhole(mreg, dir, "m", versions: versions)
        }
    }

    @Test func anEmptyLockLeftByAKillDoesNotStallTheNextCommand() throws {
        try withStore { mreg, dir in
            try Self.lay(Self.smallFiles(2, version: 1), at: "\(dir)/run")
            try mreg.run(["register", "m", "run"], cwd: dir).succeeded()
            try Self.lay(Self.smallFiles(2, version: 2), at: "\(dir)/run")
            // Killed right after creating the head's lock file, before writing its owner into it.
            try Self.killed(mreg, ["register", "m", "run"], cwd: dir, at: KillAt(point: "lock-created", hit: 2))
            let lock = "\(dir)/.mreg/refs/models/m/head.lock"
            #expect((try? readFile(lock)) == [], "the head's lock is left empty")
            let started = Date()
            let r = try mreg.run(["register", "m", "run"], cwd: dir).succeeded()
            #expect(Date().timeIntervalSince(started) < 12, "an empty lock is stale after a few seconds: \(r)")
            #expect(!FileManager.default.fileExists(atPath: lock))
            #expect(try mreg.run(["fsck"], cwd: dir).status == 0)
        }
    }

    @Test func aSyncLockLeftByAKilledRegisterNeverMakesLaterRegistersSkipDerivedRefs() throws {
        try withStore { mreg, dir in
            try Self.lay(Self.smallFiles(2, version: 1), at: "\(dir)/run")
            // Killed while holding the model's sync lock: v1 is in the chain, versions/1 is not.
            #expect(try Self.killed(mreg, ["register", "m", "run"], cwd: dir, at: KillAt(point: "derived-sync-locked", hit: 1)))
            let models = "\(dir)/.mreg/refs/models/m"
            #expect(FileManager.default.fileExists(atPath: "\(models)/sync.lock"))
            #expect(!FileManager.default.fileExists(atPath: "\(models)/versions/1"))
            let fsck = try mreg.run(["fsck"], cwd: dir)
            #expect(fsck.status == 4 && fsck.stdout.contains("refs/models/m/versions/1 is missing"), "\(fsck)")
            #expect(fsck.stdout.contains("stale lock '\(models)/sync.lock'"), "\(fsck)")
            // The next register takes the stale lock over and writes every derived ref.
            try Self.lay(Self.smallFiles(2, version: 2), at: "\(dir)/run")
            try mreg.run(["register", "m", "run"], cwd: dir).succeeded()
            for v in 1...2 { #expect(FileManager.default.fileExists(atPath: "\(models)/versions/\(v)")) }
            #expect(!FileManager.default.fileExists(atPath: "\(models)/sync.lock"))
            #expect(try mreg.run(["fsck"], cwd: dir).status == 0)
        }
    }

    @Test func aKillWhileRemovingAStaleLockIsOutlivedToo() throws {
        try withStore { mreg, dir in
            try Self.lay(Self.smallFiles(2, version: 1), at: "\(dir)/run")
            // Killed holding the head's lock, then killed again while removing that stale lock.
            #expect(try Self.killed(mreg, ["register", "m", "run"], cwd: dir, at: KillAt(point: "lock-taken", hit: 2)))
            let lock = "\(dir)/.mreg/refs/models/m/head.lock"
            #expect(Self.lockText(lock).contains("pid="))
            #expect(try Self.killed(mreg, ["register", "m", "run"], cwd: dir, at: KillAt(point: "lock-breaking", hit: 1)))
            #expect(FileManager.default.fileExists(atPath: lock + "~break"))
            let fsck = try mreg.run(["fsck"], cwd: dir)
            #expect(fsck.status == 0 && fsck.stdout.contains("head.lock~break"), "\(fsck)")
            // Once the breaker is older than a moment (aged here instead of waiting), the next register goes through.
            Self.ageEmptyLocks(dir)
            try mreg.run(["register", "m", "run"], cwd: dir).succeeded()
            try Self.expectWhole(mreg, dir, "m", versions: [Self.smallFiles(2, version: 1)])
        }
    }

    /// What a lock file holds, as text ("" when it cannot be read).
    static func lockText(_ path: String) -> String {
        String(decoding: (try? readFile(path)) ?? [], as: UTF8.self)
    }

    @Test func registeringTheSameFilesAgainRepairsAKillAfterTheHeadMoved() throws {
        try withStore { mreg, dir in
            try Self.lay(Self.smallFiles(2, version: 1), at: "\(dir)/run")
            #expect(try Self.killed(mreg, ["register", "m", "run"], cwd: dir, at: KillAt(point: "head-moved", hit: 1)))
            let version = "\(dir)/.mreg/refs/models/m/versions/1"
            #expect(!FileManager.default.fileExists(atPath: version))
            let again = try mreg.run(["register", "m", "run"], cwd: dir).succeeded()
            #expect(again.stdout.contains("1"), "\(again)")
            #expect(FileManager.default.fileExists(atPath: version))
            #expect(try mreg.run(["fsck"], cwd: dir).status == 0)
        }
    }

    @Test func fsckRepairRewritesEveryDerivedRefFromTheChain() throws {
        try withStore { mreg, dir in
            for v in 1...2 {
                try Self.lay(Self.smallFiles(2, version: v), at: "\(dir)/run")
                try mreg.run(["register", "m", "run", "--tag", "t\(v)"], cwd: dir).succeeded()
            }
            try mreg.run(["promote", "m@1", "staging"], cwd: dir).succeeded()
            let refs = "\(dir)/.mreg/refs/models/m"
            let before = snapshot(refs)
            // Missing, garbage, wrong and extra derived refs.
            try FileManager.default.removeItem(atPath: "\(refs)/versions/1")
            try writeFile("\(refs)/versions/2", "garbage\n")
            try writeFile("\(refs)/stages/staging", try readFile("\(refs)/tags/t2"))
            try writeFile("\(refs)/tags/gone", try readFile("\(refs)/tags/t2"))
            try FileManager.default.removeItem(atPath: "\(refs)/tags/t1")
            let fsck = try mreg.run(["fsck"], cwd: dir)
            #expect(fsck.status == 4)
            for problem in ["versions/1 is missing", "versions/2 is damaged", "stages/staging should be", "tags/gone should not exist", "tags/t1 is missing"] {
                #expect(fsck.stdout.contains("refs/models/m/\(problem)"), "\(problem): \(fsck)")
            }
            let repair = try mreg.run(["fsck", "--repair"], cwd: dir)
            #expect(repair.status == 0 && repair.stdout.contains("repaired"), "\(repair)")
            #expect(differences(before, snapshot(refs)).isEmpty, "\(differences(before, snapshot(refs)))")
        }
    }

    // MARK: promote

    @Test func promoteSurvivesKills() throws {
        try withStore { mreg, dir in
            var versions = [Files]()
            for v in 1...3 {
                let files = Self.smallFiles(2, version: v)
                try Self.lay(files, at: "\(dir)/run")
                try mreg.run(["register", "m", "run"], cwd: dir).succeeded()
                versions.append(files)
            }
            var kills = 0
            var stages = [String: Int]()
            let points = [("object-installed", 1), ("lock-created", 3), ("head-moved", 1), ("ref-temp-written", 2),
                          ("lock-taken", 3), ("derived-sync-locked", 1), ("ref-moved", 2), ("derived-ref-written", 1)]
            for (i, kill) in Self.plan(20, seed: 21, points).enumerated() {
                let stage = i % 2 == 0 ? "staging" : "production"
                let version = (i / 2) % 3 + 1
                let args = ["promote", "m@\(version)", stage, "--reason", "round \(i)"]
                let died = try Self.killed(mreg, args, cwd: dir, at: kill)
                if died { kills += 1 }
                try Self.settle(mreg, dir, killed: died, after: "promote killed at \(kill)")
                try mreg.run(args, cwd: dir).succeeded()
                stages[stage] = version
                // The stage's derived ref names what the chain says.
                let chain = try mreg.run(["rev-parse", "m@\(version)"], cwd: dir).succeeded().output
                let ref = try mreg.run(["rev-parse", "refs/models/m/stages/\(stage)"], cwd: dir).succeeded().output
                #expect(ref == chain, "after promote killed at \(kill)")
            }
            #expect(kills >= 14, "most runs die where planned (\(kills) of 20)")
            try Self.expectWhole(mreg, dir, "m", versions: versions)
        }
    }

    // MARK: push and pull

    @Test func pushToAFolderRemoteSurvivesKills() throws {
        try withStore { mreg, dir in
            let remote = "\(dir)/../remote"
            try mreg.run(["init", "-q", remote]).succeeded()
            try mreg.run(["remote", "add", "origin", remote], cwd: dir).succeeded()
            // Loose objects, one write each (the kill points counted here); packs: E2E_54.
            try mreg.run(["config", "remote.origin.packs", "false"], cwd: dir).succeeded()
            var versions = [Files]()
            var kills = 0
            for (i, kill) in Self.plan(20, seed: 31, Self.writePoints(objects: 6, locks: 4, refs: 3)).enumerated() {
                let files = Self.smallFiles(3, version: i)
                try Self.lay(files, at: "\(dir)/run")
                try mreg.run(["register", "m", "run", "-m", "v\(i)"], cwd: dir).succeeded()
                versions.append(files)
                let died = try Self.killed(mreg, ["push"], cwd: dir, at: kill)
                if died { kills += 1 }
                try Self.settle(mreg, dir, killed: died, after: "push killed at \(kill)")
                try Self.settle(mreg, remote, killed: died, after: "push killed at \(kill) (the remote)")
                try mreg.run(["push"], cwd: dir).succeeded()
            }
            #expect(kills >= 14, "most runs die where planned (\(kills) of 20)")
            try Self.expectWhole(mreg, dir, "m", versions: versions)
            try Self.expectWhole(mreg, remote, "m", versions: versions)
        }
    }

    @Test func pullFromAFolderRemoteSurvivesKills() throws {
        try withStore { mreg, dir in
            let remote = "\(dir)/../remote"
            let reader = "\(dir)/../reader"
            try mreg.run(["init", "-q", remote]).succeeded()
            try mreg.run(["remote", "add", "origin", remote], cwd: dir).succeeded()
            var versions = [Files]()
            let first = Self.smallFiles(3, version: 0)
            try Self.lay(first, at: "\(dir)/run")
            try mreg.run(["register", "m", "run", "-m", "v0"], cwd: dir).succeeded()
            try mreg.run(["push"], cwd: dir).succeeded()
            versions.append(first)
            try mreg.run(["clone", "-q", remote, reader]).succeeded()
            var kills = 0
            for (i, kill) in Self.plan(20, seed: 41, Self.writePoints(objects: 6, locks: 4, refs: 3)).enumerated() {
                let files = Self.smallFiles(3, version: i + 1)
                try Self.lay(files, at: "\(dir)/run")
                try mreg.run(["register", "m", "run", "-m", "v\(i + 1)"], cwd: dir).succeeded()
                try mreg.run(["push"], cwd: dir).succeeded()
                versions.append(files)
                let died = try Self.killed(mreg, ["pull"], cwd: reader, at: kill)
                if died { kills += 1 }
                try Self.settle(mreg, reader, killed: died, after: "pull killed at \(kill)")
                try mreg.run(["pull"], cwd: reader).succeeded()
            }
            #expect(kills >= 14, "most runs die where planned (\(kills) of 20)")
            try Self.expectWhole(mreg, reader, "m", versions: versions)
            try Self.expectWhole(mreg, remote, "m", versions: versions)
        }
    }

    // MARK: export

    @Test func exportSurvivesKills() throws {
        try withStore { mreg, dir in
            try mreg.run(["config", "core.chunkThreshold", "256k"], cwd: dir).succeeded()
            try mreg.run(["config", "core.chunkSize", "64k"], cwd: dir).succeeded()
            var files = Self.smallFiles(40, version: 1)
            files["weights.bin"] = randomBytes(2 << 20, seed: 5)
            try Self.lay(files, at: "\(dir)/run")
            try mreg.run(["register", "m", "run"], cwd: dir).succeeded()
            let store = snapshot("\(dir)/.mreg")
            let duration = try Self.timed(mreg, ["export", "m@1", "calibrate"], cwd: dir)
            var rng = Seeded(51)
            var kills = 0
            for i in 0..<20 {
                let target = "out\(i)"
                if try Self.killed(mreg, ["export", "m@1", target], cwd: dir, after: Double.random(in: 0...duration, using: &rng)) {
                    kills += 1
                }
                // A later export succeeds (over what the killed one left, hence --force) and is whole.
                try mreg.run(["export", "m@1", target, "--force"], cwd: dir).succeeded()
                for (path, bytes) in files {
                    #expect((try? readFile("\(dir)/\(target)/\(path)")) == bytes, "export \(i): \(path)")
                }
                // TODO(wip-export): once a later export removes what a killed one staged, expect no
                // `.mreg-export-*` entry left in the target here.
                try FileManager.default.removeItem(atPath: "\(dir)/\(target)")
            }
            #expect(kills >= 10, "most runs die before they end (\(kills) of 20)")
            // Export writes nothing into the store.
            #expect(differences(store, snapshot("\(dir)/.mreg")).isEmpty)
            try Self.expectWhole(mreg, dir, "m", versions: [files])
        }
    }
}
