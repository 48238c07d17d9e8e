import Foundation
import MregTestSupport
import Testing

/// Sharing without surprises, part two: a pull never silently overrides a teammate's stage or
/// tag move, verify survives an ordinary pull, and renumbered versions say where they went.
/// Two users with their own HOMEs and identities share one remote (a folder, or the S3 test server).
@Suite("E2E 53: pull conflicts")
struct PullConflictTests {
    /// Ada and Bob, each with a store that has fraud v1 (pushed by Ada, cloned by Bob).
    struct Team {
        var ada: MregRunner
        var bob: MregRunner
        var adaDir: String
        var bobDir: String
        var url: String
    }

    static func user(_ tmp: String, _ name: String, _ env: [String: String?]) throws -> MregRunner {
        var runner = try MregRunner(home: "\(tmp)/\(name.lowercased())-home")
        runner.environment["MREG_USER_NAME"] = name
        runner.environment["MREG_USER_EMAIL"] = "\(name.lowercased())@example.com"
        for (key, value) in env { runner.environment[key] = value }
        return runner
    }

    /// A team on a folder remote, or on the S3 test server (`s3`; nil when it is not running).
    static func team(_ tmp: String, s3: Bool = false, policy: String? = nil) throws -> Team? {
        var env = [String: String?]()
        let url: String
        if s3 {
            guard let server = S3Server.shared else { return nil }
            env = server.environment
            url = "s3://\(try server.makeBucket())/team"
        } else {
            url = "\(tmp)/shared"
        }
        let ada = try user(tmp, "Ada", env), bob = try user(tmp, "Bob", env)
        let adaDir = "\(tmp)/ada", bobDir = "\(tmp)/bob"
        if !s3 {
            try ada.run(["init", "-q", url]).succeeded()
            if let policy { try writeFile("\(url)/.mreg/policy.toml", Array(policy.utf8)) }
        }
        try ada.run(["clone", "-q", url, adaDir]).succeeded()
        try register(ada, adaDir, seed: 1)
        try ada.run(["push"], cwd: adaDir).succeeded()
        try bob.run(["clone", "-q", url, bobDir]).succeeded()
        return Team(ada: ada, bob: bob, adaDir: adaDir, bobDir: bobDir, url: url)
    }

    static func register(_ mreg: MregRunner, _ dir: String, seed: UInt64) throws {
        try writeFile("\(dir)/w-\(seed).bin", randomBytes(2048, seed: seed))
        try mreg.run(["register", "fraud", "w-\(seed).bin", "-m", "run \(seed)"], cwd: dir).succeeded()
    }

    static func json(_ r: RunResult) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(r.stdoutBytes)) as? [String: Any] ?? [:]
    }

    static func log(_ mreg: MregRunner, _ dir: String) throws -> [[String: Any]] {
        try JSONSerialization.jsonObject(with: Data(mreg.run(["log", "fraud", "--json"], cwd: dir).succeeded().stdoutBytes)) as? [[String: Any]] ?? []
    }

    static func version(_ mreg: MregRunner, _ dir: String, _ rev: String) throws -> Int? {
        try json(mreg.run(["show", rev, "--json"], cwd: dir).succeeded())["version"] as? Int
    }

    /// Ada tags her v2 `best` and promotes it to production, and pushes; Bob meanwhile does the same with his own v2.
    static func bothMoveBestAndProduction(_ t: Team) throws {
        try register(t.ada, t.adaDir, seed: 2)
        try t.ada.run(["tag", "fraud@2", "best"], cwd: t.adaDir).succeeded()
        try t.ada.run(["promote", "fraud@2", "production", "--reason", "ada's"], cwd: t.adaDir).succeeded()
        try t.ada.run(["push"], cwd: t.adaDir).succeeded()
        try register(t.bob, t.bobDir, seed: 3)
        try t.bob.run(["tag", "fraud@2", "best"], cwd: t.bobDir).succeeded()
        try t.bob.run(["promote", "fraud@2", "production", "--reason", "bob's"], cwd: t.bobDir).succeeded()
        #expect(try t.bob.run(["push"], cwd: t.bobDir).status == 3)
    }

    /// Runs a pull that must be refused with `status`, and checks the store is byte-identical after it.
    @discardableResult
    static func refusedPull(_ mreg: MregRunner, _ dir: String, _ args: [String], status: Int32,
                            sourceLocation: SourceLocation = #_sourceLocation) throws -> RunResult {
        try mreg.run(["list"], cwd: dir).succeeded()  // the index is current before the snapshot
        let before = snapshot("\(dir)/.mreg")
        let r = try mreg.run(args, cwd: dir)
        #expect(r.status == status, "\(r)", sourceLocation: sourceLocation)
        #expect(r.stderrIsOneLine, "\(r)", sourceLocation: sourceLocation)
        // The cached indexes of the remote's packs are a cache (FORMAT.md §6.1), kept even when a pull stops.
        let changed = differences(before, snapshot("\(dir)/.mreg")).filter { !$0.hasPrefix("remote-packs/") }
        #expect(changed == [], "\(r)", sourceLocation: sourceLocation)
        return r
    }

    // MARK: conflicts

    @Test(arguments: [false, true])
    func aPlainPullStopsOnConflictsAndChangesNothing(s3: Bool) throws {
        try withTemporaryDirectory { tmp in
            guard let t = try Self.team(tmp, s3: s3) else { return }
            try Self.bothMoveBestAndProduction(t)

            let r = try Self.refusedPull(t.bob, t.bobDir, ["pull"], status: 3)
            #expect(r.stderr.hasPrefix("mreg: error: pull stopped: 2 local moves of fraud conflict with the remote's"), "\(r)")
            #expect(r.stderr.contains("mreg pull --theirs") && r.stderr.contains("mreg pull --ours"), "\(r)")
            let lines = r.stdout.split(separator: "\n").map(String.init)
            let stage = try #require(lines.first { $0.contains("conflict: fraud: stage production") }, "\(r)")
            // Bob's own v2 becomes v3 in this pull: the line says both numbers.
            #expect(stage.contains("remote v2 by Ada <ada@example.com>") && stage.contains("local v3 (your v2, renumbered by this pull) by Bob <bob@example.com>"), "\(r)")
            let tag = try #require(lines.first { $0.contains("conflict: fraud: tag best") }, "\(r)")
            #expect(tag.contains("remote v2 by Ada") && tag.contains("local v3 (your v2, renumbered by this pull) by Bob"), "\(r)")

            // --json: the documented shape, and still nothing changed.
            let j = try Self.refusedPull(t.bob, t.bobDir, ["pull", "--json"], status: 3)
            let model = try #require((try Self.json(j)["models"] as? [[String: Any]])?.first)
            #expect(model["status"] as? String == "conflict")
            let conflicts = try #require(model["conflicts"] as? [[String: Any]])
            #expect(Set(conflicts.map { "\($0["kind"] ?? "")/\($0["name"] ?? "")" }) == ["stage/production", "tag/best"])
            for c in conflicts {
                let local = c["local"] as? [String: Any], remote = c["remote"] as? [String: Any]
                #expect(c["outcome"] as? String == "stopped" && c["policy"] is NSNull)
                #expect(local?["version"] as? Int == 3 && local?["renumbered_from"] as? Int == 2 && (local?["actor"] as? String)?.hasPrefix("Bob") == true)
                #expect(remote?["renumbered_from"] is NSNull)
                #expect(remote?["version"] as? Int == 2 && (remote?["actor"] as? String)?.hasPrefix("Ada") == true)
                #expect(remote?["event"] as? String != nil && remote?["time"] as? String != nil && remote?["seq"] as? Int != nil)
            }
            // Bob's store still holds his own moves.
            #expect(try Self.version(t.bob, t.bobDir, "fraud@production") == 2)
            #expect(try Self.json(t.bob.run(["status", "--json"], cwd: t.bobDir).succeeded())["models"] != nil)
        }
    }

    @Test(arguments: [false, true])
    func theirsDropsTheConflictingLocalMoves(s3: Bool) throws {
        try withTemporaryDirectory { tmp in
            guard let t = try Self.team(tmp, s3: s3) else { return }
            try Self.bothMoveBestAndProduction(t)
            let r = try t.bob.run(["pull", "--theirs"], cwd: t.bobDir).succeeded()
            #expect(r.stdout.contains("v2 -> v3"), "\(r)")
            #expect(r.stdout.contains("dropped (the remote's stands): fraud: stage production: remote v2 by Ada"), "\(r)")
            #expect(r.stdout.contains("dropped (the remote's stands): fraud: tag best"), "\(r)")
            // Ada's moves stand; Bob's version is kept, renumbered.
            #expect(try Self.version(t.bob, t.bobDir, "fraud@production") == 2)
            #expect(try Self.version(t.bob, t.bobDir, "fraud@best") == 2)
            #expect(try Self.json(t.bob.run(["show", "fraud@3", "--json"], cwd: t.bobDir).succeeded())["registered_by"] as? String == "Bob <bob@example.com>")
            #expect(try Self.log(t.bob, t.bobDir).filter { $0["action"] as? String == "promote" }.count == 1)
            try t.bob.run(["push"], cwd: t.bobDir).succeeded()
        }
    }

    @Test(arguments: [false, true])
    func oursRecordsEachOverrideOfTheRemotesMove(s3: Bool) throws {
        try withTemporaryDirectory { tmp in
            guard let t = try Self.team(tmp, s3: s3) else { return }
            try Self.bothMoveBestAndProduction(t)
            let adaLog = try Self.log(t.ada, t.adaDir)
            let adaPromotion = try #require(adaLog.first { $0["action"] as? String == "promote" })
            let adaTag = try #require(adaLog.first { $0["action"] as? String == "tag" })

            let r = try t.bob.run(["pull", "--ours"], cwd: t.bobDir).succeeded()
            #expect(r.stdout.contains("overrode the remote's: fraud: stage production: remote v2 by Ada"), "\(r)")
            #expect(try Self.version(t.bob, t.bobDir, "fraud@production") == 3)
            #expect(try Self.version(t.bob, t.bobDir, "fraud@best") == 3)
            try t.bob.run(["push"], cwd: t.bobDir).succeeded()

            // Everyone sees the override, naming the move it overrode.
            try t.ada.run(["pull"], cwd: t.adaDir).succeeded()
            let log = try Self.log(t.ada, t.adaDir)
            let promotion = try #require(log.first { $0["action"] as? String == "promote" && $0["version"] as? Int == 3 })
            let overrides = try #require(promotion["overrides"] as? [String: Any])
            #expect(overrides["event"] as? String == adaPromotion["id"] as? String)
            #expect(overrides["action"] as? String == "promote" && overrides["version"] as? Int == 2)
            #expect(overrides["actor"] as? String == "Ada <ada@example.com>" && overrides["time"] as? String == adaPromotion["time"] as? String)
            #expect(promotion["previous"] as? Int == 2 && promotion["actor"] as? String == "Bob <bob@example.com>")
            let tag = try #require(log.first { $0["action"] as? String == "tag" && $0["version"] as? Int == 3 })
            #expect((tag["overrides"] as? [String: Any])?["event"] as? String == adaTag["id"] as? String)
            let oneline = try t.ada.run(["log", "fraud", "--oneline"], cwd: t.adaDir).succeeded()
            #expect(oneline.stdout.contains("promote v3 to production (was v2) by Bob <bob@example.com>: bob's [overrides v2 by Ada <ada@example.com>"), "\(oneline)")
            let long = try t.ada.run(["log", "fraud"], cwd: t.adaDir).succeeded()
            #expect(long.stdout.contains("Overrides: promote v2 by Ada <ada@example.com>"), "\(long)")
            // Both stores verify.
            try t.ada.run(["verify"], cwd: t.adaDir).succeeded()
            try t.bob.run(["verify"], cwd: t.bobDir).succeeded()
        }
    }

    @Test func aStoppedPullPutsBackThePolicyItAdopted() throws {
        try withTemporaryDirectory { tmp in
            let t = try #require(try Self.team(tmp))
            try Self.bothMoveBestAndProduction(t)
            // The shared store gains a policy meanwhile: a pull that stops must not keep it.
            try writeFile("\(t.url)/.mreg/policy.toml", Array("[stages.staging]\nrequire_reason = true\n".utf8))
            let r = try Self.refusedPull(t.bob, t.bobDir, ["pull"], status: 3)
            #expect(!FileManager.default.fileExists(atPath: "\(t.bobDir)/.mreg/policy.toml"))
            #expect(!r.stdout.contains("created") && !r.stdout.contains("fast-forward"), "\(r)")
            try t.bob.run(["pull", "--theirs"], cwd: t.bobDir).succeeded()
            #expect(FileManager.default.fileExists(atPath: "\(t.bobDir)/.mreg/policy.toml"))
        }
    }

    /// Moves of a version the remote removed, and a removal of a version the remote put in a
    /// stage, are conflicts (never silently dropped or applied); only --theirs resolves them.
    @Test func movesAcrossARemovalAreConflicts() throws {
        try withTemporaryDirectory { tmp in
            let t = try #require(try Self.team(tmp))
            try Self.register(t.ada, t.adaDir, seed: 2)
            try t.ada.run(["push"], cwd: t.adaDir).succeeded()
            try t.bob.run(["pull"], cwd: t.bobDir).succeeded()
            // Ada removes v2; Bob, not knowing, promotes and tags it.
            try t.ada.run(["rm", "fraud@2", "--reason", "leak"], cwd: t.adaDir).succeeded()
            try t.ada.run(["push"], cwd: t.adaDir).succeeded()
            try t.bob.run(["promote", "fraud@2", "production", "--reason", "ship"], cwd: t.bobDir).succeeded()
            try t.bob.run(["tag", "fraud@2", "keep"], cwd: t.bobDir).succeeded()
            let r = try Self.refusedPull(t.bob, t.bobDir, ["pull"], status: 3)
            #expect(r.stdout.contains("conflict: fraud: stage production: remote removed v2 by Ada") && r.stdout.contains("v2 was removed on the remote"), "\(r)")
            #expect(r.stdout.contains("conflict: fraud: tag keep:"), "\(r)")
            try Self.refusedPull(t.bob, t.bobDir, ["pull", "--ours"], status: 3)
            let theirs = try t.bob.run(["pull", "--theirs"], cwd: t.bobDir).succeeded()
            #expect(theirs.stdout.contains("dropped"), "\(theirs)")
            #expect(try t.bob.run(["show", "fraud@2"], cwd: t.bobDir).status == 2)
            try t.bob.run(["verify"], cwd: t.bobDir).succeeded()

            // Now the other way: Ada promotes v1 to staging; Bob, not knowing, removes v1.
            try t.ada.run(["pull"], cwd: t.adaDir).succeeded()
            try t.ada.run(["promote", "fraud@1", "staging", "--reason", "try"], cwd: t.adaDir).succeeded()
            try t.ada.run(["push"], cwd: t.adaDir).succeeded()
            try t.bob.run(["rm", "fraud@1", "--reason", "old"], cwd: t.bobDir).succeeded()
            let r2 = try Self.refusedPull(t.bob, t.bobDir, ["pull"], status: 3)
            #expect(r2.stdout.contains("conflict: fraud: stage staging:") && r2.stdout.contains("which staging holds now"), "\(r2)")
            try t.bob.run(["pull", "--theirs"], cwd: t.bobDir).succeeded()
            #expect(try Self.version(t.bob, t.bobDir, "fraud@staging") == 1)
            try t.bob.run(["verify"], cwd: t.bobDir).succeeded()
        }
    }

    @Test func aReplayedPromotionThePolicyRefusesIsAConflict() throws {
        try withTemporaryDirectory { tmp in
            let policy = "[stages.production]\nfrom = [\"staging\"]\n"
            let t = try #require(try Self.team(tmp, policy: policy))
            try t.ada.run(["promote", "fraud@1", "staging", "--reason", "try it"], cwd: t.adaDir).succeeded()
            try t.ada.run(["push"], cwd: t.adaDir).succeeded()
            try t.bob.run(["pull"], cwd: t.bobDir).succeeded()
            // Ada takes v1 out of staging; Bob, not knowing, promotes it from staging to production.
            try t.ada.run(["demote", "fraud", "staging"], cwd: t.adaDir).succeeded()
            try t.ada.run(["push"], cwd: t.adaDir).succeeded()
            try t.bob.run(["promote", "fraud@1", "production", "--reason", "ship"], cwd: t.bobDir).succeeded()

            let r = try Self.refusedPull(t.bob, t.bobDir, ["pull"], status: 3)
            #expect(r.stdout.contains("conflict: fraud: stage production: local v1 by Bob <bob@example.com>"), "\(r)")
            #expect(r.stdout.contains("the policy refuses it now (from:"), "\(r)")
            #expect(r.stderr.contains("can only be dropped") || r.stderr.contains("drop the moves that cannot be replayed"), "\(r)")
            // --ours cannot override a policy.
            try Self.refusedPull(t.bob, t.bobDir, ["pull", "--ours"], status: 3)
            let j = try Self.refusedPull(t.bob, t.bobDir, ["pull", "--json"], status: 3)
            let c = try #require(((try Self.json(j)["models"] as? [[String: Any]])?.first?["conflicts"] as? [[String: Any]])?.first)
            #expect(c["remote"] is NSNull && (c["policy"] as? String)?.hasPrefix("from:") == true)
            try t.bob.run(["pull", "--theirs"], cwd: t.bobDir).succeeded()
            #expect(try t.bob.run(["show", "fraud@production"], cwd: t.bobDir).status == 2)
        }
    }

    // MARK: verify, renumbering

    @Test func verifyStaysGreenAfterAPullThatReplaysButNotAfterAHeadMovedBack() throws {
        try withTemporaryDirectory { tmp in
            let t = try #require(try Self.team(tmp))
            try Self.register(t.bob, t.bobDir, seed: 3)
            try t.bob.run(["tag", "fraud@2", "mine"], cwd: t.bobDir).succeeded()
            try t.bob.run(["verify"], cwd: t.bobDir).succeeded()
            try Self.register(t.ada, t.adaDir, seed: 2)
            try t.ada.run(["push"], cwd: t.adaDir).succeeded()

            let pull = try t.bob.run(["pull"], cwd: t.bobDir).succeeded()
            #expect(pull.stdout.contains("renumbered v2 -> v3"), "\(pull)")
            let verify = try t.bob.run(["verify"], cwd: t.bobDir)
            #expect(verify.status == 0 && !verify.stdout.contains("accept-rewrite"), "\(verify)")

            // A head moved back is still caught.
            let log = try Self.log(t.bob, t.bobDir)
            let older = try #require(log.dropFirst().first?["id"] as? String)
            try t.bob.run(["update-ref", "refs/models/fraud/head", older], cwd: t.bobDir).succeeded()
            let back = try t.bob.run(["verify"], cwd: t.bobDir)
            #expect(back.status == 1 && back.stdout.contains("moved back"), "\(back)")
        }
    }

    @Test func showOfARenumberedVersionSaysWhereItWent() throws {
        try withTemporaryDirectory { tmp in
            let t = try #require(try Self.team(tmp))
            try Self.register(t.bob, t.bobDir, seed: 3)
            try Self.register(t.ada, t.adaDir, seed: 2)
            try t.ada.run(["push"], cwd: t.adaDir).succeeded()
            let pull = try t.bob.run(["pull", "--json"], cwd: t.bobDir).succeeded()
            let renumbered = (try Self.json(pull)["models"] as? [[String: Any]])?.first?["renumbered"] as? [[String: Any]]
            #expect(renumbered?.first?["from"] as? Int == 2 && renumbered?.first?["to"] as? Int == 3)

            let show = try t.bob.run(["show", "fraud@2"], cwd: t.bobDir).succeeded()
            #expect(show.stderr.contains("a pull renumbered the v2 registered by Bob <bob@example.com> to v3"), "\(show)")
            #expect(show.stdout.contains("Ada <ada@example.com>"), "\(show)")
            let j = try Self.json(t.bob.run(["show", "fraud@2", "--json"], cwd: t.bobDir).succeeded())
            let away = j["renumbered_away"] as? [String: Any]
            #expect(away?["from"] as? Int == 2 && away?["to"] as? Int == 3)
            let v3 = try t.bob.run(["show", "fraud@3"], cwd: t.bobDir).succeeded()
            #expect(v3.stdout.contains("from v2, by a pull") && v3.stderr.isEmpty, "\(v3)")
            #expect(try Self.json(t.bob.run(["show", "fraud@3", "--json"], cwd: t.bobDir).succeeded())["renumbered_from"] as? Int == 2)
            // Ada sees it in the log once pushed.
            try t.bob.run(["push"], cwd: t.bobDir).succeeded()
            try t.ada.run(["pull"], cwd: t.adaDir).succeeded()
            #expect(try Self.log(t.ada, t.adaDir).first?["renumbered_from"] as? Int == 2)
        }
    }

    // MARK: bad input

    @Test func oursWithTheirsIsRefused() throws {
        try withTemporaryDirectory { tmp in
            let t = try #require(try Self.team(tmp))
            let r = try Self.refusedPull(t.bob, t.bobDir, ["pull", "--ours", "--theirs"], status: 64)
            #expect(r.stderr.contains("--ours") && r.stderr.contains("--theirs"), "\(r)")
        }
    }

    @Test func aLockedHeadOrARemoteFailingMidwayLeavesTheStoreAsItWas() throws {
        try withTemporaryDirectory { tmp in
            let t = try #require(try Self.team(tmp))
            try Self.register(t.bob, t.bobDir, seed: 3)
            try Self.register(t.ada, t.adaDir, seed: 2)
            // Loose objects on the remote, so one of them can be taken away below.
            try t.ada.run(["push"], cwd: t.adaDir, env: ["MREG_REMOTE_PACKS": "0"]).succeeded()

            // A head locked by a live process: refused before anything is written.
            let lock = "\(t.bobDir)/.mreg/refs/models/fraud/head.lock"
            try writeFile(lock, "pid=\(getpid()) host=\(hostName()) time=2025-01-01T00:00:00Z\n")
            let locked = try Self.refusedPull(t.bob, t.bobDir, ["pull"], status: 3)
            #expect(locked.stderr.contains("lock"), "\(locked)")
            try FileManager.default.removeItem(atPath: lock)

            // The remote loses an object the pull needs (the manifest of Ada's v2): what came before it is taken out again.
            let shown = try Self.json(t.ada.run(["show", "fraud@2", "--json"], cwd: t.adaDir).succeeded())
            let object = try #require(shown["manifest_id"] as? String)
            let path = "\(t.url)/.mreg/objects/\(object.prefix(2))/\(object.dropFirst(2))"
            try FileManager.default.moveItem(atPath: path, toPath: "\(tmp)/away")
            let failed = try Self.refusedPull(t.bob, t.bobDir, ["pull"], status: 4)
            #expect(failed.stderr.contains(object.prefix(12)), "\(failed)")
            try FileManager.default.moveItem(atPath: "\(tmp)/away", toPath: path)
            try t.bob.run(["pull"], cwd: t.bobDir).succeeded()
        }
    }
}

extension PullConflictTests {
    /// A remote-tracking ref whose lock a live process holds is not moved, and the transfer says so
    /// (it used to be skipped silently, leaving `status` stale without a word).
    @Test func aLockedTrackingRefIsAWarningNotASilentSkip() throws {
        try withTemporaryDirectory { tmp in
            let t = try #require(try Self.team(tmp))
            try Self.register(t.ada, t.adaDir, seed: 2)
            try t.ada.run(["push"], cwd: t.adaDir).succeeded()
            let lock = "\(t.bobDir)/.mreg/refs/remotes/origin/fraud/head.lock"
            try FileManager.default.createDirectory(atPath: "\(t.bobDir)/.mreg/refs/remotes/origin/fraud", withIntermediateDirectories: true)
            try writeFile(lock, "pid=\(getpid()) host=\(hostName()) time=2025-01-01T00:00:00Z\n")
            let fetched = try t.bob.run(["fetch"], cwd: t.bobDir).succeeded()
            #expect(fetched.stderr.contains("mreg: warning: could not record origin's head of fraud"), "\(fetched)")
            let json = try Self.json(t.bob.run(["fetch", "--json"], cwd: t.bobDir).succeeded())
            let warnings = try #require(json["warnings"] as? [String])
            #expect(warnings.count == 1 && warnings[0].contains("refs/remotes/origin/fraud/head"), "\(warnings)")
            try FileManager.default.removeItem(atPath: lock)
            let clean = try t.bob.run(["fetch", "--json"], cwd: t.bobDir).succeeded()
            #expect(try Self.json(clean)["warnings"] as? [String] == [], "\(clean)")
        }
    }
}
