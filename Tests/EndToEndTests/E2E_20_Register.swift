import Foundation
import MregTestSupport
import Testing

/// `mreg register`, `show`, `list`, `ls-files`, `cat`: the main job, run as a user would.
@Suite struct RegisterTests {
    /// A training-style folder: weights, config, a model card, params and metrics.
    static func trainingRun(_ dir: String, lr: String = "0.01", auc: String = "0.9", seed: UInt64 = 1) throws {
        try writeFile("\(dir)/out/model.bin", randomBytes(4096, seed: seed))
        try writeFile("\(dir)/out/config.json", "{\"hidden\": 64}\n")
        try writeFile("\(dir)/out/sub/vocab.txt", "a\nb\n")
        try writeFile("\(dir)/out/README.md", """
            ---
            license: apache-2.0
            base_model: bert-base-uncased
            tags: [fraud]
            library_name: transformers
            ---
            # Fraud model
            """)
        try writeFile("\(dir)/params.yaml", """
            optimizer:
              name: adam
              lr: \(lr)
            epochs: 10
            use_bias: true
            layers: [64, 32]
            """)
        try writeFile("\(dir)/metrics.json", "{\"auc\": \(auc), \"eval\": {\"loss\": 0.25}}")
    }

    static func json(_ r: RunResult) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(r.stdoutBytes), options: [.fragmentsAllowed])
    }

    @Test func registerShowListAndCat() throws {
        try withStore { mreg, dir in
            try Self.trainingRun(dir)
            let reg = try mreg.run(["register", "fraud", "out", "--params", "params.yaml", "--metrics", "metrics.json",
                                    "-p", "seed=42", "-M", "f1=0.8", "-m", "baseline"], cwd: dir).succeeded()
            #expect(reg.lines.first?.hasPrefix("fraud v1 ") == true)
            #expect(reg.stdout.contains("4 files"))

            let show = try Self.json(try mreg.run(["show", "fraud@1", "--json"], cwd: dir).succeeded()) as! [String: Any]
            let params = show["params"] as! [String: Any]
            #expect(params["optimizer.lr"] as? Double == 0.01)
            #expect(params["optimizer.name"] as? String == "adam")
            #expect(params["epochs"] as? Int == 10)
            #expect(params["use_bias"] as? Bool == true)
            #expect(params["seed"] as? Int == 42)
            #expect((show["metrics"] as! [String: Any])["eval.loss"] as? Double == 0.25)
            #expect((show["metrics"] as! [String: Any])["f1"] as? Double == 0.8)
            let files = (show["files"] as! [[String: Any]]).map { $0["path"] as! String }
            #expect(files == ["README.md", "config.json", "model.bin", "sub/vocab.txt"])
            let card = show["card"] as! [String: Any]
            #expect(card["license"] as? String == "apache-2.0")
            #expect(card["base_model"] as? [String] == ["bert-base-uncased"])
            let prov = show["provenance"] as! [String: Any]
            #expect(prov["user"] as? String == "Test <test@example.com>")
            #expect((prov["command"] as? [String])?.first == "mreg")
            #expect(show["version"] as? Int == 1)

            let human = try mreg.run(["show", "fraud"], cwd: dir).succeeded().stdout
            #expect(human.contains("optimizer.lr") && human.contains("0.01"))

            let cat = try mreg.run(["cat", "fraud@v1", "sub/vocab.txt"], cwd: dir).succeeded()
            #expect(cat.stdout == "a\nb\n")
            let missing = try mreg.run(["cat", "fraud@1", "nope.txt"], cwd: dir)
            #expect(missing.status != 0 && missing.stderrIsOneLine)

            let ls = try mreg.run(["ls-files", "fraud@1"], cwd: dir).succeeded()
            #expect(ls.lines.count == 4)
            #expect(ls.lines.allSatisfy { $0.hasPrefix("100644 ") })

            let list = try Self.json(try mreg.run(["list", "--json"], cwd: dir).succeeded()) as! [[String: Any]]
            #expect(list.count == 1 && list[0]["model"] as? String == "fraud" && list[0]["latest"] as? Int == 1)
        }
    }

    @Test func registeringTheSameThingAgainChangesNothing() throws {
        try withStore { mreg, dir in
            try Self.trainingRun(dir)
            let args = ["register", "fraud", "out", "--params", "params.yaml", "--metrics", "metrics.json", "-m", "x"]
            try mreg.run(args, cwd: dir).succeeded()
            let before = snapshot("\(dir)/.mreg/refs")
            let again = try mreg.run(args + ["--json"], cwd: dir).succeeded()
            let j = try Self.json(again) as! [String: Any]
            #expect(j["existing"] as? Bool == true)
            #expect(j["version"] as? Int == 1)
            #expect(differences(before, snapshot("\(dir)/.mreg/refs")).isEmpty)
            // A real change makes version 2.
            try writeFile("\(dir)/metrics.json", "{\"auc\": 0.95}")
            let next = try mreg.run(args, cwd: dir).succeeded()
            #expect(next.stdout.hasPrefix("fraud v2 "))
        }
    }

    @Test func paramsFromTOMLAndJSONAreFlattenedAndTyped() throws {
        try withStore { mreg, dir in
            try writeFile("\(dir)/w.bin", "w")
            try writeFile("\(dir)/p.toml", "lr = 0.001\nname = \"sgd\"\n[sched]\nwarmup = 100\ncosine = false\n")
            try writeFile("\(dir)/m.json", "{\"acc\": {\"top1\": 0.75, \"top5\": 0.9}}")
            try mreg.run(["register", "m", "w.bin", "--params", "p.toml", "--metrics", "m.json"], cwd: dir).succeeded()
            let show = try Self.json(try mreg.run(["show", "m", "--json"], cwd: dir).succeeded()) as! [String: Any]
            let p = show["params"] as! [String: Any]
            #expect(p["lr"] as? Double == 0.001)
            #expect(p["sched.warmup"] as? Int == 100)
            #expect(p["sched.cosine"] as? Bool == false)
            #expect(p["name"] as? String == "sgd")
            #expect((show["metrics"] as! [String: Any])["acc.top5"] as? Double == 0.9)
        }
    }

    @Test func provenanceCapturesGitAndDatasets() throws {
        guard let git = Tools.git else { return }
        try withStore { mreg, dir in
            let env: [String: String?] = ["GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@x", "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@x"]
            try mreg.runProgram(git, ["init", "-q", "-b", "main"], cwd: dir, env: env).succeeded()
            try mreg.runProgram(git, ["remote", "add", "origin", "https://user:secret@example.com/team/repo.git"], cwd: dir).succeeded()
            try writeFile("\(dir)/train.py", "print(1)\n")
            try writeFile("\(dir)/.gitignore", ".mreg/\n")
            try mreg.runProgram(git, ["add", "train.py", ".gitignore"], cwd: dir).succeeded()
            try mreg.runProgram(git, ["commit", "-qm", "c"], cwd: dir, env: env).succeeded()
            let commit = try mreg.runProgram(git, ["rev-parse", "HEAD"], cwd: dir).succeeded().output
            try writeFile("\(dir)/data/a.csv", "1,2\n")
            try writeFile("\(dir)/data/b/c.csv", "3,4\n")
            try writeFile("\(dir)/w.bin", "weights")
            try mreg.run(["register", "m", "w.bin", "--dataset", "train=data", "--dataset", "data/a.csv"], cwd: dir).succeeded()
            let show = try Self.json(try mreg.run(["show", "m", "--json"], cwd: dir).succeeded()) as! [String: Any]
            let g = (show["provenance"] as! [String: Any])["git"] as! [String: Any]
            #expect(g["commit"] as? String == commit)
            #expect(g["branch"] as? String == "main")
            #expect(g["dirty"] as? Bool == false)
            #expect(g["remote"] as? String == "https://example.com/team/repo.git")
            let ds = show["datasets"] as! [[String: Any]]
            #expect(ds.count == 2)
            #expect(ds[0]["name"] as? String == "train" && ds[0]["files"] as? Int == 2 && ds[0]["size"] as? Int == 8)
            #expect(ds[1]["name"] as? String == "a.csv")
            // Dataset files are hashed, not stored: "1,2\n" is not an object.
            let blob = try mreg.run(["hash-object", "data/a.csv"], cwd: dir).succeeded().output
            #expect(try mreg.run(["cat-file", "-e", blob], cwd: dir).status == 1)
        }
    }

    @Test func eightProcessesRegisteringAtOnceGetVersionsOneToEight() throws {
        try withStore { mreg, dir in
            for i in 1...8 { try writeFile("\(dir)/w\(i).bin", randomBytes(1000, seed: UInt64(i))) }
            let procs = try (1...8).map { try mreg.start(["register", "m", "w\($0).bin", "-M", "run=\($0)"], cwd: dir) }
            let results = procs.map { $0.wait() }
            for r in results { #expect(r.status == 0, "\(r)") }
            let versions = results.compactMap { r in r.lines.first?.split(separator: " ").dropFirst().first.map(String.init) }.sorted()
            #expect(Set(versions) == Set((1...8).map { "v\($0)" }))
            let log = try Self.json(try mreg.run(["log", "m", "--json"], cwd: dir).succeeded()) as! [[String: Any]]
            let registered = log.filter { $0["action"] as? String == "register" }.compactMap { $0["version"] as? Int }
            #expect(registered.sorted() == Array(1...8))
            #expect(log.map { $0["seq"] as! Int } == Array((1...8).reversed()))
            let runs = try (1...8).map { v -> Int in
                let s = try Self.json(try mreg.run(["show", "m@\(v)", "--json"], cwd: dir).succeeded()) as! [String: Any]
                return (s["metrics"] as! [String: Any])["run"] as! Int
            }
            #expect(Set(runs) == Set(1...8))
            try mreg.run(["fsck", "--no-dangling"], cwd: dir).succeeded()
        }
    }

    /// Each refused command: one-line error, non-zero exit, store byte-for-byte unchanged.
    @Test(arguments: [
        (["register", "bad name", "w.bin"], "invalid model name"),
        (["register", "../x", "w.bin"], "invalid model name"),
        (["register", "m", "missing.bin"], "missing.bin"),
        (["register", "m", "w.bin", "--params", "bad.yaml"], "bad.yaml"),
        (["register", "m", "w.bin", "--params", "bad.json"], "bad.json"),
        (["register", "m", "dir", "--params", "p.json"], #"p.json: not valid JSON: duplicate key "lr" at line 3, column 3"#),
        (["register", "m", "dir", "--params", "zero.json"], "zero.json: not valid JSON: number with a leading zero at line 1, column 7"),
        (["register", "m", "w.bin", "--params", "nope.yaml"], "nope.yaml"),
        (["register", "m", "w.bin", "--params", "dir"], "dir: it is a folder, not a file"),
        (["register", "m", "w.bin", "--stage", "prod"], "unknown stage"),
        (["register", "m", "w.bin", "--tag", "3"], "tag"),
        (["register", "m", "w.bin", "--base", "m@9"], "no version 9"),
        (["register", "m", "w.bin", "-p", "noequals"], "KEY=VALUE"),
        (["show", "m@7"], "no version 7"),
        (["show", "nosuch"], "unknown model"),
        (["show", "m@nosuchtag"], "nosuchtag"),
        (["promote", "m@1", "prod"], "unknown stage"),
        (["promote", "m@5", "staging"], "no version 5"),
        (["tag", "m@1", "v2"], "tag"),
        (["demote", "m", "production"], "production"),
        (["diff", "m@1"], "first version"),
        (["export", "m@1", "w.bin"], "is a file"),
    ])
    func refusedInputLeavesTheStoreUnchanged(_ args: [String], _ mentioning: String) throws {
        try withStore { mreg, dir in
            try writeFile("\(dir)/w.bin", "w")
            try writeFile("\(dir)/bad.yaml", "a: [1, 2\nb: {")
            try writeFile("\(dir)/bad.json", "{\"a\": 1,}")
            try writeFile("\(dir)/p.json", "{\n  \"lr\": 0.01,\n  \"lr\": 0.02\n}\n")
            try writeFile("\(dir)/zero.json", "{\"n\": 01}")
            try writeFile("\(dir)/dir/w2.bin", "w2")
            try mreg.run(["register", "m", "w.bin"], cwd: dir).succeeded()
            let before = snapshot("\(dir)/.mreg")
            let r = try mreg.run(args, cwd: dir)
            #expect(r.status != 0, "\(r)")
            #expect(r.stderrIsOneLine, "\(r)")
            #expect(r.stderr.contains(mentioning), "\(r)")
            #expect(differences(before, snapshot("\(dir)/.mreg")).isEmpty)
        }
    }
}
