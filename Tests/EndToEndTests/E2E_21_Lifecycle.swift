import Foundation
import MregTestSupport
import Testing

/// Tags, stages, log, diff and export.
@Suite struct LifecycleTests {
    /// Registers fraud v1 and v2 (at `times`, through MREG_NOW, when given).
    static func twoVersions(_ mreg: MregRunner, _ dir: String, at times: (String, String)? = nil) throws {
        try RegisterTests.trainingRun(dir)
        try mreg.run(["register", "fraud", "out", "--params", "params.yaml", "--metrics", "metrics.json", "-m", "one"], cwd: dir,
                     env: ["MREG_NOW": times?.0]).succeeded()
        try RegisterTests.trainingRun(dir, lr: "0.02", auc: "0.93", seed: 2)
        try FileManager.default.removeItem(atPath: "\(dir)/out/sub/vocab.txt")
        try writeFile("\(dir)/out/tokenizer.json", "{}")
        try mreg.run(["register", "fraud", "out", "--params", "params.yaml", "--metrics", "metrics.json", "-m", "two",
                      "--base", "fraud@1"], cwd: dir, env: ["MREG_NOW": times?.1]).succeeded()
    }

    @Test func tagsNameOneVersionAndMoveOnlyWithForce() throws {
        try withStore { mreg, dir in
            try Self.twoVersions(mreg, dir)
            try mreg.run(["tag", "fraud@1", "reviewed"], cwd: dir).succeeded()
            #expect(try mreg.run(["rev-parse", "fraud@reviewed"], cwd: dir).output == mreg.run(["rev-parse", "fraud@1"], cwd: dir).output)
            let refused = try mreg.run(["tag", "fraud@2", "reviewed"], cwd: dir)
            #expect(refused.status != 0 && refused.stderr.contains("-f"))
            try mreg.run(["tag", "-f", "fraud@2", "reviewed"], cwd: dir).succeeded()
            #expect(try mreg.run(["show", "fraud@reviewed", "--json"], cwd: dir).stdout.contains("\"version\": 2"))
            try mreg.run(["tag", "-d", "fraud", "reviewed"], cwd: dir).succeeded()
            #expect(try mreg.run(["show", "fraud@reviewed"], cwd: dir).status != 0)
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/.mreg/refs/models/fraud/tags/reviewed"))
        }
    }

    @Test func promoteDemoteAndTheAuditTrail() throws {
        try withStore { mreg, dir in
            try Self.twoVersions(mreg, dir, at: ("2026-03-01T09:00:00Z", "2026-03-01T09:30:00Z"))
            try mreg.run(["promote", "fraud@1", "production", "--reason", "first"], cwd: dir,
                         env: ["MREG_NOW": "2026-03-01T10:00:00Z"]).succeeded()
            let between = "2026-03-01T10:00:01Z"
            let p = try mreg.run(["promote", "fraud@2", "production", "--reason", "better auc"], cwd: dir,
                                 env: ["MREG_NOW": "2026-03-01T10:00:02Z"]).succeeded()
            #expect(p.stdout.contains("replaces v1"))
            #expect(try mreg.run(["rev-parse", "fraud@production"], cwd: dir).output == mreg.run(["rev-parse", "fraud@2"], cwd: dir).output)
            // What was in production at a past moment.
            let past = try RegisterTests.json(try mreg.run(["show", "fraud@production", "--as-of", between, "--json"], cwd: dir).succeeded()) as! [String: Any]
            #expect(past["version"] as? Int == 1)
            let log = try RegisterTests.json(try mreg.run(["log", "fraud", "--stage", "production", "--json"], cwd: dir).succeeded()) as! [[String: Any]]
            #expect(log.count == 2)
            #expect(log[0]["version"] as? Int == 2 && log[0]["reason"] as? String == "better auc" && log[0]["previous"] as? Int == 1)
            #expect(log[0]["actor"] as? String == "Test <test@example.com>")
            let oneline = try mreg.run(["log", "--oneline", "-n", "2"], cwd: dir).succeeded()
            #expect(oneline.lines.count == 2 && oneline.lines[0].contains("promote v2 to production"))
            try mreg.run(["demote", "fraud", "production"], cwd: dir).succeeded()
            #expect(try mreg.run(["show", "fraud@production"], cwd: dir).status != 0)
            // Custom stages.
            try mreg.run(["config", "registry.stages", "dev,qa,prod"], cwd: dir).succeeded()
            try mreg.run(["promote", "fraud@2", "qa"], cwd: dir).succeeded()
            #expect(try mreg.run(["promote", "fraud@2", "staging"], cwd: dir).status != 0)
            try mreg.run(["fsck", "--no-dangling"], cwd: dir).succeeded()
        }
    }

    @Test func diffJSONFollowsDVCShapeWithoutFloatNoise() throws {
        try withStore { mreg, dir in
            try Self.twoVersions(mreg, dir)
            let r = try mreg.run(["diff", "fraud@1", "fraud@2", "--json"], cwd: dir).succeeded()
            #expect(r.stdout.contains("\"diff\": 0.03"))
            let j = try RegisterTests.json(r) as! [String: Any]
            let lr = (j["params"] as! [String: Any])["optimizer.lr"] as! [String: Any]
            #expect(lr["old"] as? Double == 0.01 && lr["new"] as? Double == 0.02)
            #expect((j["params"] as! [String: Any])["epochs"] == nil)  // unchanged: left out without --all
            let auc = (j["metrics"] as! [String: Any])["auc"] as! [String: Any]
            #expect(auc["old"] as? Double == 0.9 && auc["new"] as? Double == 0.93)
            let files = j["files"] as! [String: [[String: Any]]]
            #expect(files["added"]!.map { $0["path"] as! String } == ["tokenizer.json"])
            #expect(files["removed"]!.map { $0["path"] as! String } == ["sub/vocab.txt"])
            #expect(files["changed"]!.map { $0["path"] as! String } == ["model.bin"])
            let lineage = j["lineage"] as! [String: Any]
            #expect((lineage["base"] as! [String: Any])["new"] as? String == "fraud@v1")
            // Default: compare with the previous version. --all keeps unchanged entries.
            let prev = try RegisterTests.json(try mreg.run(["diff", "fraud@2", "--all", "--only", "params", "--json"], cwd: dir).succeeded()) as! [String: Any]
            #expect((prev["params"] as! [String: Any])["epochs"] != nil)
            #expect(prev["metrics"] == nil && prev["files"] == nil)
            // --exit-code: 1 when different, 0 when the same.
            #expect(try mreg.run(["diff", "fraud@1", "fraud@2", "--exit-code"], cwd: dir).status == 1)
            #expect(try mreg.run(["diff", "fraud@2", "fraud@latest", "--exit-code"], cwd: dir).status == 0)
            let md = try mreg.run(["diff", "fraud@1", "fraud@2", "--md"], cwd: dir).succeeded().stdout
            #expect(md.contains("| auc | 0.9 | 0.93 | +0.03 |"))
            let text = try mreg.run(["diff", "fraud@1", "fraud@2"], cwd: dir).succeeded().stdout
            #expect(text.contains("optimizer.lr") && text.contains("+0.03"))
        }
    }

    @Test func exportReproducesTheFolderByteForByte() throws {
        try withStore { mreg, dir in
            try RegisterTests.trainingRun(dir)
            try writeFile("\(dir)/out/run.sh", "#!/bin/sh\necho hi\n")
            chmod("\(dir)/out/run.sh", 0o755)
            try mreg.run(["register", "fraud", "out"], cwd: dir).succeeded()
            try mreg.run(["export", "fraud@latest", "exported"], cwd: dir).succeeded()
            let a = snapshot("\(dir)/out"), b = snapshot("\(dir)/exported")
            #expect(differences(a, b).isEmpty)
            // Existing files are not overwritten without --force.
            try writeFile("\(dir)/exported/config.json", "changed")
            let before = snapshot("\(dir)/exported")
            let refused = try mreg.run(["export", "fraud@1", "exported"], cwd: dir)
            #expect(refused.status != 0 && refused.stderr.contains("--force"))
            #expect(differences(before, snapshot("\(dir)/exported")).isEmpty)
            try mreg.run(["export", "fraud@1", "exported", "--force"], cwd: dir).succeeded()
            #expect(differences(a, snapshot("\(dir)/exported")).isEmpty)
        }
    }

    /// A manifest crafted with a hostile path is refused on export, and nothing is written.
    @Test(arguments: ["../evil.txt", "/tmp/evil.txt", "a/../../evil.txt", "ok/./x", ".mreg/config"])
    func exportRefusesPathsOutsideTheFolder(_ path: String) throws {
        try withStore { mreg, dir in
            try writeFile("\(dir)/evil.bin", "evil")
            let blob = try mreg.run(["hash-object", "-w", "evil.bin"], cwd: dir).succeeded().output
            let manifest = """
                {"base":null,"card":null,"datasets":[],"files":[{"details":null,"digest":"sha256:0b4f8b83a0d2c4d1d4a3f8f7a7c2c7e9c1e1f5b5c2e2b0c8d5a1f7e6d4c3b2a1","format":null,"mode":"100644","object":"\(blob)","path":"\(path)","size":4}],"message":"","metrics":{},"model":"evil","params":{},"provenance":{},"schema":"mreg.manifest/1"}
                """
            let m = try mreg.run(["hash-object", "-w", "-t", "manifest", "--stdin"], cwd: dir, stdin: Array(manifest.utf8)).succeeded().output
            let event = """
                {"action":"register","actor":"x","manifest":"\(m)","model":"evil","parent":null,"schema":"mreg.event/1","seq":1,"time":"2026-01-01T00:00:00Z","version":1}
                """
            let e = try mreg.run(["hash-object", "-w", "-t", "event", "--stdin"], cwd: dir, stdin: Array(event.utf8)).succeeded().output
            try mreg.run(["update-ref", "refs/models/evil/head", e, ""], cwd: dir).succeeded()
            let r = try mreg.run(["export", "evil@1", "target"], cwd: dir)
            // Refused when the manifest is read (a path no version may hold), or by export's own check (.mreg).
            #expect(r.status != 0 && r.stderrIsOneLine && (r.stderr.contains("refusing") || r.stderr.contains("manifest \(m.prefix(8))")), "\(r)")
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/evil.txt"))
            #expect(!FileManager.default.fileExists(atPath: "/tmp/evil.txt") || path != "/tmp/evil.txt" || (try? readFile("/tmp/evil.txt")) != Array("evil".utf8))
            #expect((try? FileManager.default.contentsOfDirectory(atPath: "\(dir)/target"))?.isEmpty ?? true)
        }
    }

    @Test func exportRefusesToWriteThroughASymlink() throws {
        try withStore { mreg, dir in
            try writeFile("\(dir)/out/sub/f.txt", "x")
            try mreg.run(["register", "m", "out"], cwd: dir).succeeded()
            try FileManager.default.createDirectory(atPath: "\(dir)/target", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: "\(dir)/elsewhere", withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: "\(dir)/target/sub", withDestinationPath: "\(dir)/elsewhere")
            let r = try mreg.run(["export", "m@1", "target", "--force"], cwd: dir)
            #expect(r.status != 0 && r.stderr.contains("symbolic link"))
            #expect(try FileManager.default.contentsOfDirectory(atPath: "\(dir)/elsewhere").isEmpty)
        }
    }

    @Test func derivedRefsFollowTheChainAndFsckRepairsThem() throws {
        try withStore { mreg, dir in
            try Self.twoVersions(mreg, dir)
            try mreg.run(["promote", "fraud@2", "staging"], cwd: dir).succeeded()
            let refs = try mreg.run(["show-ref", "refs/models/fraud/"], cwd: dir).succeeded().lines.map { $0.split(separator: " ")[1] }
            #expect(refs == ["refs/models/fraud/head", "refs/models/fraud/stages/staging", "refs/models/fraud/versions/1", "refs/models/fraud/versions/2"])
            // Damage a derived ref: fsck reports it, --repair fixes it from the chain.
            let v1 = try mreg.run(["rev-parse", "fraud@1"], cwd: dir).output
            try mreg.run(["update-ref", "refs/models/fraud/stages/staging", v1], cwd: dir).succeeded()
            let bad = try mreg.run(["fsck", "--no-dangling"], cwd: dir)
            #expect(bad.status == 4 && bad.stdout.contains("stages/staging"))
            try mreg.run(["fsck", "--repair", "--no-dangling"], cwd: dir).succeeded()
            try mreg.run(["fsck", "--no-dangling"], cwd: dir).succeeded()
            // Revisions come from the chain, not the derived ref.
            #expect(try mreg.run(["rev-parse", "fraud@staging"], cwd: dir).output == mreg.run(["rev-parse", "fraud@2"], cwd: dir).output)
        }
    }
}

/// Behaviour a new user's trial asked for.
@Suite struct UsabilityTests {
    @Test func promoteNeedsAnExplicitVersion() throws {
        try withStore { mreg, dir in
            try writeFile("\(dir)/w.bin", "w")
            try mreg.run(["register", "m", "w.bin"], cwd: dir).succeeded()
            let r = try mreg.run(["promote", "m", "production"], cwd: dir)
            #expect(r.status != 0 && r.stderrIsOneLine && r.stderr.contains("m@latest"), "\(r)")
            try mreg.run(["promote", "m@latest", "production"], cwd: dir).succeeded()
        }
    }

    @Test func logRefusesAnUnknownStageAndFiltersByVersion() throws {
        try withStore { mreg, dir in
            try writeFile("\(dir)/w.bin", "w")
            try mreg.run(["register", "m", "w.bin"], cwd: dir).succeeded()
            try writeFile("\(dir)/w.bin", "w2")
            try mreg.run(["register", "m", "w.bin"], cwd: dir).succeeded()
            try mreg.run(["promote", "m@1", "staging"], cwd: dir).succeeded()
            let typo = try mreg.run(["log", "m", "--stage", "prod"], cwd: dir)
            #expect(typo.status != 0 && typo.stderr.contains("unknown stage"))
            let v1 = try RegisterTests.json(try mreg.run(["log", "m@1", "--json"], cwd: dir).succeeded()) as! [[String: Any]]
            #expect(v1.map { $0["action"] as! String } == ["promote", "register"])
            let since = try mreg.run(["log", "m", "--since", "2000-01-01", "--oneline"], cwd: dir).succeeded()
            #expect(since.lines.count == 3)
            #expect(try mreg.run(["log", "m", "--since", "2999-01-01", "--oneline"], cwd: dir).succeeded().lines.isEmpty)
        }
    }

    @Test func mregNowStampsEventsAndManifests() throws {
        try withStore { mreg, dir in
            try writeFile("\(dir)/w.bin", "w")
            try mreg.run(["register", "m", "w.bin"], cwd: dir, env: ["MREG_NOW": "2026-03-31T23:00:00Z"]).succeeded()
            try writeFile("\(dir)/w.bin", "w2")
            try mreg.run(["register", "m", "w.bin", "--tag", "t"], cwd: dir, env: ["MREG_NOW": "2026-04-01T02:00:00+02:00"]).succeeded()
            let log = try RegisterTests.json(try mreg.run(["log", "m", "--json"], cwd: dir).succeeded()) as! [[String: Any]]
            #expect(log.map { $0["time"] as? String } == ["2026-04-01T00:00:00Z", "2026-04-01T00:00:00Z", "2026-03-31T23:00:00Z"])
            let v1 = try RegisterTests.json(try mreg.run(["show", "m@1", "--json"], cwd: dir).succeeded()) as! [String: Any]
            #expect((v1["provenance"] as? [String: Any])?["time"] as? String == "2026-03-31T23:00:00Z")
            #expect(v1["registered_at"] as? String == "2026-03-31T23:00:00Z")
            // Without it, the clock.
            try mreg.run(["tag", "m@1", "now"], cwd: dir).succeeded()
            let latest = try RegisterTests.json(try mreg.run(["log", "m", "-n", "1", "--json"], cwd: dir).succeeded()) as! [[String: Any]]
            let time = try #require(ISO8601DateFormatter().date(from: latest.first?["time"] as? String ?? ""))
            #expect(abs(time.timeIntervalSinceNow) < 600)
        }
    }

    @Test func anInvalidMregNowIsAnErrorThatChangesNothing() throws {
        try withStore { mreg, dir in
            try writeFile("\(dir)/w.bin", "w")
            try mreg.run(["register", "m", "w.bin"], cwd: dir, env: ["MREG_NOW": ""]).succeeded()  // empty: unset
            try writeFile("\(dir)/w.bin", "w2")
            let before = snapshot("\(dir)/.mreg")
            for args in [["register", "m", "w.bin"], ["promote", "m@1", "staging"], ["tag", "m@1", "t"]] {
                for bad in ["2026-02-30T00:00:00Z", "yesterday", "2026-03-01"] {
                    let r = try mreg.run(args, cwd: dir, env: ["MREG_NOW": bad])
                    #expect(r.status == 64 && r.stderrIsOneLine, "\(r)")
                    #expect(r.stderr.hasPrefix("mreg: error: MREG_NOW='\(bad)' is not a time"), "\(r)")
                }
            }
            #expect(differences(before, snapshot("\(dir)/.mreg")).isEmpty)
        }
    }

    /// `--since` takes a date's start, `--until` and `--as-of` its end: `2026-03` is all of March.
    @Test func logAndShowReadDatesAsSpans() throws {
        try withStore { mreg, dir in
            for (i, time) in ["2026-02-28T23:00:00Z", "2026-03-31T23:00:00Z", "2026-04-01T00:00:00Z"].enumerated() {
                try writeFile("\(dir)/w.bin", "w\(i)")
                try mreg.run(["register", "m", "w.bin"], cwd: dir, env: ["MREG_NOW": time]).succeeded()
            }
            try mreg.run(["register", "n", "w.bin"], cwd: dir, env: ["MREG_NOW": "2026-03-15T12:00:00Z"]).succeeded()
            func versions(_ args: [String]) throws -> [String] {
                let log = try RegisterTests.json(try mreg.run(["log"] + args + ["--json"], cwd: dir).succeeded()) as! [[String: Any]]
                return log.map { "\($0["model"] as? String ?? "?")\($0["version"] as? Int ?? 0)" }
            }
            #expect(try versions(["m", "--since", "2026-03"]) == ["m3", "m2"])
            #expect(try versions(["m", "--until", "2026-03"]) == ["m2", "m1"])  // through March 31st, 23:59:59
            #expect(try versions(["m", "--since", "2026-03", "--until", "2026-03"]) == ["m2"])
            #expect(try versions(["m", "--since", "2026-04"]) == ["m3"])
            #expect(try versions(["m", "--since", "2026-03-31 23:00", "--until", "2026-03-31T23:00:00Z"]) == ["m2"])
            #expect(try versions(["m", "--until", "2026-04-01T01:00:00+02:00"]) == ["m2", "m1"])
            // All models: the same rules through the index's merged log.
            #expect(try versions(["--until", "2026-03"]) == ["m2", "n1", "m1"])
            #expect(try versions(["--since", "2026-03-15", "--until", "2026-03-31"]) == ["m2", "n1"])
            func shown(_ asOf: String) throws -> Int? {
                let j = try RegisterTests.json(try mreg.run(["show", "m", "--as-of", asOf, "--json"], cwd: dir).succeeded()) as! [String: Any]
                return j["version"] as? Int
            }
            #expect(try shown("2026-03") == 2)
            #expect(try shown("2026-03-31") == 2)
            #expect(try shown("2026-02") == 1)
            #expect(try shown("2026") == 3)
            let asOf = try RegisterTests.json(try mreg.run(["show", "m", "--as-of", "2026-03", "--json"], cwd: dir).succeeded()) as! [String: Any]
            #expect(asOf["as_of"] as? String == "2026-03-31T23:59:59Z")
            let bad = try mreg.run(["log", "m", "--since", "2026-13"], cwd: dir)
            #expect(bad.status == 64 && bad.stderrIsOneLine)
            #expect(bad.stderr.hasPrefix("mreg: error: --since: cannot read the date '2026-13': month 13 does not exist"), "\(bad)")
            #expect(try mreg.run(["show", "m", "--as-of", "2026-02-30"], cwd: dir).stderr.contains("2026-02 has no day 30"))
        }
    }

    @Test func metricsMustBeNumbersAndYAMLFollowsTheCoreSchema() throws {
        try withStore { mreg, dir in
            try writeFile("\(dir)/w.bin", "w")
            try writeFile("\(dir)/m.yaml", "acc: high\n")
            let bad = try mreg.run(["register", "m", "w.bin", "--metrics", "m.yaml"], cwd: dir)
            #expect(bad.status != 0 && bad.stderr.contains("metric 'acc'"))
            try writeFile("\(dir)/p.yaml", "flag: yes\nnorway: NO\nver: '1.10'\nbig: 12345678901234567890\non: true\n")
            try mreg.run(["register", "m", "w.bin", "--params", "p.yaml", "-p", "tag='007'"], cwd: dir).succeeded()
            let show = try RegisterTests.json(try mreg.run(["show", "m", "--json"], cwd: dir).succeeded()) as! [String: Any]
            let p = show["params"] as! [String: Any]
            #expect(p["flag"] as? String == "yes")
            #expect(p["norway"] as? String == "NO")
            #expect(p["ver"] as? String == "1.10")
            #expect(p["big"] as? String == "12345678901234567890")
            #expect(p["tag"] as? String == "007")
        }
    }

    @Test func diffIdenticalAgreesWithExitCode() throws {
        try withStore { mreg, dir in
            try writeFile("\(dir)/w.bin", "w")
            try mreg.run(["register", "m", "w.bin", "-p", "a=1", "-m", "one"], cwd: dir).succeeded()
            try mreg.run(["register", "m", "w.bin", "-p", "a=1", "-m", "two"], cwd: dir).succeeded()
            let r = try mreg.run(["diff", "m@1", "m@2", "--only", "params", "--only", "metrics", "--json", "--exit-code"], cwd: dir)
            #expect(r.status == 0)
            #expect((try RegisterTests.json(r) as! [String: Any])["identical"] as? Bool == true)
        }
    }
}

@Suite struct ListVersionsTests {
    @Test func listModelShowsItsVersionsNewestFirst() throws {
        try withStore { mreg, dir in
            for i in 1...3 {
                try writeFile("\(dir)/w.bin", "w\(i)")
                try mreg.run(["register", "m", "w.bin", "-m", "run \(i)"], cwd: dir).succeeded()
            }
            try mreg.run(["promote", "m@2", "staging"], cwd: dir).succeeded()
            let j = try RegisterTests.json(try mreg.run(["list", "m", "--json"], cwd: dir).succeeded()) as! [[String: Any]]
            #expect(j.map { $0["version"] as! Int } == [3, 2, 1])
            #expect(j[1]["stages"] as? [String] == ["staging"] && j[1]["message"] as? String == "run 2")
            let text = try mreg.run(["list", "m"], cwd: dir).succeeded()
            #expect(text.lines.count == 4 && text.lines[2].hasPrefix("v2"))
            #expect(try mreg.run(["list", "nosuch"], cwd: dir).status != 0)
        }
    }
}

@Suite struct SearchStageNameTests {
    @Test func unknownStagesInSearchesAreErrors() throws {
        try withStore { mreg, dir in
            try writeFile("\(dir)/w.bin", "w")
            try mreg.run(["register", "m", "w.bin"], cwd: dir).succeeded()
            try mreg.run(["promote", "m@1", "production"], cwd: dir).succeeded()
            #expect(try mreg.run(["search", "stage = 'production'"], cwd: dir).succeeded().lines.count == 2)
            let capital = try mreg.run(["search", "stage = 'Production'"], cwd: dir)
            #expect(capital.status != 0 && capital.stderrIsOneLine && capital.stderr.contains("did you mean 'production'"), "\(capital)")
            let typo = try mreg.run(["search", "stage IN ('prod', 'staging')"], cwd: dir)
            #expect(typo.status != 0 && typo.stderr.contains("unknown stage 'prod'"), "\(typo)")
        }
    }
}
