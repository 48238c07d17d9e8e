import MregTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The exit-code table of Docs/COMMANDS.md, one command (or a few) per row: the code, one
/// line on stderr, and a store left exactly as it was.
@Suite("E2E 13: exit codes")
struct ExitCodeTests {
    /// A store with `m` v1 (auc 0.9, tagged `best`) and v2 (auc 0.95).
    static func twoVersions(_ mreg: MregRunner, _ dir: String) throws {
        try writeFile("\(dir)/w.bin", randomBytes(4096, seed: 1))
        try mreg.run(["register", "m", "w.bin", "-M", "auc=0.9", "--tag", "best"], cwd: dir).succeeded()
        try writeFile("\(dir)/w.bin", randomBytes(4096, seed: 2))
        try mreg.run(["register", "m", "w.bin", "-M", "auc=0.95"], cwd: dir).succeeded()
        try mreg.run(["list"], cwd: dir).succeeded()  // the index is up to date before snapshots are taken
    }

    /// Runs `args`, which must exit `status` with one line on stderr (`mreg: error: …` containing
    /// `words`) and leave the store byte for byte as it was.
    @discardableResult
    static func expectFailure(_ mreg: MregRunner, _ dir: String, _ args: [String], status: Int32, mentioning words: String,
                              sourceLocation: SourceLocation = #_sourceLocation) throws -> RunResult {
        let before = snapshot("\(dir)/.mreg")
        let r = try mreg.run(args, cwd: dir)
        #expect(r.status == status, "\(r)", sourceLocation: sourceLocation)
        #expect(r.stderrIsOneLine, "\(r)", sourceLocation: sourceLocation)
        #expect(r.stderr.hasPrefix("mreg: error: "), "\(r)", sourceLocation: sourceLocation)
        #expect(r.stderr.contains(words), "\(r)", sourceLocation: sourceLocation)
        #expect(differences(before, snapshot("\(dir)/.mreg")) == [], "\(r)", sourceLocation: sourceLocation)
        return r
    }

    @Test func success() throws {
        try withStore { mreg, dir in
            try Self.twoVersions(mreg, dir)
            let r = try mreg.run(["show", "m@2"], cwd: dir)
            #expect(r.status == 0 && r.stderr.isEmpty, "\(r)")
        }
    }

    @Test func aNegativeAnswerIsOne() throws {
        try withStore { mreg, dir in
            try Self.twoVersions(mreg, dir)
            let before = snapshot("\(dir)/.mreg")
            // The versions differ: 1, with the differences on stdout and nothing on stderr.
            let diff = try mreg.run(["diff", "m@1", "m@2", "--exit-code"], cwd: dir)
            #expect(diff.status == 1 && !diff.stdout.isEmpty && diff.stderr.isEmpty, "\(diff)")
            #expect(try mreg.run(["diff", "m@1", "m@1", "--exit-code"], cwd: dir).status == 0)
            // Nothing found: 1 (config --unset of a missing key too, where git says 5).
            #expect(try mreg.run(["show-ref", "refs/nothing/"], cwd: dir).status == 1)
            #expect(try mreg.run(["config", "no.such"], cwd: dir).status == 1)
            #expect(try mreg.run(["config", "--unset", "no.such"], cwd: dir).status == 1)
            #expect(differences(before, snapshot("\(dir)/.mreg")) == [])
            // The policy would refuse: 1 for the dry run.
            try writeFile("\(dir)/.mreg/policy.toml", "[stages.production]\nrequire = \"metrics.auc >= 0.99\"\n")
            let check = try mreg.run(["policy", "check", "m@2", "production"], cwd: dir)
            #expect(check.status == 1 && check.stdout.contains("refused"), "\(check)")
        }
    }

    @Test func verifyFindingAProblemIsOneWithOneLine() throws {
        try withStore { mreg, dir in
            try Self.twoVersions(mreg, dir)
            let manifestID = try mreg.run(["rev-parse", "m@2"], cwd: dir).succeeded().output
            let manifest = try RegisterTests.json(try mreg.run(["cat-file", "-p", manifestID], cwd: dir).succeeded()) as? [String: Any]
            let file = try #require((manifest?["files"] as? [[String: Any]])?.first?["object"] as? String)
            let path = "\(dir)/.mreg/objects/\(file.prefix(2))/\(file.dropFirst(2))"
            var bytes = try readFile(path)
            bytes[bytes.count / 2] ^= 0x10
            chmod(path, 0o644)
            try writeFile(path, bytes)
            try Self.expectFailure(mreg, dir, ["verify"], status: 1, mentioning: "verification failed: m ")
            // Reading the damaged file is corrupt data: 4.
            try Self.expectFailure(mreg, dir, ["cat", "m@2", "w.bin"], status: 4, mentioning: String(file.prefix(8)))
            try Self.expectFailure(mreg, dir, ["export", "m@2", "out"], status: 4, mentioning: String(file.prefix(8)))
        }
    }

    @Test func notFoundIsTwo() throws {
        try withStore { mreg, dir in
            try Self.twoVersions(mreg, dir)
            let version = try Self.expectFailure(mreg, dir, ["show", "m@9"], status: 2, mentioning: "m has no version 9 (latest: v2)")
            #expect(!version.stderr.contains("\n "))
            try Self.expectFailure(mreg, dir, ["diff", "m@1", "m@9", "--exit-code"], status: 2, mentioning: "no version 9")
            try Self.expectFailure(mreg, dir, ["show", "n"], status: 2, mentioning: "unknown model 'n' (known models: m)")
            try Self.expectFailure(mreg, dir, ["log", "M"], status: 2, mentioning: "did you mean 'm'?")
            try Self.expectFailure(mreg, dir, ["tag", "-d", "m", "nosuch"], status: 2, mentioning: "m has no tag 'nosuch'")
            try Self.expectFailure(mreg, dir, ["cat", "m@1", "nosuch.bin"], status: 2, mentioning: "has no file 'nosuch.bin' (files: w.bin)")
            try Self.expectFailure(mreg, dir, ["remote", "remove", "origin"], status: 2, mentioning: "no remote named 'origin'")
            try Self.expectFailure(mreg, dir, ["push"], status: 2, mentioning: "mreg remote add origin")
            try Self.expectFailure(mreg, dir, ["cat-file", "-p", String(repeating: "ab", count: 32)], status: 2, mentioning: "not found")
        }
    }

    @Test func refusedOrInConflictIsThree() throws {
        try withStore { mreg, dir in
            try Self.twoVersions(mreg, dir)
            // A tag that names another version.
            try Self.expectFailure(mreg, dir, ["tag", "m@2", "best"], status: 3, mentioning: "use -f to move it to v2")
            // The policy.
            try writeFile("\(dir)/.mreg/policy.toml", "[stages.production]\nrequire = \"metrics.auc >= 0.99\"\n")
            try Self.expectFailure(mreg, dir, ["promote", "m@2", "production"], status: 3, mentioning: "policy refuses promoting m v2 to production")
            try FileManager.default.removeItem(atPath: "\(dir)/.mreg/policy.toml")
            // A hook.
            let hook = "\(dir)/.mreg/hooks/pre-promote"
            try writeFile(hook, "#!/bin/sh\necho 'not on a Friday' >&2\nexit 1\n")
            chmod(hook, 0o755)
            try Self.expectFailure(mreg, dir, ["promote", "m@2", "staging"], status: 3, mentioning: "pre-promote hook refused promoting m v2 to staging: not on a Friday")
            try FileManager.default.removeItem(atPath: hook)
            // Someone else moved the ref (compare-and-swap with an old value that is not there).
            let v1 = try mreg.run(["rev-parse", "m@1"], cwd: dir).succeeded().output
            let v2 = try mreg.run(["rev-parse", "m@2"], cwd: dir).succeeded().output
            try Self.expectFailure(mreg, dir, ["update-ref", "refs/models/m/tags/best", v2, v2], status: 3, mentioning: "refs/models/m/tags/best")
            // A lock held by a live process (this one; a dead one's lock would be taken over).
            try writeFile("\(dir)/.mreg/refs/models/m/tags/best.lock", "pid=\(getpid()) host=\(hostName()) time=2025-01-01T00:00:00Z\n")
            try Self.expectFailure(mreg, dir, ["update-ref", "refs/models/m/tags/best", v1], status: 3, mentioning: "is locked by process \(getpid())")
            // The same stuck lock refuses a change of the model before its event is written (not after).
            try Self.expectFailure(mreg, dir, ["promote", "m@1", "staging"], status: 3, mentioning: "is locked by process \(getpid())")
            try writeFile("\(dir)/.mreg/refs/models/m/sync.lock", "pid=\(getpid()) host=\(hostName()) time=2025-01-01T00:00:00Z\n")
            try Self.expectFailure(mreg, dir, ["register", "m", "w.bin"], status: 3, mentioning: "is locked by process \(getpid())")
            try FileManager.default.removeItem(atPath: "\(dir)/.mreg/refs/models/m/sync.lock")
            try FileManager.default.removeItem(atPath: "\(dir)/.mreg/refs/models/m/tags/best.lock")
            // Export would overwrite.
            try writeFile("\(dir)/out/w.bin", "mine")
            try Self.expectFailure(mreg, dir, ["export", "m@2", "out"], status: 3, mentioning: "use --force to overwrite")
            #expect(try readFile("\(dir)/out/w.bin") == Array("mine".utf8))
        }
    }

    @Test func aPushThatIsNotAFastForwardIsThree() throws {
        try withMreg { mreg, work in
            let remote = "\(work)/remote", a = "\(work)/a", b = "\(work)/b"
            for d in [remote, a, b] { try mreg.run(["init", "-q", d], cwd: work).succeeded() }
            for d in [a, b] {
                try mreg.run(["remote", "add", "origin", remote], cwd: d).succeeded()
                try writeFile("\(d)/w.bin", "weights of \(d)")
                try mreg.run(["register", "m", "w.bin"], cwd: d).succeeded()
            }
            try mreg.run(["push"], cwd: a).succeeded()
            let r = try Self.expectFailure(mreg, b, ["push"], status: 3, mentioning: "push of m to origin was refused")
            #expect(r.stderr.contains("not a fast-forward") && r.stderr.contains("run 'mreg pull origin' and push again"), "\(r)")
        }
    }

    @Test func anIOErrorIsFive() throws {
        try withStore { mreg, dir in
            try Self.twoVersions(mreg, dir)
            // No one may create a folder in /proc, not even root.
            try Self.expectFailure(mreg, dir, ["export", "m@2", "/proc/mreg-e2e/out"], status: 5, mentioning: "cannot create the folder '/proc/mreg-e2e/out'")
        }
    }

    @Test func usageAndInvalidInputIsSixtyFour() throws {
        try withStore { mreg, dir in
            try Self.twoVersions(mreg, dir)
            try Self.expectFailure(mreg, dir, ["register", "bad name", "w.bin"], status: 64, mentioning: "invalid model name 'bad name'")
            try Self.expectFailure(mreg, dir, ["register", "m", "w.bin", "-p", "noequals"], status: 64, mentioning: "'noequals' is not KEY=VALUE")
            try Self.expectFailure(mreg, dir, ["search", "metrics.auc >"], status: 64, mentioning: "search: column")
            try Self.expectFailure(mreg, dir, ["search", "stage = 'Production'"], status: 64, mentioning: "did you mean 'production'?")
            try Self.expectFailure(mreg, dir, ["promote", "m@2", "prodution"], status: 64, mentioning: "unknown stage 'prodution'")
            try Self.expectFailure(mreg, dir, ["log", "--until", "yesterday"], status: 64, mentioning: "cannot read the date 'yesterday'")
            // argument-parser's own errors: one line in the house style, with the usage in it.
            try Self.expectFailure(mreg, dir, ["show"], status: 64, mentioning: "missing expected argument '<revision>'; usage: mreg show <revision>")
            try Self.expectFailure(mreg, dir, ["list", "--nosuch"], status: 64, mentioning: "unknown option '--nosuch'; usage: mreg list")
            // A mistyped command gets a suggestion; `help` of an unknown command is an error, not the root help.
            try Self.expectFailure(mreg, dir, ["regster", "m", "w.bin"], status: 64, mentioning: "'regster' is not an mreg command; did you mean 'register'?")
            try Self.expectFailure(mreg, dir, ["help", "nosuch"], status: 64, mentioning: "'nosuch' is not an mreg command")
            let help = try mreg.run(["help", "push"], cwd: dir)
            #expect(help.status == 0 && help.stdout.contains("USAGE: mreg push"), "\(help)")
        }
    }
}
