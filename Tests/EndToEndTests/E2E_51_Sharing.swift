import Foundation
import MregTestSupport
import Testing

/// Sharing without surprises: every entry has a real author, `status` says what is not
/// pushed, tags cannot hide behind stages, and the store stays out of git.
@Suite("E2E 51: sharing")
struct SharingTests {
    // MARK: helpers

    /// A runner with its own HOME and no identity at all (no MREG_USER_*, no config, no git).
    static func anonymous(_ tmp: String, _ name: String = "anon") throws -> MregRunner {
        var runner = try MregRunner(home: "\(tmp)/\(name)-home")
        runner.environment["MREG_USER_NAME"] = nil
        runner.environment["MREG_USER_EMAIL"] = nil
        return runner
    }

    /// A runner with its own HOME whose identity comes from `mreg config --global`.
    static func user(_ tmp: String, _ name: String, _ email: String) throws -> MregRunner {
        let runner = try anonymous(tmp, name)
        try runner.run(["config", "--global", "user.name", name]).succeeded()
        try runner.run(["config", "--global", "user.email", email]).succeeded()
        return runner
    }

    static func register(_ mreg: MregRunner, _ dir: String, _ model: String, seed: UInt64, extra: [String] = []) throws {
        try writeFile("\(dir)/w-\(seed).bin", randomBytes(2048, seed: seed))
        try mreg.run(["register", model, "w-\(seed).bin", "-m", "run \(seed)"] + extra, cwd: dir).succeeded()
    }

    static func json(_ r: RunResult) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(r.stdoutBytes)) as? [String: Any] ?? [:]
    }

    /// `status --json`'s entry per model.
    static func status(_ mreg: MregRunner, _ dir: String, _ extra: [String] = []) throws -> (remote: String?, models: [String: [String: Any]]) {
        let r = try mreg.run(["status", "--json"] + extra, cwd: dir).succeeded()
        let o = try json(r)
        var models = [String: [String: Any]]()
        for m in o["models"] as? [[String: Any]] ?? [] { models[m["model"] as? String ?? "?"] = m }
        return (o["remote"] as? String, models)
    }

    /// The refusal of a command without identity: exit 64, one git-style line, store untouched.
    static func expectNoIdentity(_ mreg: MregRunner, _ dir: String, _ args: [String],
                                 sourceLocation: SourceLocation = #_sourceLocation) throws {
        try mreg.run(["list"], cwd: dir).succeeded()  // the index is current before the snapshot
        let before = snapshot("\(dir)/.mreg")
        let r = try mreg.run(args, cwd: dir)
        #expect(r.status == 64, "\(r)", sourceLocation: sourceLocation)
        #expect(r.stderrIsOneLine && r.stderr.hasPrefix("mreg: error: please tell me who you are"), "\(r)", sourceLocation: sourceLocation)
        #expect(r.stderr.contains("mreg config --global user.name \"Your Name\"")
                && r.stderr.contains("mreg config --global user.email you@example.com"), "\(r)", sourceLocation: sourceLocation)
        #expect(differences(before, snapshot("\(dir)/.mreg")) == [], "\(r)", sourceLocation: sourceLocation)
    }

    // MARK: identity

    @Test func everyWriteNeedsAnIdentityAndARefusalWritesNothing() throws {
        try withTemporaryDirectory { tmp in
            let anon = try Self.anonymous(tmp)
            let dir = "\(tmp)/work"
            try anon.run(["init", "-q", dir]).succeeded()
            // Register refuses before ingesting anything: no object is written.
            try writeFile("\(dir)/w.bin", randomBytes(4096, seed: 9))
            try Self.expectNoIdentity(anon, dir, ["register", "m", "w.bin"])
            #expect(try Self.json(anon.run(["count-objects", "--json"], cwd: dir).succeeded())["count"] as? Int == 0)

            // A version made by someone with a name; then every kind of event is refused.
            let someone: [String: String?] = ["MREG_USER_NAME": "Ada", "MREG_USER_EMAIL": "ada@example.com"]
            try anon.run(["register", "m", "w.bin", "--tag", "first", "--stage", "staging"], cwd: dir, env: someone).succeeded()
            try Self.expectNoIdentity(anon, dir, ["tag", "m@1", "best"])
            try Self.expectNoIdentity(anon, dir, ["tag", "-d", "m", "first"])
            try Self.expectNoIdentity(anon, dir, ["promote", "m@1", "production", "--reason", "x"])
            try Self.expectNoIdentity(anon, dir, ["demote", "m", "staging"])
            // Half an identity is not one.
            try Self.expectNoIdentity(anon.with(["MREG_USER_NAME": "Ada"]), dir, ["tag", "m@1", "best"])
            // Reading needs no identity.
            #expect(try anon.run(["log", "m", "--oneline"], cwd: dir).succeeded().stdout.contains("by Ada <ada@example.com>"))

            // Each source works: the environment, the store's config, the user's config.
            try anon.run(["tag", "m@1", "env"], cwd: dir, env: ["MREG_USER_NAME": "Eve", "MREG_USER_EMAIL": "eve@example.com"]).succeeded()
            try anon.run(["config", "user.name", "Store User"], cwd: dir).succeeded()
            try anon.run(["config", "user.email", "store@example.com"], cwd: dir).succeeded()
            try anon.run(["tag", "m@1", "store"], cwd: dir).succeeded()
            try anon.run(["config", "--unset", "user.name"], cwd: dir).succeeded()
            try anon.run(["config", "--unset", "user.email"], cwd: dir).succeeded()
            try anon.run(["config", "--global", "user.name", "Global User"]).succeeded()
            try anon.run(["config", "--global", "user.email", "global@example.com"]).succeeded()
            try anon.run(["tag", "m@1", "global"], cwd: dir).succeeded()
            let log = try JSONSerialization.jsonObject(with: Data(anon.run(["log", "m", "--json"], cwd: dir).succeeded().stdoutBytes)) as? [[String: Any]] ?? []
            let actors = Dictionary(log.compactMap { e in (e["tag"] as? String).map { ($0, e["actor"] as? String ?? "") } }) { a, _ in a }
            #expect(actors["env"] == "Eve <eve@example.com>")
            #expect(actors["store"] == "Store User <store@example.com>")
            #expect(actors["global"] == "Global User <global@example.com>")
            // Nothing in the trail names the operating-system user.
            #expect(!log.contains { ($0["actor"] as? String ?? "").contains("@\(hostName())") })
        }
    }

    @Test(.enabled(if: Tools.git != nil, "needs git"))
    func gitsIdentityIsUsedWhenMregHasNone() throws {
        try withTemporaryDirectory { tmp in
            let anon = try Self.anonymous(tmp)
            let dir = "\(tmp)/work"
            try anon.run(["init", "-q", dir]).succeeded()
            try anon.runProgram(Tools.git!, ["config", "--global", "user.name", "Git User"]).succeeded()
            try anon.runProgram(Tools.git!, ["config", "--global", "user.email", "git@example.com"]).succeeded()
            try Self.register(anon, dir, "m", seed: 1)
            let log = try anon.run(["log", "m", "--oneline"], cwd: dir).succeeded()
            #expect(log.stdout.contains("by Git User <git@example.com>"), "\(log)")
        }
    }

    // MARK: status

    @Test func statusSaysWhatIsUnpushedAndWhatTheLastFetchSaw() throws {
        try withTemporaryDirectory { tmp in
            let ada = try Self.user(tmp, "Ada", "ada@example.com")
            let bob = try Self.user(tmp, "Bob", "bob@example.com")
            let shared = "\(tmp)/shared"
            try ada.run(["init", "-q", shared]).succeeded()
            let adaDir = "\(tmp)/ada", bobDir = "\(tmp)/bob"
            try ada.run(["init", "-q", adaDir]).succeeded()

            // No remote: said so, exit 0.
            try Self.register(ada, adaDir, "fraud", seed: 1)
            let none = try ada.run(["status"], cwd: adaDir).succeeded()
            #expect(none.stdout.hasPrefix("No remote"), "\(none)")
            let noneJSON = try Self.json(ada.run(["status", "--json"], cwd: adaDir).succeeded())
            #expect(noneJSON["remote"] is NSNull && (noneJSON["models"] as? [Any])?.isEmpty == true)

            // Before the first push: everything is ahead.
            try ada.run(["remote", "add", "origin", shared], cwd: adaDir).succeeded()
            var s = try Self.status(ada, adaDir)
            #expect(s.remote == "origin")
            #expect(s.models["fraud"]?["state"] as? String == "not-on-remote" && s.models["fraud"]?["ahead"] as? Int == 1)
            try ada.run(["push"], cwd: adaDir).succeeded()
            s = try Self.status(ada, adaDir)
            #expect(s.models["fraud"]?["state"] as? String == "up-to-date")
            #expect(s.models["fraud"]?["ahead"] as? Int == 0 && s.models["fraud"]?["behind"] as? Int == 0)
            #expect(try ada.run(["status"], cwd: adaDir).succeeded().stdout.contains("fraud: up to date"))

            try bob.run(["clone", "-q", shared, bobDir]).succeeded()
            #expect(try Self.status(bob, bobDir).models["fraud"]?["state"] as? String == "up-to-date")

            // Ada: a version, a tag and a promotion, not pushed yet.
            try Self.register(ada, adaDir, "fraud", seed: 2)
            try ada.run(["tag", "fraud@2", "best"], cwd: adaDir).succeeded()
            try ada.run(["promote", "fraud@2", "production", "--reason", "better"], cwd: adaDir).succeeded()
            s = try Self.status(ada, adaDir)
            let fraud = try #require(s.models["fraud"])
            #expect(fraud["state"] as? String == "ahead" && fraud["ahead"] as? Int == 1 && fraud["ahead_moves"] as? Int == 2)
            #expect((fraud["ahead_events"] as? [[String: Any]])?.map { $0["action"] as? String } == ["register", "tag", "promote"])
            let human = try ada.run(["status", "fraud"], cwd: adaDir).succeeded()
            #expect(human.stdout.contains("fraud: 1 version and 2 moves to push"), "\(human)")
            #expect(human.stdout.contains("to push: promote v2 to production by Ada <ada@example.com>"), "\(human)")

            // Status never contacts the remote: with the remote gone it still answers.
            try FileManager.default.moveItem(atPath: shared, toPath: "\(shared)-away")
            #expect(try Self.status(ada, adaDir).models["fraud"]?["ahead"] as? Int == 1)
            try FileManager.default.moveItem(atPath: "\(shared)-away", toPath: shared)

            try ada.run(["push"], cwd: adaDir).succeeded()
            #expect(try Self.status(ada, adaDir).models["fraud"]?["state"] as? String == "up-to-date")
            // Bob has not fetched: as far as he knows he is up to date. After a fetch he is behind.
            #expect(try Self.status(bob, bobDir).models["fraud"]?["state"] as? String == "up-to-date")
            try bob.run(["fetch"], cwd: bobDir).succeeded()
            s = try Self.status(bob, bobDir)
            #expect(s.models["fraud"]?["state"] as? String == "behind")
            #expect(s.models["fraud"]?["behind"] as? Int == 1 && s.models["fraud"]?["behind_moves"] as? Int == 2)
            #expect(try bob.run(["status"], cwd: bobDir).succeeded().stdout.contains("fraud: 1 version and 2 moves to pull"))

            // Bob registers his own: diverged. Pull replays it; then it is ahead, and push settles it.
            try Self.register(bob, bobDir, "fraud", seed: 3)
            s = try Self.status(bob, bobDir)
            #expect(s.models["fraud"]?["state"] as? String == "diverged")
            #expect(s.models["fraud"]?["ahead"] as? Int == 1 && s.models["fraud"]?["behind"] as? Int == 1)
            try bob.run(["pull"], cwd: bobDir).succeeded()
            s = try Self.status(bob, bobDir)
            #expect(s.models["fraud"]?["state"] as? String == "ahead" && s.models["fraud"]?["ahead"] as? Int == 1)
            #expect(s.models["fraud"]?["behind"] as? Int == 0)
            try bob.run(["push"], cwd: bobDir).succeeded()
            #expect(try Self.status(bob, bobDir).models["fraud"]?["state"] as? String == "up-to-date")

            // A model only fetched is "not-local"; MODEL narrows the answer; unknown models are not found.
            try Self.register(ada, adaDir, "ranker", seed: 4)
            try ada.run(["push", "origin", "ranker"], cwd: adaDir).succeeded()
            try bob.run(["fetch"], cwd: bobDir).succeeded()
            s = try Self.status(bob, bobDir, ["ranker"])
            #expect(Array(s.models.keys) == ["ranker"] && s.models["ranker"]?["state"] as? String == "not-local")
            #expect(s.models["ranker"]?["behind"] as? Int == 1 && s.models["ranker"]?["local"] is NSNull)
            #expect(try bob.run(["status", "nosuch"], cwd: bobDir).status == 2)

            // Several remotes and none named origin: name one.
            try bob.run(["remote", "remove", "origin"], cwd: bobDir).succeeded()
            try bob.run(["remote", "add", "team", shared], cwd: bobDir).succeeded()
            try bob.run(["remote", "add", "backup", "\(tmp)/backup"], cwd: bobDir).succeeded()
            let ambiguous = try bob.run(["status"], cwd: bobDir)
            #expect(ambiguous.status == 2 && ambiguous.stderrIsOneLine, "\(ambiguous)")
            // A remote never fetched from: every local model is not on it.
            s = try Self.status(bob, bobDir, ["--remote", "team"])
            #expect(s.remote == "team" && s.models["fraud"]?["state"] as? String == "not-on-remote")
        }
    }

    // MARK: tags and stages

    @Test func aTagCannotBeNamedLikeAStageNorAStageLikeATag() throws {
        try withStore { mreg, dir in
            try Self.register(mreg, dir, "fraud", seed: 1)
            try mreg.run(["tag", "fraud@1", "best"], cwd: dir).succeeded()
            try mreg.run(["list"], cwd: dir).succeeded()

            // A tag named like a configured stage: refused as a bad name, with or without -f, and by register --tag.
            for args in [["tag", "fraud@1", "production"], ["tag", "-f", "fraud@1", "staging"]] {
                let r = try ExitCodeTests.expectFailure(mreg, dir, args, status: 64, mentioning: "invalid tag name")
                #expect(r.stderr.contains("it is a stage"), "\(r)")
            }
            try writeFile("\(dir)/w2.bin", randomBytes(2048, seed: 2))
            try ExitCodeTests.expectFailure(mreg, dir, ["register", "fraud", "w2.bin", "--tag", "archived"], status: 64, mentioning: "it is a stage")

            // A new stage named like an existing tag: refused, naming the model and the tag; config unchanged.
            let r = try ExitCodeTests.expectFailure(mreg, dir, ["config", "registry.stages", "development,staging,production,best"],
                                                    status: 64, mentioning: "invalid stage name 'best'")
            #expect(r.stderr.contains("fraud has a tag of that name") && r.stderr.contains("mreg tag -d fraud best"), "\(r)")
            #expect(try mreg.run(["config", "registry.stages"], cwd: dir).status == 1)
            // The user's list is checked against the store here when the store has none of its own.
            let global = try mreg.run(["config", "--global", "registry.stages", "dev,best"], cwd: dir)
            #expect(global.status == 64 && global.stderr.contains("fraud has a tag"), "\(global)")
            #expect(try mreg.run(["config", "--global", "registry.stages"], cwd: dir).status == 1)

            // Other lists are fine; then the new stage is no tag name either.
            try mreg.run(["config", "registry.stages", "development,staging,production,archived,qa"], cwd: dir).succeeded()
            try ExitCodeTests.expectFailure(mreg, dir, ["tag", "fraud@1", "qa"], status: 64, mentioning: "it is a stage")
            // A stage the model's history holds stays reserved after it leaves the list.
            try mreg.run(["promote", "fraud@1", "qa", "--reason", "x"], cwd: dir).succeeded()
            try mreg.run(["config", "registry.stages", "development,staging,production,archived"], cwd: dir).succeeded()
            try ExitCodeTests.expectFailure(mreg, dir, ["tag", "fraud@1", "qa"], status: 64, mentioning: "it is a stage")
            // Deleting the tag frees the name for a stage.
            try mreg.run(["tag", "-d", "fraud", "best"], cwd: dir).succeeded()
            try mreg.run(["config", "registry.stages", "development,staging,production,best"], cwd: dir).succeeded()
            // Unsetting the list brings the defaults back: refused while a tag has one of their names.
            try mreg.run(["tag", "fraud@1", "archived"], cwd: dir).succeeded()
            try ExitCodeTests.expectFailure(mreg, dir, ["config", "--unset", "registry.stages"], status: 64, mentioning: "invalid stage name 'archived'")
            try mreg.run(["tag", "-d", "fraud", "archived"], cwd: dir).succeeded()
            try mreg.run(["config", "--unset", "registry.stages"], cwd: dir).succeeded()
        }
    }

    // MARK: .gitignore

    @Test(.enabled(if: Tools.git != nil, "needs git"))
    func initKeepsTheStoreOutOfGit() throws {
        try withMreg { mreg, work in
            let git = Tools.git!
            func repo(_ name: String, gitignore: String? = nil) throws -> String {
                let path = "\(work)/\(name)"
                try mreg.runProgram(git, ["init", "-q", path]).succeeded()
                if let gitignore { try writeFile("\(path)/.gitignore", gitignore) }
                return path
            }
            func ignoreFile(_ path: String) -> String? {
                (try? readFile("\(path)/.gitignore")).map { String(decoding: $0, as: UTF8.self) }
            }

            // Created when missing, said in one line; git then sees no store files.
            let fresh = try repo("fresh")
            let made = try mreg.run(["init"], cwd: fresh).succeeded()
            #expect(ignoreFile(fresh) == ".mreg/\n")
            #expect(made.lines.count == 2 && made.lines[1].contains(".gitignore"), "\(made)")
            let status = try mreg.runProgram(git, ["status", "--porcelain", "--untracked-files=all"], cwd: fresh).succeeded()
            #expect(status.stdout == "?? .gitignore\n", "\(status)")
            // Again: no second line, nothing said.
            let again = try mreg.run(["init"], cwd: fresh).succeeded()
            #expect(ignoreFile(fresh) == ".mreg/\n" && again.lines.count == 1, "\(again)")

            // Appended after a last line without its newline; a store in a subfolder uses the top-level file.
            let appended = try repo("appended", gitignore: "build/\n*.log")
            try FileManager.default.createDirectory(atPath: "\(appended)/models", withIntermediateDirectories: true)
            try mreg.run(["init", "-q", "models"], cwd: appended).succeeded()
            #expect(ignoreFile(appended) == "build/\n*.log\n.mreg/\n")
            #expect(!FileManager.default.fileExists(atPath: "\(appended)/models/.gitignore"))

            // Already ignored (by another pattern): left alone, byte for byte.
            let ignored = try repo("ignored", gitignore: "# stores\n.mreg\n")
            let quiet = try mreg.run(["init"], cwd: ignored).succeeded()
            #expect(ignoreFile(ignored) == "# stores\n.mreg\n" && quiet.lines.count == 1)

            // Listed but overridden by a later rule: left alone, with a warning.
            let negated = try repo("negated", gitignore: ".mreg/\n!.mreg/\n")
            let warned = try mreg.run(["init", "-q"], cwd: negated).succeeded()
            #expect(ignoreFile(negated) == ".mreg/\n!.mreg/\n")
            #expect(warned.stderr.hasPrefix("mreg: warning: ") && warned.stderr.contains("does not ignore"), "\(warned)")

            // --no-gitignore skips it; outside a work tree nothing happens.
            let skipped = try repo("skipped")
            try mreg.run(["init", "--no-gitignore"], cwd: skipped).succeeded()
            #expect(ignoreFile(skipped) == nil)
            let plain = "\(work)/plain"
            try mreg.run(["init", "-q", plain]).succeeded()
            #expect(ignoreFile(plain) == nil)

            // clone into a work tree does the same.
            let cloneInto = try repo("clone-into")
            let cloned = try mreg.run(["clone", plain, "\(cloneInto)/registry"]).succeeded()
            #expect(ignoreFile(cloneInto) == ".mreg/\n", "\(cloned)")
            #expect(cloned.stdout.contains("Created \(cloneInto)/.gitignore"), "\(cloned)")
        }
    }
}

extension MregRunner {
    /// This runner with `overrides` in its environment (a nil value removes a variable).
    func with(_ overrides: [String: String?]) -> MregRunner {
        var copy = self
        copy.environment = merged(overrides)
        return copy
    }
}
