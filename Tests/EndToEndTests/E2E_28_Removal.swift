import Foundation
import MregTestSupport
import Testing

/// The end of the lifecycle: `rm` (tombstones), retention and `prune`, and what the rest of
/// mreg (index, verify, fsck, remotes) makes of a removed version.
@Suite struct RemovalTests {
    /// Registers `count` versions of `model`, version i at 2026-01-0i (through MREG_NOW).
    static func versions(_ mreg: MregRunner, _ dir: String, _ model: String = "fraud", count: Int) throws {
        for i in 1...count {
            try writeFile("\(dir)/run/model.bin", randomBytes(20_000, seed: UInt64(i * 2)))  // (randomBytes seeds n and n|1 are the same)
            try writeFile("\(dir)/run/notes.txt", "\(model) \(i)\n")
            try mreg.run(["register", model, "run", "-m", "v\(i)"], cwd: dir, env: ["MREG_NOW": "2026-01-0\(i)T00:00:00Z"]).succeeded()
        }
    }

    static func json(_ r: RunResult) throws -> Any { try JSONSerialization.jsonObject(with: Data(r.stdoutBytes)) }

    /// The event count of a model's chain.
    static func events(_ mreg: MregRunner, _ dir: String, _ model: String = "fraud") throws -> Int {
        (try json(try mreg.run(["log", model, "--json"], cwd: dir).succeeded()) as? [Any])?.count ?? -1
    }

    /// The object files of a version's manifest (blobs), as paths under `.mreg/objects`.
    static func filePaths(_ mreg: MregRunner, _ dir: String, manifest: String) throws -> [String] {
        let m = try json(try mreg.run(["cat-file", "-p", manifest], cwd: dir).succeeded()) as? [String: Any] ?? [:]
        return (m["files"] as? [[String: Any]] ?? []).compactMap { $0["object"] as? String }.map {
            "\(dir)/.mreg/objects/\($0.prefix(2))/\($0.dropFirst(2))"
        }
    }

    @Test func removeLeavesTheRestIntactAndTheHistoryReadable() throws {
        try withStore { mreg, dir in
            try Self.versions(mreg, dir, count: 3)
            try mreg.run(["export", "fraud@1", "\(dir)/before1"], cwd: dir).succeeded()
            try mreg.run(["export", "fraud@3", "\(dir)/before3"], cwd: dir).succeeded()
            let manifest2 = try mreg.run(["rev-parse", "fraud@2"], cwd: dir).succeeded().output
            let before = try Self.events(mreg, dir)
            let rm = try mreg.run(["rm", "fraud@2", "--reason", "trained on leaked labels", "--json"], cwd: dir,
                                  env: ["MREG_NOW": "2026-02-01T00:00:00Z"]).succeeded()
            let removed = (try Self.json(rm) as? [String: Any])?["removed"] as? [[String: Any]] ?? []
            #expect(removed.count == 1 && removed.first?["version"] as? Int == 2 && removed.first?["manifest"] as? String == manifest2)
            #expect(removed.first?["reason"] as? String == "trained on leaked labels")
            #expect(try Self.events(mreg, dir) == before + 1)  // one event per version

            // Gone from list, search and resolution; the others unchanged.
            let list = try mreg.run(["list", "fraud", "--json"], cwd: dir).succeeded()
            #expect((try Self.json(list) as? [[String: Any]])?.compactMap { $0["version"] as? Int } == [3, 1])
            let hits = try mreg.run(["search", "version >= 1", "--json"], cwd: dir).succeeded()
            #expect(!hits.stdout.contains("\"version\": 2") && hits.stdout.contains("\"version\": 3"))
            for command in [["show", "fraud@2"], ["export", "fraud@2", "\(dir)/out2"], ["cat", "fraud@2", "notes.txt"], ["diff", "fraud@1", "fraud@2"]] {
                let r = try mreg.run(command, cwd: dir)
                #expect(r.status == 2, "\(command)")
                #expect(r.stderrIsOneLine && r.stderr.contains("fraud@2 was removed on 2026-02-01T00:00:00Z by Test <test@example.com>: trained on leaked labels"))
            }
            // The rest exports byte-identical.
            try mreg.run(["export", "fraud@1", "\(dir)/after1"], cwd: dir).succeeded()
            try mreg.run(["export", "fraud@3", "\(dir)/after3"], cwd: dir).succeeded()
            #expect(snapshot("\(dir)/after1") == snapshot("\(dir)/before1") && snapshot("\(dir)/after3") == snapshot("\(dir)/before3"))

            // The history stays: log and --as-of.
            let log = try mreg.run(["log", "fraud", "--oneline"], cwd: dir).succeeded()
            #expect(log.lines.first?.contains("remove v2") == true && log.stdout.contains("register v2"))
            let past = try Self.json(try mreg.run(["show", "fraud@2", "--as-of", "2026-01-15", "--json"], cwd: dir).succeeded()) as? [String: Any]
            #expect(past?["version"] as? Int == 2)

            // The number is never reused.
            try writeFile("\(dir)/run/notes.txt", "fraud 4\n")
            try mreg.run(["register", "fraud", "run", "-m", "v4"], cwd: dir).succeeded()
            #expect(try mreg.run(["rev-parse", "fraud@4"], cwd: dir).status == 0)

            // verify and fsck are clean, also after the removed version's files are deleted by hand.
            try mreg.run(["verify"], cwd: dir).succeeded()
            let fsck = try mreg.run(["fsck", "--no-dangling", "--json"], cwd: dir).succeeded()
            #expect(fsck.stdout.contains("reclaimable"))
            for path in try Self.filePaths(mreg, dir, manifest: manifest2) where !path.isEmpty {
                try? FileManager.default.removeItem(atPath: path)
            }
            try mreg.run(["verify", "fraud"], cwd: dir).succeeded()
            try mreg.run(["fsck", "--no-dangling"], cwd: dir).succeeded()
            // A live version's missing file is still an error.
            let manifest1 = try mreg.run(["rev-parse", "fraud@1"], cwd: dir).succeeded().output
            for path in try Self.filePaths(mreg, dir, manifest: manifest1) { try? FileManager.default.removeItem(atPath: path) }
            #expect(try mreg.run(["verify", "fraud"], cwd: dir).status != 0)
            #expect(try mreg.run(["fsck", "--no-dangling"], cwd: dir).status == 4)
        }
    }

    @Test func removingAModelHidesItAndItsNameContinuesItsNumbering() throws {
        try withStore { mreg, dir in
            try Self.versions(mreg, dir, "fruad", count: 2)
            try Self.versions(mreg, dir, "fraud", count: 1)
            let before = try Self.events(mreg, dir, "fruad")
            try mreg.run(["rm", "fruad", "--reason", "typo of fraud"], cwd: dir).succeeded()
            #expect(try Self.events(mreg, dir, "fruad") == before + 2)
            let list = try Self.json(try mreg.run(["list", "--json"], cwd: dir).succeeded()) as? [[String: Any]]
            #expect(list?.compactMap { $0["model"] as? String } == ["fraud"])
            let shown = try mreg.run(["show", "fruad"], cwd: dir)
            #expect(shown.status == 2 && shown.stderr.contains("every version of fruad was removed (the last, v2, on ") && shown.stderr.contains("typo of fraud"), "\(shown)")
            let listed = try mreg.run(["list", "fruad"], cwd: dir)
            #expect(listed.status == 2 && listed.stdout.isEmpty && listed.stderr.contains("every version of fruad was removed"), "\(listed)")
            // A removed model is no longer suggested for a new name.
            try writeFile("\(dir)/w.bin", "x")
            let near = try mreg.run(["register", "fruadd", "w.bin"], cwd: dir).succeeded()
            #expect(!near.stderr.contains("'fruad'"), "\(near)")
            let other = try mreg.run(["register", "frauds", "w.bin"], cwd: dir).succeeded()
            #expect(other.stderr.contains("did you mean 'fraud'"), "\(other)")
            try writeFile("\(dir)/run/notes.txt", "again\n")
            let again = try mreg.run(["register", "fruad", "run", "--json"], cwd: dir).succeeded()
            #expect(again.stdout.contains("\"version\": 3"))
        }
    }

    @Test func badRemovalsChangeNothing() throws {
        try withStore { mreg, dir in
            try Self.versions(mreg, dir, count: 3)
            try mreg.run(["promote", "fraud@3", "production"], cwd: dir).succeeded()
            try mreg.run(["rm", "fraud@1", "--reason", "old"], cwd: dir).succeeded()
            try mreg.run(["list"], cwd: dir).succeeded()
            let store = snapshot("\(dir)/.mreg")
            let cases: [([String], Int32, String)] = [
                (["rm", "fraud@9", "--reason", "x"], 2, "has no version 9"),
                (["rm", "fraud@1", "--reason", "x"], 2, "fraud@1 was removed"),
                (["rm", "fraud@3", "--reason", "x"], 3, "demote"),
                (["rm", "fraud@2", "fraud@3", "--reason", "x"], 3, "fraud@3 is in production"),
                (["rm", "nosuch", "--reason", "x"], 2, "unknown model"),
                (["rm", "fraud@2"], 64, "--reason"),
                (["rm", "fraud@2", "--reason", " "], 64, "needs a reason"),
            ]
            for (args, status, message) in cases {
                let r = try mreg.run(args, cwd: dir)
                #expect(r.status == status, "\(args): \(r.stderr)")
                #expect(r.stderr.contains(message), "\(args): \(r.stderr)")
                #expect(differences(store, snapshot("\(dir)/.mreg")).isEmpty, "\(args)")
            }
        }
    }

    @Test func retentionKeepsWhatAnyRuleKeepsAndPrunesTheRest() throws {
        try withStore { mreg, dir in
            try Self.versions(mreg, dir, count: 7)
            try Self.versions(mreg, dir, "ranker", count: 4)
            try mreg.run(["promote", "fraud@1", "production"], cwd: dir).succeeded()
            try mreg.run(["promote", "fraud@2", "archived"], cwd: dir).succeeded()
            try mreg.run(["promote", "fraud@3", "staging"], cwd: dir).succeeded()
            try writeFile("\(dir)/.mreg/policy.toml", """
                [retention]
                keep_last = 2
                keep_days = 3
                keep_stages = ["production"]

                [retention.models.ranker]
                keep_last = 3
                keep_days = 0
                """)
            // policy show lists the retention rules it will apply.
            let shown = try Self.json(try mreg.run(["policy", "show", "--json"], cwd: dir).succeeded()) as? [String: Any]
            let retention = shown?["retention"] as? [String: Any]
            #expect((retention?["defaults"] as? [String: Any])?["keep_last"] as? Int == 2)
            #expect(((retention?["models"] as? [String: Any])?["ranker"] as? [String: Any])?["keep_last"] as? Int == 3)
            #expect(try mreg.run(["policy", "show"], cwd: dir).succeeded().stdout.contains("keep_stages = [production]"))
            let now = ["MREG_NOW": "2026-01-07T12:00:00Z"]
            let before = try Self.events(mreg, dir)
            // fraud: keep_last → 6, 7; keep_days (since 01-04T12) → 5, 6, 7; production → 1. ranker: last 3 → 2, 3, 4.
            let dry = try Self.json(try mreg.run(["prune", "--dry-run", "--json"], cwd: dir, env: now).succeeded()) as? [String: Any]
            let planned = (dry?["removed"] as? [[String: Any]] ?? []).map { "\($0["model"] ?? "")@\($0["version"] ?? "")" }
            #expect(planned == ["fraud@2", "fraud@3", "fraud@4", "ranker@1"])
            // What is kept, and by which rules.
            let kept = (dry?["kept"] as? [[String: Any]] ?? []).reduce(into: [String: [String]]()) {
                $0["\($1["model"] ?? "")@\($1["version"] ?? "")"] = $1["rules"] as? [String]
            }
            #expect(kept["fraud@1"] == ["stage production"] && kept["fraud@7"] == ["keep_last = 2", "keep_days = 3"], "\(kept)")
            #expect(kept["fraud@5"] == ["keep_days = 3"] && kept["ranker@2"] == ["keep_last = 3"] && kept.count == 7, "\(kept)")
            #expect(try Self.events(mreg, dir) == before)
            let pruned = try Self.json(try mreg.run(["prune", "fraud", "--json"], cwd: dir, env: now).succeeded()) as? [String: Any]
            #expect((pruned?["removed"] as? [[String: Any]])?.count == 3)
            let first = (pruned?["removed"] as? [[String: Any]])?.first
            #expect(first?["actor"] as? String == "Test <test@example.com>" && first?["reason"] as? String == "retention policy", "\(String(describing: first))")
            #expect(try Self.events(mreg, dir) == before + 3)  // one event per version
            let listed = try Self.json(try mreg.run(["list", "fraud", "--json"], cwd: dir).succeeded()) as? [[String: Any]]
            #expect(listed?.compactMap { $0["version"] as? Int } == [7, 6, 5, 1])
            let log = try Self.json(try mreg.run(["log", "fraud", "-n", "1", "--json"], cwd: dir).succeeded()) as? [[String: Any]]
            #expect(log?.first?["reason"] as? String == "retention policy")
            // Nothing left to prune in fraud; ranker still has one.
            let rest = try mreg.run(["prune", "--dry-run"], cwd: dir, env: now).succeeded()
            #expect(rest.lines.filter { $0.hasPrefix("would remove") } == ["would remove ranker@v1"], "\(rest)")
            #expect(rest.stdout.contains("would keep fraud@v1 (stage production)"), "\(rest)")
            #expect(try mreg.run(["prune", "fraud"], cwd: dir, env: now).succeeded().stdout.contains("nothing to prune"))
            // The default keep_stages keeps every stage but archived.
            try writeFile("\(dir)/.mreg/policy.toml", "[retention]\nkeep_last = 0\n")
            try mreg.run(["promote", "fraud@5", "archived"], cwd: dir).succeeded()
            let all = try mreg.run(["prune", "fraud", "--dry-run"], cwd: dir, env: now).succeeded()
            #expect(all.lines.filter { $0.hasPrefix("would remove") } == ["would remove fraud@v5", "would remove fraud@v6", "would remove fraud@v7"])
        }
    }

    /// A live version's file that another model's removed version shares is missing, not reclaimable
    /// (found by the adversarial trial: fsck called such a store clean).
    @Test func fsckReportsALiveFileMissingEvenWhenARemovedVersionSharesIt() throws {
        try withStore { mreg, dir in
            try writeFile("\(dir)/run/w.bin", randomBytes(5_000, seed: 40))
            try mreg.run(["register", "x", "run"], cwd: dir).succeeded()
            try mreg.run(["register", "y", "run"], cwd: dir).succeeded()
            try mreg.run(["rm", "x@1", "--reason", "dup"], cwd: dir).succeeded()
            let fsck = try mreg.run(["fsck", "--no-dangling"], cwd: dir).succeeded()
            #expect(!fsck.stdout.contains("reclaimable"), "nothing is reclaimable: y@1 holds every file: \(fsck)")
            let manifest = try mreg.run(["rev-parse", "y@1"], cwd: dir).succeeded().output
            for path in try Self.filePaths(mreg, dir, manifest: manifest) { try FileManager.default.removeItem(atPath: path) }
            let broken = try mreg.run(["fsck", "--no-dangling"], cwd: dir)
            #expect(broken.status == 4 && broken.stdout.contains("missing"), "\(broken)")
        }
    }

    @Test func brokenRetentionPoliciesFailClosed() throws {
        try withStore { mreg, dir in
            try Self.versions(mreg, dir, count: 2)
            let policies = [
                ("", "no [retention]"),
                ("[retention]\nkeep_lst = 1\n", "unknown key 'keep_lst'"),
                ("[retention]\nkeep_last = -1\n", "keep_last"),
                ("[retention]\nkeep_days = \"30\"\n", "keep_days"),
                ("[retention]\nkeep_last = 1\nkeep_stages = [\"prod\"]\n", "unknown stage 'prod'"),
                ("[retention]\nkeep_stages = [\"production\"]\n", "keep_last or keep_days"),
                ("[retention]\nkeep_last = 1\n[retention.models.fraud]\nkeep = 1\n", "unknown key 'keep'"),
                ("[retention]\nkeep_last = 1\n[retention.models]\nfraud = 1\n", "retention.models.fraud must be a table"),
            ]
            try mreg.run(["list"], cwd: dir).succeeded()
            for (text, message) in policies {
                try writeFile("\(dir)/.mreg/policy.toml", text)
                let store = snapshot("\(dir)/.mreg")
                let r = try mreg.run(["prune"], cwd: dir)
                #expect(r.status == 64 && r.stderrIsOneLine && r.stderr.contains(message), "\(text): \(r.stderr)")
                #expect(differences(store, snapshot("\(dir)/.mreg")).isEmpty)
            }
        }
    }

    /// `gc` reclaims the files only removed versions name; shared files, the rest of the
    /// store and the removed version's history stay; verify and fsck stay clean.
    @Test func gcReclaimsTheFilesOfRemovedVersions() throws {
        try withStore { mreg, dir in
            try Self.versions(mreg, dir, count: 3)
            try mreg.run(["export", "fraud@3", "\(dir)/before3"], cwd: dir).succeeded()
            let manifest2 = try mreg.run(["rev-parse", "fraud@2"], cwd: dir).succeeded().output
            let files2 = try Self.filePaths(mreg, dir, manifest: manifest2)
            #expect(files2.count == 2)
            try mreg.run(["rm", "fraud@2", "--reason", "leak"], cwd: dir).succeeded()
            // Within the grace nothing goes; with --prune=now the removed version's files go.
            try mreg.run(["gc"], cwd: dir).succeeded()
            #expect(files2.allSatisfy { FileManager.default.fileExists(atPath: $0) })
            // One of its files emptied (a stray `touch` after an earlier gc): still garbage, not an error.
            try FileManager.default.removeItem(atPath: files2[0])
            try writeFile(files2[0], "")
            try mreg.run(["gc", "--prune=now"], cwd: dir).succeeded()
            #expect(files2.allSatisfy { !FileManager.default.fileExists(atPath: $0) })
            try mreg.run(["cat-file", "-e", manifest2], cwd: dir).succeeded()  // kept (gc packed it)
            try mreg.run(["verify"], cwd: dir).succeeded()
            try mreg.run(["fsck"], cwd: dir).succeeded()
            try mreg.run(["export", "fraud@3", "\(dir)/after3"], cwd: dir).succeeded()
            #expect(snapshot("\(dir)/after3") == snapshot("\(dir)/before3"))
            #expect(try mreg.run(["log", "fraud"], cwd: dir).succeeded().stdout.contains("leak"))
        }
    }

    /// A removal this store has fetched but not yet pulled (only in a remote-tracking chain)
    /// does not cost the local, still live, version its files.
    @Test func gcKeepsFilesOfAVersionRemovedOnlyOnTheRemote() throws {
        try withStore { mreg, dir in
            let base = (dir as NSString).deletingLastPathComponent
            try mreg.run(["init", "-q", "\(base)/shared"]).succeeded()
            try mreg.run(["remote", "add", "origin", "../shared"], cwd: dir).succeeded()
            try Self.versions(mreg, dir, count: 2)
            try mreg.run(["push"], cwd: dir).succeeded()
            try mreg.run(["clone", "\(base)/shared", "\(base)/other"]).succeeded()
            try mreg.run(["rm", "fraud@1", "--reason", "leak"], cwd: "\(base)/other").succeeded()
            try mreg.run(["push"], cwd: "\(base)/other").succeeded()
            try mreg.run(["fetch"], cwd: dir).succeeded()
            try mreg.run(["gc", "--prune=now"], cwd: dir).succeeded()
            try mreg.run(["export", "fraud@1", "\(dir)/out1"], cwd: dir).succeeded()
            try mreg.run(["verify"], cwd: dir).succeeded()
        }
    }

    /// push and clone do not copy the files of removed versions (found by a new-user trial: removing a bad
    /// run before sharing still shipped its weights); files a live version has, even under the same manifest, still go.
    @Test func theFilesOfRemovedVersionsAreNotTransferred() throws {
        try withStore { mreg, dir in
            let base = (dir as NSString).deletingLastPathComponent
            try mreg.run(["init", "-q", "\(base)/shared"]).succeeded()
            try mreg.run(["remote", "add", "origin", "../shared"], cwd: dir).succeeded()
            try Self.versions(mreg, dir, count: 2)
            let manifest2 = try mreg.run(["rev-parse", "fraud@2"], cwd: dir).succeeded().output
            let files2 = try Self.filePaths(mreg, dir, manifest: manifest2)
            #expect(files2.count == 2)
            try mreg.run(["rm", "fraud@2", "--reason", "bad run"], cwd: dir).succeeded()
            try mreg.run(["push"], cwd: dir).succeeded()
            func absent(in store: String) -> Bool {
                files2.allSatisfy { !FileManager.default.fileExists(atPath: $0.replacingOccurrences(of: "\(dir)/.mreg", with: "\(store)/.mreg")) }
            }
            #expect(absent(in: "\(base)/shared"))
            try mreg.run(["verify"], cwd: "\(base)/shared").succeeded()
            try mreg.run(["fsck", "--no-dangling"], cwd: "\(base)/shared").succeeded()
            try mreg.run(["clone", "\(base)/shared", "\(base)/other"]).succeeded()
            #expect(absent(in: "\(base)/other"))
            try mreg.run(["verify"], cwd: "\(base)/other").succeeded()
            #expect(try mreg.run(["show", "fraud@2"], cwd: "\(base)/other").status == 2)

            // The same files registered again, at the same moment: the same manifest, now live as v3.
            try writeFile("\(dir)/run/model.bin", randomBytes(20_000, seed: 4))
            try writeFile("\(dir)/run/notes.txt", "fraud 2\n")
            try mreg.run(["register", "fraud", "run", "-m", "v2"], cwd: dir, env: ["MREG_NOW": "2026-01-02T00:00:00Z"]).succeeded()
            #expect(try mreg.run(["rev-parse", "fraud@3"], cwd: dir).succeeded().output == manifest2)
            try mreg.run(["push"], cwd: dir, env: ["MREG_REMOTE_PACKS": "0"]).succeeded()  // loose: checked by path below
            #expect(files2.allSatisfy { FileManager.default.fileExists(atPath: $0.replacingOccurrences(of: "\(dir)/.mreg", with: "\(base)/shared/.mreg")) })
            try mreg.run(["pull"], cwd: "\(base)/other").succeeded()
            try mreg.run(["export", "fraud@3", "\(base)/out3"], cwd: "\(base)/other").succeeded()
            #expect(try readFile("\(base)/out3/model.bin") == randomBytes(20_000, seed: 4))
            try mreg.run(["clone", "\(base)/shared", "\(base)/third"]).succeeded()
            try mreg.run(["verify"], cwd: "\(base)/third").succeeded()
            try mreg.run(["export", "fraud@3", "\(base)/out3b"], cwd: "\(base)/third").succeeded()
        }
    }

    @Test func aRemovalPushedToASharedStoreRemovesThereToo() throws {
        try withStore { mreg, dir in
            let base = (dir as NSString).deletingLastPathComponent
            try mreg.run(["init", "-q", "\(base)/shared"]).succeeded()
            try mreg.run(["remote", "add", "origin", "../shared"], cwd: dir).succeeded()
            try Self.versions(mreg, dir, count: 3)
            try mreg.run(["push"], cwd: dir).succeeded()
            try mreg.run(["clone", "\(base)/shared", "\(base)/other"]).succeeded()
            try mreg.run(["rm", "fraud@2", "--reason", "leak"], cwd: dir).succeeded()
            try mreg.run(["push"], cwd: dir).succeeded()
            #expect(try mreg.run(["show", "fraud@2"], cwd: "\(base)/shared").status == 2)
            try mreg.run(["pull"], cwd: "\(base)/other").succeeded()
            let r = try mreg.run(["show", "fraud@2"], cwd: "\(base)/other")
            #expect(r.status == 2 && r.stderr.contains("was removed") && r.stderr.contains("leak"))
            // A version removed before it was ever pushed, its files deleted here: push and clone still work.
            try writeFile("\(dir)/run/notes.txt", "fraud 4\n")
            try writeFile("\(dir)/run/model.bin", randomBytes(20_000, seed: 99))
            try mreg.run(["register", "fraud", "run"], cwd: dir).succeeded()
            let manifest4 = try mreg.run(["rev-parse", "fraud@4"], cwd: dir).succeeded().output
            try mreg.run(["rm", "fraud@4", "--reason", "bad run"], cwd: dir).succeeded()
            for path in try Self.filePaths(mreg, dir, manifest: manifest4) { try? FileManager.default.removeItem(atPath: path) }
            try mreg.run(["push"], cwd: dir).succeeded()
            try mreg.run(["clone", "\(base)/shared", "\(base)/third"]).succeeded()
            try mreg.run(["verify"], cwd: "\(base)/third").succeeded()
            #expect(try mreg.run(["show", "fraud@4"], cwd: "\(base)/third").status == 2)
        }
    }

    @Test(.enabled(if: Tools.sshKeygen != nil, "ssh-keygen is not installed"))
    func aRemovalPolicyDemandsSignedRemovals() throws {
        try withStore { mreg, dir in
            try Self.versions(mreg, dir, count: 3)
            let adaPub = try GovernanceE2E.keygen(mreg, dir, "ada")
            _ = try GovernanceE2E.keygen(mreg, dir, "eve")
            try writeFile("\(dir)/.mreg/allowed_signers", "test@example.com \(adaPub)")
            try writeFile("\(dir)/.mreg/policy.toml", """
                [removal]
                signed = true
                require_reason = true
                [retention]
                keep_last = 1
                [signing]
                allowed_signers = "allowed_signers"
                """)
            try mreg.run(["list"], cwd: dir).succeeded()
            let before = snapshot("\(dir)/.mreg")
            let unsigned = try mreg.run(["rm", "fraud@1", "--reason", "old"], cwd: dir)
            #expect(unsigned.status == 3 && unsigned.stderrIsOneLine && unsigned.stderr.contains("signed") && unsigned.stderr.contains("--sign"), "\(unsigned)")
            #expect(try mreg.run(["prune"], cwd: dir).status == 3)
            try mreg.run(["config", "user.signingKey", "\(dir)/eve"], cwd: dir).succeeded()
            let afterConfig = snapshot("\(dir)/.mreg")
            let stranger = try mreg.run(["rm", "fraud@1", "--reason", "old", "--sign"], cwd: dir)
            #expect(stranger.status == 3 && stranger.stderr.contains("would not verify"), "\(stranger)")
            #expect(differences(afterConfig, snapshot("\(dir)/.mreg")).isEmpty)
            #expect(!differences(before, afterConfig).isEmpty)  // (only the config changed)
            try mreg.run(["config", "user.signingKey", "\(dir)/ada"], cwd: dir).succeeded()
            try mreg.run(["rm", "fraud@1", "--reason", "old", "--sign"], cwd: dir).succeeded()
            try mreg.run(["prune", "--sign"], cwd: dir).succeeded()
            let verified = try mreg.run(["verify"], cwd: dir).succeeded()
            #expect(verified.stdout.contains("2 good signatures"), "\(verified)")
            #expect(try mreg.run(["list", "fraud"], cwd: dir).succeeded().lines.count == 2)
            // A broken [removal] fails closed.
            try writeFile("\(dir)/.mreg/policy.toml", "[removal]\nsigned = \"yes\"\n")
            let broken = try mreg.run(["rm", "fraud@3", "--reason", "x"], cwd: dir)
            #expect(broken.status == 64 && broken.stderr.contains("signed in [removal] must be true or false"), "\(broken)")
        }
    }
}
