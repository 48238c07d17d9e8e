import Foundation
import MregTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Remotes: `remote`, `push`, `fetch`, `pull`, `clone` over a shared filesystem and S3.
@Suite struct RemoteTests {
    // MARK: helpers

    /// The temp folder around the test's work folder (for remotes and other stores).
    static func base(_ dir: String) -> String { (dir as NSString).deletingLastPathComponent }

    /// `mreg init` of a new store at `path`.
    static func initStore(_ mreg: MregRunner, _ path: String, shared: Bool = false) throws {
        try mreg.run(["init", "-q", path] + (shared ? ["--shared=group"] : [])).succeeded()
    }

    /// Registers a version of `model` from `count` files (`model.bin` of `size` random bytes plus small ones).
    static func register(_ mreg: MregRunner, _ dir: String, _ model: String, message: String, files count: Int = 3,
                         size: Int = 40_000, seed: UInt64 = 1, extra: [String] = []) throws {
        let folder = "\(dir)/run-\(model)"
        try? FileManager.default.removeItem(atPath: folder)
        try writeFile("\(folder)/model.bin", randomBytes(size, seed: seed))
        for i in 0..<max(0, count - 1) { try writeFile("\(folder)/f\(i).txt", "\(model) \(message) \(i)\n") }
        try mreg.run(["register", model, folder, "-m", message] + extra, cwd: dir).succeeded()
    }

    /// `env` with pack transfers off (`MREG_REMOTE_PACKS=0`): pushes send loose objects, the
    /// layout these tests inspect (E2E_54 covers transfers in packs).
    static func loose(_ env: [String: String?] = [:]) -> [String: String?] {
        var env = env
        env["MREG_REMOTE_PACKS"] = "0"
        return env
    }

    static func json(_ r: RunResult) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(r.stdoutBytes)) as? [String: Any] ?? [:]
    }

    static func statuses(_ report: [String: Any]) -> [String: String] {
        var out = [String: String]()
        for m in report["models"] as? [[String: Any]] ?? [] { out[m["model"] as! String] = m["status"] as? String }
        return out
    }

    /// `mreg fsck` in a store (errors fail the test; temp files and dangling objects do not).
    static func expectClean(_ mreg: MregRunner, _ store: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let r = try mreg.run(["fsck", "--json"], cwd: store)
        let report = try json(r)
        #expect(r.status == 0 && report["clean"] as? Bool == true, "fsck of \(store): \(r.stdout)", sourceLocation: sourceLocation)
    }

    static func objectCount(_ mreg: MregRunner, _ store: String) throws -> Int {
        try json(try mreg.run(["count-objects", "--json"], cwd: store).succeeded())["count"] as? Int ?? -1
    }

    static func versions(_ mreg: MregRunner, _ store: String, _ model: String) throws -> [Int: String] {
        let log = try JSONSerialization.jsonObject(with: Data(try mreg.run(["log", model, "--json"], cwd: store).succeeded().stdoutBytes)) as? [[String: Any]] ?? []
        var out = [Int: String]()
        for e in log where e["action"] as? String == "register" { out[e["version"] as! Int] = e["reason"] as? String }
        return out
    }

    // MARK: filesystem remotes

    @Test func pushThenCloneGivesTheSameRegistry() throws {
        try withStore { mreg, dir in
            let remote = "\(Self.base(dir))/shared/registry"
            try Self.initStore(mreg, remote)
            try Self.register(mreg, dir, "fraud", message: "one", extra: ["--tag", "first"])
            try Self.register(mreg, dir, "fraud", message: "two", seed: 2, extra: ["--stage", "staging"])
            try Self.register(mreg, dir, "ranker", message: "r1", seed: 3)
            try mreg.run(["remote", "add", "origin", "../shared/registry"], cwd: dir).succeeded()

            let pushed = try Self.json(try mreg.run(["push", "--json"], cwd: dir).succeeded())
            #expect(Self.statuses(pushed) == ["fraud": "pushed", "ranker": "pushed"])
            #expect(pushed["objects"] as? Int == (try Self.objectCount(mreg, dir)))
            #expect(pushed["url"] as? String == remote)
            try Self.expectClean(mreg, remote)
            // The remote is an ordinary store: read commands work there.
            #expect(try mreg.run(["show", "fraud@staging", "--json"], cwd: remote).succeeded().stdout.contains("\"version\": 2"))
            // Remote-tracking refs remember what was pushed.
            let tracked = try mreg.run(["show-ref", "refs/remotes/origin/"], cwd: dir).succeeded()
            #expect(tracked.lines.count == 2 && tracked.stdout.contains("refs/remotes/origin/fraud/head"))

            let clone = "\(Self.base(dir))/copy"
            let cloned = try mreg.run(["clone", remote, clone], cwd: dir).succeeded()
            #expect(cloned.stdout.contains("Cloned 2 models"))
            try Self.expectClean(mreg, clone)
            for command in [["list", "--json"], ["log", "--json"], ["ls-files", "fraud@first", "--json"], ["show", "fraud@staging", "--json"]] {
                #expect(try mreg.run(command, cwd: clone).succeeded().stdout == mreg.run(command, cwd: dir).succeeded().stdout)
            }
            #expect(try mreg.run(["cat", "fraud@2", "model.bin"], cwd: clone).succeeded().stdoutBytes == randomBytes(40_000, seed: 2))
            #expect(try mreg.run(["config", "remote.origin.url"], cwd: clone).succeeded().output == remote)
            // A clone into an existing store is refused, and leaves it alone.
            #expect(try mreg.run(["clone", remote, clone], cwd: dir).status == 3)  // a store is already there
            try Self.expectClean(mreg, clone)
        }
    }

    @Test func pushAndFetchMoveOnlyWhatTheOtherSideLacks() throws {
        try withStore { mreg, dir in
            let remote = "\(Self.base(dir))/remote"
            try Self.initStore(mreg, remote)
            try mreg.run(["config", "core.chunkThreshold", "256k"], cwd: dir).succeeded()
            try mreg.run(["config", "core.chunkSize", "64k"], cwd: dir).succeeded()
            try Self.register(mreg, dir, "fraud", message: "one", files: 5, size: 1 << 20)
            try mreg.run(["remote", "add", "origin", remote], cwd: dir).succeeded()
            let first = try Self.json(try mreg.run(["push", "--json"], cwd: dir).succeeded())
            #expect((first["objects"] as? Int ?? 0) > 10)  // chunks, chunk list, files, manifest, event

            let clone = "\(Self.base(dir))/clone"
            try mreg.run(["clone", "-q", remote, clone], cwd: dir).succeeded()

            // Change one small file: the new version shares every other object.
            try writeFile("\(dir)/run-fraud/f0.txt", "changed\n")
            try mreg.run(["register", "fraud", "run-fraud", "-m", "two"], cwd: dir).succeeded()
            let second = try Self.json(try mreg.run(["push", "--json"], cwd: dir).succeeded())
            #expect(second["objects"] as? Int == 3)  // event, manifest, the changed blob
            let fetched = try Self.json(try mreg.run(["fetch", "--json"], cwd: clone).succeeded())
            #expect(fetched["objects"] as? Int == 3)
            #expect(Self.statuses(fetched) == ["fraud": "fetched"])
            // fetch moves only the remote-tracking ref; pull adopts it.
            #expect(try Self.versions(mreg, clone, "fraud").count == 1)
            let pulled = try Self.json(try mreg.run(["pull", "--json"], cwd: clone).succeeded())
            #expect(Self.statuses(pulled) == ["fraud": "fast-forward"] && pulled["objects"] as? Int == 0)
            #expect(try Self.versions(mreg, clone, "fraud") == [1: "one", 2: "two"])
            #expect(try mreg.run(["cat", "fraud@2", "f0.txt"], cwd: clone).succeeded().stdout == "changed\n")
            try Self.expectClean(mreg, clone)
            // Nothing new: nothing moves.
            #expect(try Self.json(try mreg.run(["push", "--json"], cwd: dir).succeeded())["objects"] as? Int == 0)
            #expect(try mreg.run(["fetch"], cwd: clone).succeeded().stdout.contains("up to date"))
        }
    }

    @Test func aPushWithNothingNewIsFastWhateverTheStoreSize() throws {
        try withStore { mreg, dir in
            let remote = "\(Self.base(dir))/remote"
            try Self.initStore(mreg, remote)
            // A few thousand objects: one version of 2,500 files, then small changes.
            let folder = "\(dir)/big"
            for i in 0..<2_500 { try writeFile("\(folder)/part-\(i / 100)/file-\(i).txt", "row \(i)\n") }
            try mreg.run(["register", "wide", folder, "-m", "v1"], cwd: dir).succeeded()
            for v in 2...4 {
                try writeFile("\(folder)/part-0/file-0.txt", "version \(v)\n")
                try mreg.run(["register", "wide", folder, "-m", "v\(v)"], cwd: dir).succeeded()
            }
            #expect(try Self.objectCount(mreg, dir) > 2_500)
            try mreg.run(["remote", "add", "origin", remote], cwd: dir).succeeded()
            let started = Date()
            try mreg.run(["push"], cwd: dir).succeeded()
            let full = Date().timeIntervalSince(started)
            var best = Double.infinity
            for _ in 0..<3 {
                let t = Date()
                let r = try mreg.run(["push", "--json"], cwd: dir).succeeded()
                best = min(best, Date().timeIntervalSince(t))
                #expect(try Self.json(r)["objects"] as? Int == 0)
            }
            print("no-op push of a store with \(try Self.objectCount(mreg, dir)) objects: \(Int(best * 1000)) ms (first push \(Int(full * 1000)) ms)")
            #expect(best < 0.5)
        }
    }

    @Test func aPushThatIsNotAFastForwardIsRefusedAndPullReplaysLocalWork() throws {
        try withStore { mreg, dir in
            let base = Self.base(dir)
            let remote = "\(base)/remote"
            try Self.initStore(mreg, remote)
            try Self.register(mreg, dir, "fraud", message: "base")
            try mreg.run(["remote", "add", "origin", remote], cwd: dir).succeeded()
            try mreg.run(["push"], cwd: dir).succeeded()

            // Bob publishes v2 first.
            let bob = "\(base)/bob"
            try mreg.run(["clone", "-q", remote, bob], cwd: base).succeeded()
            try Self.register(mreg, bob, "fraud", message: "bob", seed: 20, extra: ["--stage", "staging"])
            try mreg.run(["push"], cwd: bob, env: ["MREG_USER_NAME": "Bob"]).succeeded()

            // Ada made her own v2 meanwhile, tagged and promoted it.
            try Self.register(mreg, dir, "fraud", message: "ada", seed: 30, extra: ["--tag", "mine"])
            try mreg.run(["promote", "fraud@2", "production", "--reason", "ship it"], cwd: dir).succeeded()
            let before = snapshot(remote)
            let refused = try mreg.run(["push"], cwd: dir)
            #expect(refused.status == 3)
            #expect(refused.stderrIsOneLine && refused.stderr.contains("mreg pull origin") && refused.stderr.contains("fraud"))
            #expect(refused.stdout.contains("rejected"))
            #expect(differences(before, snapshot(remote)).isEmpty)

            let pulled = try Self.json(try mreg.run(["pull", "--json"], cwd: dir).succeeded())
            let model = (pulled["models"] as! [[String: Any]])[0]
            #expect(model["status"] as? String == "replayed")
            #expect((model["renumbered"] as? [[String: Int]]) == [["from": 2, "to": 3]])
            // Nobody's work is lost: Bob's v2 stays v2, Ada's becomes v3 with its tag and stage.
            #expect(try Self.versions(mreg, dir, "fraud") == [1: "base", 2: "bob", 3: "ada"])
            #expect(try mreg.run(["rev-parse", "fraud@mine"], cwd: dir).output == mreg.run(["rev-parse", "fraud@3"], cwd: dir).output)
            #expect(try mreg.run(["rev-parse", "fraud@production"], cwd: dir).output == mreg.run(["rev-parse", "fraud@3"], cwd: dir).output)
            #expect(try mreg.run(["rev-parse", "fraud@staging"], cwd: dir).output == mreg.run(["rev-parse", "fraud@2"], cwd: dir).output)
            #expect(try mreg.run(["cat", "fraud@3", "model.bin"], cwd: dir).succeeded().stdoutBytes == randomBytes(40_000, seed: 30))
            let log = try JSONSerialization.jsonObject(with: Data(try mreg.run(["log", "fraud", "--json"], cwd: dir).stdoutBytes)) as! [[String: Any]]
            #expect(log.first?["reason"] as? String == "ship it" && log.first?["previous"] == nil)
            try Self.expectClean(mreg, dir)

            try mreg.run(["push"], cwd: dir).succeeded()
            try Self.expectClean(mreg, remote)
            #expect(try Self.versions(mreg, remote, "fraud") == [1: "base", 2: "bob", 3: "ada"])
            // Bob fast-forwards to the same history.
            let bobPull = try Self.json(try mreg.run(["pull", "--json"], cwd: bob).succeeded())
            #expect(Self.statuses(bobPull) == ["fraud": "fast-forward"])
            #expect(try mreg.run(["log", "--json"], cwd: bob).stdout == mreg.run(["log", "--json"], cwd: remote).stdout)
        }
    }

    @Test func everyFetchedObjectIsVerifiedAndADamagedOneIsNotStored() throws {
        try withStore { mreg, dir in
            let base = Self.base(dir)
            let remote = "\(base)/remote"
            try Self.initStore(mreg, remote)
            try Self.register(mreg, dir, "fraud", message: "one", size: 100_000)
            try mreg.run(["push", remote], cwd: dir, env: Self.loose()).succeeded()
            let files = try JSONSerialization.jsonObject(with: Data(try mreg.run(["ls-files", "fraud", "--json"], cwd: dir).succeeded().stdoutBytes)) as! [[String: Any]]
            let weights = files.first { $0["path"] as? String == "model.bin" }!["object"] as! String
            let small = files.first { $0["path"] as? String == "f0.txt" }!["object"] as! String
            func objectPath(_ store: String, _ id: String) -> String {
                "\(store)/.mreg/objects/\(id.prefix(2))/\(id.dropFirst(2))"
            }
            let good = try readFile(objectPath(remote, weights))
            // Two kinds of damage: another object's (valid) bytes, and a truncated stream.
            for damaged in [try readFile(objectPath(remote, small)), Array(good.prefix(good.count / 2))] {
                let target = objectPath(remote, weights)
                chmod(target, 0o644)
                try writeFile(target, damaged)

                let failed = try mreg.run(["clone", remote, "\(base)/clone"], cwd: base)
                #expect(failed.status == 4 && failed.stderrIsOneLine)
                #expect(failed.stderr.contains("corrupt") && failed.stderr.contains(weights))
                #expect(!FileManager.default.fileExists(atPath: "\(base)/clone"))

                let other = "\(base)/other"
                try? FileManager.default.removeItem(atPath: other)
                try Self.initStore(mreg, other)
                try mreg.run(["remote", "add", "origin", remote], cwd: other).succeeded()
                let fetch = try mreg.run(["fetch"], cwd: other)
                #expect(fetch.status == 4 && fetch.stderr.contains(weights))
                #expect(!FileManager.default.fileExists(atPath: objectPath(other, weights)))
                #expect(try mreg.run(["show-ref", "refs/remotes/"], cwd: other).status == 1)
                try Self.expectClean(mreg, other)
                #expect(try Self.objectCount(mreg, other) <= 2)  // at most the small blobs, never an event or manifest
            }
            // Repaired, the same fetch succeeds.
            try writeFile(objectPath(remote, weights), good)
            try mreg.run(["pull"], cwd: "\(base)/other").succeeded()
            #expect(try mreg.run(["cat", "fraud", "model.bin"], cwd: "\(base)/other").succeeded().stdoutBytes == randomBytes(100_000, seed: 1))
        }
    }

    @Test func eightConcurrentPushersLeaveTheRemoteConsistent() throws {
        try withStore { mreg, dir in
            let base = Self.base(dir)
            let remote = "\(base)/remote"
            try Self.initStore(mreg, remote)

            // Different models.
            var stores = [String]()
            for i in 0..<8 {
                let s = "\(base)/s\(i)"
                try Self.initStore(mreg, s)
                try Self.register(mreg, s, "model-\(i)", message: "m\(i)", seed: UInt64(100 + i))
                try Self.register(mreg, s, "shared-base", message: "common", seed: 7)  // identical content everywhere
                try mreg.run(["remote", "add", "origin", remote], cwd: s).succeeded()
                stores.append(s)
            }
            let runs = try stores.map { try mreg.start(["push", "origin", "model-\($0.suffix(1))"], cwd: $0) }.map { $0.wait() }
            for r in runs { #expect(r.status == 0, "\(r)") }
            try Self.expectClean(mreg, remote)
            #expect(try mreg.run(["list", "--json"], cwd: remote).stdout.components(separatedBy: "\"model\"").count == 9)

            // The same model: independent stores that all created it. One wins; the rest are told to pull.
            let same = try stores.map { try mreg.start(["push", "origin", "shared-base"], cwd: $0) }.map { $0.wait() }
            #expect(same.filter { $0.status == 0 }.count == 1)
            for r in same where r.status != 0 {
                #expect(r.status == 3 && r.stderr.contains("mreg pull"), "\(r)")
            }
            try Self.expectClean(mreg, remote)

            // Each new version of one model, from clones of the remote, all pushed at once.
            for s in stores { try mreg.run(["pull"], cwd: s).succeeded() }
            for (i, s) in stores.enumerated() {
                try Self.register(mreg, s, "shared-base", message: "from \(i)", seed: UInt64(200 + i))
            }
            let racing = try stores.map { try mreg.start(["push", "origin", "shared-base"], cwd: $0) }.map { $0.wait() }
            #expect(racing.filter { $0.status == 0 }.count == 1)
            for r in racing where r.status != 0 { #expect(r.status == 3 && r.stderr.contains("mreg pull"), "\(r)") }
            try Self.expectClean(mreg, remote)
            // Everyone pulls (replaying their version on top) and pushes: all 8 versions arrive.
            for _ in 0..<3 {
                for s in stores {
                    try mreg.run(["pull"], cwd: s).succeeded()
                    _ = try mreg.run(["push"], cwd: s)
                }
            }
            let published = try Self.versions(mreg, remote, "shared-base")
            #expect(Set(published.values) == Set(["common"] + (0..<8).map { "from \($0)" }))
            #expect(published.keys.sorted() == Array(1...9))
            try Self.expectClean(mreg, remote)
        }
    }

    @Test func aPushKilledHalfWayLeavesTheRemoteConsistentAndTheNextPushCompletesIt() throws {
        try withStore { mreg, dir in
            let base = Self.base(dir)
            let remote = "\(base)/remote"
            try Self.initStore(mreg, remote)
            try mreg.run(["config", "core.chunkThreshold", "256k"], cwd: dir).succeeded()
            try mreg.run(["config", "core.chunkSize", "64k"], cwd: dir).succeeded()
            try Self.register(mreg, dir, "fraud", message: "one", files: 6, size: 1 << 20)
            try Self.register(mreg, dir, "fraud", message: "two", files: 6, size: 1 << 20, seed: 9)
            try mreg.run(["remote", "add", "origin", remote], cwd: dir).succeeded()
            let total = try Self.objectCount(mreg, dir)
            // Killed early, in the middle, and just before the heads would move.
            for step in 0..<3 {
                let there = try Self.objectCount(mreg, remote)
                let remaining = total - there
                let killAfter = step == 2 ? remaining - 1 : max(1, remaining / 3)
                let r = try mreg.run(["push"], cwd: dir, env: Self.loose(["MREG_TEST_KILL_AFTER_OBJECTS": String(killAfter)]))
                #expect(r.status == 128 + SIGKILL, "\(r)")
                try Self.expectClean(mreg, remote)
                #expect(try mreg.run(["show-ref"], cwd: remote).status == 1)  // no head moved
                #expect(try Self.objectCount(mreg, remote) >= there + killAfter)
            }
            let finished = try Self.json(try mreg.run(["push", "--json"], cwd: dir, env: Self.loose()).succeeded())
            #expect((finished["objects"] as? Int ?? 0) < total)  // what the killed pushes sent is not sent again
            try Self.expectClean(mreg, remote)
            #expect(try Self.objectCount(mreg, remote) == total)

            // A kill at an arbitrary moment during a larger transfer is just as harmless.
            try writeFile("\(dir)/run-fraud/large.bin", randomBytes(24 << 20, seed: 77))
            try mreg.run(["register", "fraud", "run-fraud", "-m", "three"], cwd: dir).succeeded()
            let push = try mreg.start(["push"], cwd: dir)
            // Kill it while an object is being written on the remote (if it gets that far before finishing).
            let deadline = Date().addingTimeInterval(10)
            while push.isRunning && Date() < deadline {
                let entries = (try? FileManager.default.contentsOfDirectory(atPath: "\(remote)/.mreg/objects")) ?? []
                if entries.contains(where: { $0.hasPrefix("tmp_obj_") }) {
                    kill(push.pid, SIGKILL)
                    break
                }
                usleep(200)
            }
            _ = push.wait()
            try Self.expectClean(mreg, remote)
            try mreg.run(["push"], cwd: dir).succeeded()
            try Self.expectClean(mreg, remote)
            let clone = "\(base)/clone"
            try mreg.run(["clone", "-q", remote, clone], cwd: base).succeeded()
            #expect(try mreg.run(["cat", "fraud@3", "large.bin"], cwd: clone).succeeded().stdoutBytes == randomBytes(24 << 20, seed: 77))
        }
    }

    @Test func everythingPushedToASharedStoreStaysGroupWritable() throws {
        try withStore { mreg, dir in
            let base = Self.base(dir)
            let remote = "\(base)/team"
            try Self.initStore(mreg, remote, shared: true)
            try Self.register(mreg, dir, "fraud", message: "one", extra: ["--tag", "t1", "--stage", "staging"])
            try mreg.run(["remote", "add", "origin", remote], cwd: dir).succeeded()
            // A user whose umask would make files private.
            func push(_ cwd: String) throws {
                try mreg.runProgram("/bin/sh", ["-c", "umask 077 && exec \"$0\" push", mreg.binary], cwd: cwd).succeeded()
            }
            try push(dir)
            try Self.register(mreg, dir, "fraud", message: "two", seed: 5, extra: ["--stage", "staging"])
            try push(dir)
            var checked = 0
            let fm = FileManager.default
            let root = "\(remote)/.mreg"
            for rel in fm.enumerator(atPath: root)!.compactMap({ $0 as? String }) {
                var st = stat()
                guard lstat("\(root)/\(rel)", &st) == 0 else { continue }
                let mode = st.st_mode & 0o7777
                if st.st_mode & S_IFMT == S_IFDIR {
                    #expect(mode & 0o2070 == 0o2070, "folder \(rel) has mode \(String(mode, radix: 8))")
                } else {
                    #expect(mode & 0o040 != 0, "file \(rel) has mode \(String(mode, radix: 8))")
                    if rel.hasPrefix("refs/") || rel == "config" {
                        #expect(mode & 0o060 == 0o060, "file \(rel) has mode \(String(mode, radix: 8))")
                    }
                }
                checked += 1
            }
            #expect(checked > 20)
            try Self.expectClean(mreg, remote)
        }
    }

    @Test func remoteCommandsManageTheConfig() throws {
        try withStore { mreg, dir in
            let base = Self.base(dir)
            let noRemote = try mreg.run(["push"], cwd: dir)
            #expect(noRemote.status == 2 && noRemote.stderr.contains("mreg remote add"))
            let added = try mreg.run(["remote", "add", "origin", "../later"], cwd: dir).succeeded()
            #expect(added.stderr.contains("mreg init"))  // not a store yet: a warning, not an error
            try mreg.run(["remote", "add", "lake", "s3://models/team", "--endpoint", "http://127.0.0.1:9", "--region", "eu-west-1"], cwd: dir).succeeded()
            #expect(try mreg.run(["remote"], cwd: dir).succeeded().lines == ["origin", "lake"])
            let verbose = try mreg.run(["remote", "-v"], cwd: dir).succeeded().stdout
            #expect(verbose.contains("\(base)/later") && verbose.contains("endpoint=http://127.0.0.1:9"))
            let listed = try JSONSerialization.jsonObject(with: Data(try mreg.run(["remote", "list", "--json"], cwd: dir).stdoutBytes)) as! [[String: String]]
            #expect(listed.last == ["name": "lake", "url": "s3://models/team", "endpoint": "http://127.0.0.1:9", "region": "eu-west-1"])
            // Credentials never reach the output: URL passwords and secret settings are masked.
            let secret = "wJalrXUtnFEMIK7MDENGbPxRfiCY"
            let keyed = try mreg.run(["remote", "add", "minio", "s3://models/x", "--endpoint", "http://AKIAX:\(secret)@127.0.0.1:9"], cwd: dir).succeeded()
            try mreg.run(["config", "remote.minio.secretAccessKey", secret], cwd: dir).succeeded()
            let shown = [keyed.stdout, try mreg.run(["remote", "-v"], cwd: dir).succeeded().stdout,
                         try mreg.run(["remote", "list", "--json"], cwd: dir).succeeded().stdout,
                         try mreg.run(["config", "--list"], cwd: dir).succeeded().stdout]
            #expect(shown.allSatisfy { !$0.contains(secret) } && shown[1].contains("http://AKIAX:***@127.0.0.1:9"), "\(shown)")
            #expect(try mreg.run(["config", "remote.minio.secretAccessKey"], cwd: dir).succeeded().stdout == secret + "\n")  // asked for by name
            let failed = try mreg.run(["push", "minio"], cwd: dir)
            #expect(failed.status != 0 && !failed.stderr.contains(secret), "\(failed)")
            try mreg.run(["remote", "remove", "minio"], cwd: dir).succeeded()
            #expect(try mreg.run(["remote", "add", "origin", "/x"], cwd: dir).status == 3)  // exists
            #expect(try mreg.run(["remote", "add", "bad name", "/x"], cwd: dir).status == 64)  // bad name
            #expect(try mreg.run(["remote", "add", "x", "ftp://host/x"], cwd: dir).status == 64)  // bad URL

            try Self.register(mreg, dir, "fraud", message: "one")
            let notStore = try mreg.run(["push"], cwd: dir)
            #expect(notStore.status == 2 && notStore.stderrIsOneLine && notStore.stderr.contains("mreg init"))
            try Self.initStore(mreg, "\(base)/later")
            try mreg.run(["push", "fraud"], cwd: dir).succeeded()  // a model name alone: the default remote
            #expect(try mreg.run(["push", "nosuch"], cwd: dir).status == 2)  // an unknown model
            #expect(try mreg.run(["show-ref", "refs/remotes/origin/"], cwd: dir).status == 0)
            try mreg.run(["remote", "remove", "origin"], cwd: dir).succeeded()
            #expect(try mreg.run(["show-ref", "refs/remotes/"], cwd: dir).status == 1)
            #expect(try mreg.run(["remote"], cwd: dir).succeeded().lines == ["lake"])
            #expect(try mreg.run(["remote", "rm", "origin"], cwd: dir).status == 2)  // no such remote
            try Self.expectClean(mreg, dir)
        }
    }

    @Test(.enabled(if: which("script") != nil, "needs script(1) for a terminal"))
    func longTransfersShowProgressOnATerminal() throws {
        try withStore { mreg, dir in
            let remote = "\(Self.base(dir))/remote"
            try Self.initStore(mreg, remote)
            try Self.register(mreg, dir, "fraud", message: "big", size: 24 << 20)
            try mreg.run(["remote", "add", "origin", remote], cwd: dir).succeeded()
            // Not a terminal: nothing but the result.
            try mreg.run(["clone", "-q", remote, "\(Self.base(dir))/c0"], cwd: dir).succeeded()
            let plain = try mreg.run(["push"], cwd: dir).succeeded()
            #expect(!plain.stderr.contains("pushing"))
            try Self.register(mreg, dir, "fraud", message: "bigger", size: 24 << 20, seed: 4)
            let tty = try mreg.runProgram(which("script")!, ["-qec", "\(mreg.binary) push", "/dev/null"], cwd: dir).succeeded()
            #expect(tty.stdout.contains("pushing") && tty.stdout.contains("%") && tty.stdout.contains("MiB"))
            let fetched = try mreg.runProgram(which("script")!, ["-qec", "\(mreg.binary) pull", "/dev/null"], cwd: "\(Self.base(dir))/c0").succeeded()
            #expect(fetched.stdout.contains("fetching"))
        }
    }

    // MARK: S3

    @Suite(.enabled(if: S3Server.isAvailable, S3Server.skipReason))
    struct S3 {
        @Test func pushCloneFetchAndPullThroughABucket() throws {
            let s3 = S3Server.shared!
            try withStore { mreg, dir in
                let bucket = try s3.makeBucket()
                let url = "s3://\(bucket)/team/registry"
                try RemoteTests.register(mreg, dir, "fraud", message: "one", extra: ["--tag", "first"])
                try RemoteTests.register(mreg, dir, "ranker", message: "r1", seed: 3)
                try mreg.run(["remote", "add", "origin", url], cwd: dir).succeeded()
                let pushed = try RemoteTests.json(try mreg.run(["push", "--json"], cwd: dir, env: RemoteTests.loose(s3.environment)).succeeded())
                #expect(RemoteTests.statuses(pushed) == ["fraud": "pushed", "ranker": "pushed"])
                let keys = try s3.keys(bucket: bucket, prefix: "team/registry/")
                #expect(keys.contains("team/registry/config") && keys.contains("team/registry/refs/models/fraud/head"))
                #expect(keys.filter { $0.hasPrefix("team/registry/objects/") }.count == (try RemoteTests.objectCount(mreg, dir)))
                // Objects are stored with the same bytes as on disk.
                let someKey = keys.first { $0.hasPrefix("team/registry/objects/") }!
                let id = someKey.dropFirst("team/registry/objects/".count).replacingOccurrences(of: "/", with: "")
                #expect(try s3.get(bucket: bucket, key: someKey) == readFile("\(dir)/.mreg/objects/\(id.prefix(2))/\(id.dropFirst(2))"))

                let clone = "\(RemoteTests.base(dir))/clone"
                try mreg.run(["clone", url, clone], cwd: dir, env: RemoteTests.loose(s3.environment)).succeeded()
                try RemoteTests.expectClean(mreg, clone)
                #expect(try mreg.run(["log", "--json"], cwd: clone).stdout == mreg.run(["log", "--json"], cwd: dir).stdout)
                #expect(try mreg.run(["cat", "fraud@first", "model.bin"], cwd: clone).succeeded().stdoutBytes == randomBytes(40_000, seed: 1))

                try RemoteTests.register(mreg, dir, "fraud", message: "two", seed: 9)
                try mreg.run(["push"], cwd: dir, env: RemoteTests.loose(s3.environment)).succeeded()
                let fetched = try RemoteTests.json(try mreg.run(["fetch", "--json"], cwd: clone, env: RemoteTests.loose(s3.environment)).succeeded())
                #expect(fetched["objects"] as? Int == 5)  // event, manifest, three changed files
                try mreg.run(["pull"], cwd: clone, env: RemoteTests.loose(s3.environment)).succeeded()
                #expect(try RemoteTests.versions(mreg, clone, "fraud") == [1: "one", 2: "two"])
                try RemoteTests.expectClean(mreg, clone)
            }
        }

        @Test func headsMoveOnlyByConditionalWrites() throws {
            let s3 = S3Server.shared!
            try withStore { mreg, dir in
                let base = RemoteTests.base(dir)
                let bucket = try s3.makeBucket()
                let url = "s3://\(bucket)/reg"
                // Eight independent stores create the same model at once: If-None-Match lets exactly one win.
                var stores = [String]()
                for i in 0..<8 {
                    let s = "\(base)/s\(i)"
                    try RemoteTests.initStore(mreg, s)
                    try RemoteTests.register(mreg, s, "shared", message: "from \(i)", seed: UInt64(50 + i))
                    try mreg.run(["remote", "add", "origin", url], cwd: s).succeeded()
                    stores.append(s)
                }
                let created = try stores.map { try mreg.start(["push"], cwd: $0, env: RemoteTests.loose(s3.environment)) }.map { $0.wait() }
                // moto checks conditions and stores without a lock, so under a burst of concurrent
                // requests more than one may pass (S3 itself is atomic); exclusivity is checked
                // deterministically below, and no-loss at the end.
                #expect(created.filter { $0.status == 0 }.count >= 1)
                for r in created where r.status != 0 { #expect(r.status == 3 && r.stderr.contains("mreg pull"), "\(r)") }
                // Then each adds to it from the same base: If-Match lets exactly one of them move the head.
                for s in stores { try mreg.run(["pull"], cwd: s, env: RemoteTests.loose(s3.environment)).succeeded() }
                for s in stores { _ = try mreg.run(["push"], cwd: s, env: RemoteTests.loose(s3.environment)) }  // the replayed ones
                for s in stores { try mreg.run(["pull"], cwd: s, env: RemoteTests.loose(s3.environment)).succeeded() }
                for (i, s) in stores.enumerated() { try RemoteTests.register(mreg, s, "shared", message: "again \(i)", seed: UInt64(70 + i)) }
                let moved = try stores.map { try mreg.start(["push"], cwd: $0, env: RemoteTests.loose(s3.environment)) }.map { $0.wait() }
                #expect(moved.filter { $0.status == 0 }.count >= 1)
                // Deterministic compare-and-swap: two stores at the same head; the second push is refused.
                for s in stores.prefix(2) { try mreg.run(["pull"], cwd: s, env: RemoteTests.loose(s3.environment)).succeeded() }
                for _ in 0..<3 {
                    for s in stores {
                        try mreg.run(["pull"], cwd: s, env: RemoteTests.loose(s3.environment)).succeeded()
                        _ = try mreg.run(["push"], cwd: s, env: RemoteTests.loose(s3.environment))
                    }
                }
                for s in stores.prefix(2) { try mreg.run(["pull"], cwd: s, env: RemoteTests.loose(s3.environment)).succeeded() }
                try RemoteTests.register(mreg, stores[0], "shared", message: "cas a", seed: 90)
                try RemoteTests.register(mreg, stores[1], "shared", message: "cas b", seed: 91)
                try mreg.run(["push"], cwd: stores[0], env: RemoteTests.loose(s3.environment)).succeeded()
                let second = try mreg.run(["push"], cwd: stores[1], env: RemoteTests.loose(s3.environment))
                #expect(second.status == 3 && second.stderr.contains("mreg pull"), "\(second)")
                for r in moved where r.status != 0 { #expect(r.status == 3 && r.stderr.contains("mreg pull"), "\(r)") }
                // Pull (replay) and push until everyone's versions are in.
                for _ in 0..<3 {
                    for s in stores {
                        try mreg.run(["pull"], cwd: s, env: RemoteTests.loose(s3.environment)).succeeded()
                        _ = try mreg.run(["push"], cwd: s, env: RemoteTests.loose(s3.environment))
                    }
                }
                let clone = "\(base)/clone"
                try mreg.run(["clone", "-q", url, clone], cwd: base, env: RemoteTests.loose(s3.environment)).succeeded()
                try RemoteTests.expectClean(mreg, clone)
                let all = try RemoteTests.versions(mreg, clone, "shared")
                #expect(Set(all.values) == Set((0..<8).flatMap { ["from \($0)", "again \($0)"] } + ["cas a", "cas b"]))
                #expect(all.keys.sorted() == Array(1...18))
            }
        }

        @Test func largeObjectsGoUpInPartsAndNothingListsTheObjects() throws {
            let s3 = S3Server.shared!
            try withStore { mreg, dir in
                let bucket = try s3.makeBucket()
                let trace = "\(RemoteTests.base(dir))/trace.txt"
                var env = RemoteTests.loose(s3.environment)
                env["MREG_S3_TRACE"] = trace
                try RemoteTests.register(mreg, dir, "fraud", message: "big", size: 20 << 20)
                try mreg.run(["push", "s3://\(bucket)/p"], cwd: dir, env: env).succeeded()
                let lines = String(decoding: try readFile(trace), as: UTF8.self).split(separator: "\n")
                #expect(lines.contains { $0.hasPrefix("POST p/objects/") && $0.contains("?uploads=") })
                #expect(lines.contains { $0.contains("partNumber=3") })
                #expect(!lines.contains { PackRequestTests.listsObjects(String($0), prefix: "p") })
                // Nothing new: one request (the listing of the heads), well under a second.
                var elapsed = Double.infinity
                for _ in 0..<3 {
                    try? FileManager.default.removeItem(atPath: trace)
                    let started = Date()
                    let again = try mreg.run(["push", "s3://\(bucket)/p", "--json"], cwd: dir, env: env).succeeded()
                    elapsed = min(elapsed, Date().timeIntervalSince(started))
                    #expect(try RemoteTests.json(again)["objects"] as? Int == 0)
                }
                print("no-op push to S3: \(Int(elapsed * 1000)) ms")
                #expect(elapsed < 0.5)
                let requests = String(decoding: try readFile(trace), as: UTF8.self).split(separator: "\n")
                let prefixes = requests.map { String($0.prefix(22)) }
                #expect(prefixes == ["GET ?list-type=2&prefi"])
                // The uploaded object reads back intact.
                let clone = "\(RemoteTests.base(dir))/clone"
                try mreg.run(["clone", "-q", "s3://\(bucket)/p", clone], cwd: dir, env: RemoteTests.loose(s3.environment)).succeeded()
                #expect(try mreg.run(["cat", "fraud", "model.bin"], cwd: clone).succeeded().stdoutBytes == randomBytes(20 << 20, seed: 1))
            }
        }

        @Test func aDamagedObjectInTheBucketIsReportedAndNotStored() throws {
            let s3 = S3Server.shared!
            try withStore { mreg, dir in
                let bucket = try s3.makeBucket()
                try RemoteTests.register(mreg, dir, "fraud", message: "one")
                try mreg.run(["push", "s3://\(bucket)/r"], cwd: dir, env: RemoteTests.loose(s3.environment)).succeeded()
                let files = try JSONSerialization.jsonObject(with: Data(try mreg.run(["ls-files", "fraud", "--json"], cwd: dir).stdoutBytes)) as! [[String: Any]]
                let weights = files.first { $0["path"] as? String == "model.bin" }!["object"] as! String
                let other = files.first { $0["path"] as? String == "f0.txt" }!["object"] as! String
                let key = "r/objects/\(weights.prefix(2))/\(weights.dropFirst(2))"
                try s3.put(bucket: bucket, key: key, bytes: try s3.get(bucket: bucket, key: "r/objects/\(other.prefix(2))/\(other.dropFirst(2))")!)
                let store = "\(RemoteTests.base(dir))/fresh"
                try RemoteTests.initStore(mreg, store)
                let r = try mreg.run(["fetch", "s3://\(bucket)/r"], cwd: store, env: RemoteTests.loose(s3.environment))
                #expect(r.status == 4 && r.stderrIsOneLine && r.stderr.contains("corrupt") && r.stderr.contains(weights))
                #expect(!FileManager.default.fileExists(atPath: "\(store)/.mreg/objects/\(weights.prefix(2))/\(weights.dropFirst(2))"))
                try RemoteTests.expectClean(mreg, store)
                let leftovers = try FileManager.default.contentsOfDirectory(atPath: "\(store)/.mreg/objects").filter { $0.hasPrefix("tmp_obj_") }
                #expect(leftovers.isEmpty)
            }
        }

        @Test func aPushKilledHalfWayIsCompletedByTheNextOne() throws {
            let s3 = S3Server.shared!
            try withStore { mreg, dir in
                let bucket = try s3.makeBucket()
                try RemoteTests.register(mreg, dir, "fraud", message: "one", files: 8)
                try RemoteTests.register(mreg, dir, "fraud", message: "two", files: 8, seed: 4)
                try mreg.run(["remote", "add", "origin", "s3://\(bucket)/k"], cwd: dir).succeeded()
                let total = try RemoteTests.objectCount(mreg, dir)
                var env = RemoteTests.loose(s3.environment)
                env["MREG_TEST_KILL_AFTER_OBJECTS"] = String(total - 1)
                #expect(try mreg.run(["push"], cwd: dir, env: env).status == 128 + SIGKILL)
                #expect(try s3.keys(bucket: bucket, prefix: "k/refs/").isEmpty)
                let finished = try RemoteTests.json(try mreg.run(["push", "--json"], cwd: dir, env: RemoteTests.loose(s3.environment)).succeeded())
                #expect((finished["objects"] as? Int ?? 0) < total)
                let clone = "\(RemoteTests.base(dir))/clone"
                try mreg.run(["clone", "-q", "s3://\(bucket)/k", clone], cwd: dir, env: RemoteTests.loose(s3.environment)).succeeded()
                try RemoteTests.expectClean(mreg, clone)
                #expect(try RemoteTests.versions(mreg, clone, "fraud") == [1: "one", 2: "two"])
            }
        }
    }
}
