import Foundation
import MregTestSupport
import Testing
import MregStore

/// Layer 2: refs through `update-ref`, `show-ref` and `rev-parse`, compare-and-swap under
/// lock files, and refusal of bad input without touching the store.
@Suite("E2E 11: refs")
struct RefsE2E {
    /// Writes blobs "1\n", "2\n"… with one `hash-object -w` and returns their ids.
    static func blobs(_ count: Int, _ mreg: MregRunner, in dir: String, tag: String = "") throws -> [String] {
        let names = (1...count).map { "blob\(tag)\($0)" }
        for (i, name) in names.enumerated() { try writeFile("\(dir)/\(name)", "\(tag)\(i + 1)\n") }
        let ids = try mreg.run(["hash-object", "-w"] + names, cwd: dir).succeeded().lines
        for name in names { try FileManager.default.removeItem(atPath: "\(dir)/\(name)") }
        return ids
    }

    static func refFile(_ dir: String, _ ref: String) -> String? {
        (try? readFile("\(dir)/.mreg/\(ref)")).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func updateRefCreatesMovesAndDeletes() throws {
        try withStore { mreg, dir in
            let ids = try Self.blobs(3, mreg, in: dir)
            let ref = "refs/models/fraud/head"
            try mreg.run(["update-ref", ref, ids[0], ""], cwd: dir).succeeded()
            #expect(Self.refFile(dir, ref) == ids[0] + "\n")
            #expect(try mreg.run(["rev-parse", ref], cwd: dir).succeeded().output == ids[0])
            #expect(try mreg.run(["cat-file", "-p", ref], cwd: dir).succeeded().stdout == "1\n")
            // Compare-and-swap with an abbreviated old id.
            try mreg.run(["update-ref", ref, ids[1], String(ids[0].prefix(10))], cwd: dir).succeeded()
            #expect(Self.refFile(dir, ref) == ids[1] + "\n")
            // A stale old value is refused.
            let stale = try mreg.run(["update-ref", ref, ids[2], ids[0]], cwd: dir)
            #expect(stale.status != 0)
            #expect(stale.stderrIsOneLine, "\(stale)")
            #expect(Self.refFile(dir, ref) == ids[1] + "\n")
            // Create-only refuses an existing ref (both spellings of "absent").
            #expect(try mreg.run(["update-ref", ref, ids[2], ""], cwd: dir).status != 0)
            #expect(try mreg.run(["update-ref", ref, ids[2], String(repeating: "0", count: 64)], cwd: dir).status != 0)
            // Without OLD it just moves.
            try mreg.run(["update-ref", ref, ids[2]], cwd: dir).succeeded()
            try mreg.run(["update-ref", "refs/models/fraud/tags/best", ids[0]], cwd: dir).succeeded()
            let show = try mreg.run(["show-ref"], cwd: dir).succeeded()
            #expect(show.lines == ["\(ids[2]) refs/models/fraud/head", "\(ids[0]) refs/models/fraud/tags/best"])
            #expect(try mreg.run(["show-ref", "refs/models/fraud/tags/"], cwd: dir).succeeded().lines.count == 1)
            #expect(try mreg.run(["show-ref", "refs/nothing/"], cwd: dir).status == 1)
            // Delete, checking the old value.
            #expect(try mreg.run(["update-ref", "-d", ref, ids[0]], cwd: dir).status != 0)
            try mreg.run(["update-ref", "-d", ref, ids[2]], cwd: dir).succeeded()
            #expect(Self.refFile(dir, ref) == nil)
            #expect(try mreg.run(["update-ref", "-d", ref], cwd: dir).status != 0)
            #expect(!snapshot("\(dir)/.mreg").keys.contains { $0.contains(".lock") })
        }
    }

    // MARK: racing compare-and-swap

    /// Starts `count` processes at once, each trying to move `ref` from `old` to its own new id.
    static func race(_ mreg: MregRunner, in dir: String, ref: String, old: String, news: [String]) throws -> [RunResult] {
        let running = try news.map { try mreg.start(["update-ref", ref, $0, old], cwd: dir) }
        return running.map { $0.wait() }
    }

    static func checkRace(_ results: [RunResult], news: [String], dir: String, ref: String) throws -> String {
        let winners = results.indices.filter { results[$0].status == 0 }
        #expect(winners.count == 1, "exit codes: \(results.map(\.status))")
        for r in results where r.status != 0 {
            #expect(r.stderrIsOneLine, "\(r)")
            // Either it found the ref moved, or the winner's lock still in place.
            #expect(r.stderr.contains("someone else moved it") || r.stderr.contains("already exists") || r.stderr.contains("lock"),
                    "\(r)")
        }
        let winner = try #require(winners.first)
        // The ref holds exactly the winner's full id and a newline; no lock or temp file is left.
        #expect(refFile(dir, ref) == news[winner] + "\n")
        let leftovers = snapshot("\(dir)/.mreg/refs").keys.filter { $0.contains(".lock") }
        #expect(leftovers.isEmpty, "left behind: \(leftovers)")
        return news[winner]
    }

    @Test func sixteenProcessesRaceOneSwap() throws {
        try withStore { mreg, dir in
            let ref = "refs/tests/race/head"  // not a model head: fsck would want an event chain there
            let base = try Self.blobs(1, mreg, in: dir, tag: "base")[0]
            try mreg.run(["update-ref", ref, base], cwd: dir).succeeded()
            var old = base
            for round in 1...3 {
                let news = try Self.blobs(16, mreg, in: dir, tag: "r\(round)-")
                let results = try Self.race(mreg, in: dir, ref: ref, old: old, news: news)
                old = try Self.checkRace(results, news: news, dir: dir, ref: ref)
            }
            #expect(try mreg.run(["fsck"], cwd: dir).status == 0)
        }
    }

    @Test func sixteenProcessesRaceToCreate() throws {
        try withStore { mreg, dir in
            let ref = "refs/models/created/versions/1"
            let news = try Self.blobs(16, mreg, in: dir, tag: "c")
            let results = try Self.race(mreg, in: dir, ref: ref, old: "", news: news)
            _ = try Self.checkRace(results, news: news, dir: dir, ref: ref)
        }
    }

    // MARK: refused input leaves the store unchanged

    /// Runs `args` expecting a refusal: non-zero exit, one line on stderr, nothing on stdout, the store unchanged.
    static func expectRefusal(_ mreg: MregRunner, in dir: String, _ args: [String], mentioning: String? = nil,
                              sourceLocation: SourceLocation = #_sourceLocation) throws {
        let before = snapshot("\(dir)/.mreg")
        let r = try mreg.run(args, cwd: dir)
        #expect(r.status != 0, "\(r)", sourceLocation: sourceLocation)
        #expect(r.stderrIsOneLine, "\(r)", sourceLocation: sourceLocation)
        #expect(r.stderr.hasPrefix("mreg: error: "), "\(r)", sourceLocation: sourceLocation)
        #expect(r.stdout.isEmpty, "\(r)", sourceLocation: sourceLocation)
        if let mentioning { #expect(r.stderr.contains(mentioning), "\(r)", sourceLocation: sourceLocation) }
        let changed = differences(before, snapshot("\(dir)/.mreg"))
        #expect(changed.isEmpty, "`\(args.joined(separator: " "))` changed \(changed)", sourceLocation: sourceLocation)
    }

    static let badRefNames = [
        "refs/models/a..b/head", "refs/models/x\u{01}y", "refs/models/x\u{7f}", "refs/models/x\ny", "refs/models/.hidden",
        "refs/models/a/.b", "refs/models/x.lock", "refs/models/x.lock/y", "refs/models/x@{1}", "refs/models/x/",
        "refs/models/a b", "refs/models/a~1", "refs/models/a^", "refs/models/a:b", "refs/models/a?", "refs/models/a*",
        "refs/models/a[b", "refs/models/a\\b", "refs/models//a", "refs/models/a.", "models/a/head", "refs/",
    ]

    @Test(arguments: badRefNames)
    func badRefNamesAreRefused(_ name: String) throws {
        try withStore { mreg, dir in
            let id = try Self.blobs(1, mreg, in: dir)[0]
            try mreg.run(["update-ref", "refs/models/a/head", id], cwd: dir).succeeded()
            try Self.expectRefusal(mreg, in: dir, ["update-ref", name, id])
            try Self.expectRefusal(mreg, in: dir, ["update-ref", name, id, ""])
            try Self.expectRefusal(mreg, in: dir, ["update-ref", "-d", name])
            try Self.expectRefusal(mreg, in: dir, ["rev-parse", name])
        }
    }

    @Test(.enabled(if: Tools.git != nil, "git is not installed: this test checks mreg's ref rules against git check-ref-format"))
    func refRulesAgreeWithGit() throws {
        try withMreg { mreg, _ in
            for name in Self.badRefNames where name.hasPrefix("refs/models/") {
                let r = try mreg.runProgram(Tools.git!, ["check-ref-format", name])
                #expect(r.status != 0, "git accepts '\(name)' but mreg refuses it")
            }
            for name in ["refs/models/fraud/head", "refs/models/a-b_c/tags/v1.2", "refs/models/a/b@c", "refs/models/x.lockx"] {
                #expect(RefName.problem(with: name) == nil)
                #expect(try mreg.runProgram(Tools.git!, ["check-ref-format", name]).status == 0, "\(name)")
            }
        }
    }

    @Test func unknownIDsAreRefused() throws {
        try withStore { mreg, dir in
            let ids = try Self.blobs(2, mreg, in: dir)
            let ref = "refs/models/m/head"
            try mreg.run(["update-ref", ref, ids[0]], cwd: dir).succeeded()
            let unknown = String(repeating: "e", count: 64)
            try Self.expectRefusal(mreg, in: dir, ["update-ref", ref, unknown], mentioning: unknown)
            try Self.expectRefusal(mreg, in: dir, ["update-ref", "refs/models/new/head", unknown, ""])
            try Self.expectRefusal(mreg, in: dir, ["update-ref", ref, ids[1], unknown])
            try Self.expectRefusal(mreg, in: dir, ["update-ref", ref, "eeeeeee"])
            try Self.expectRefusal(mreg, in: dir, ["update-ref", ref, "refs/models/none/head"])
            try Self.expectRefusal(mreg, in: dir, ["cat-file", "-p", unknown])
            try Self.expectRefusal(mreg, in: dir, ["cat-file", "-t", "eeee"])
            try Self.expectRefusal(mreg, in: dir, ["rev-parse", unknown])
            try Self.expectRefusal(mreg, in: dir, ["update-ref", "-d", "refs/models/none/head"])
            try Self.expectRefusal(mreg, in: dir, ["hash-object", "-w", "no-such-file"], mentioning: "no-such-file")
        }
    }

    @Test func ambiguousAndShortPrefixesAreRefused() throws {
        try withStore { mreg, dir in
            // The blobs "131\n" and "329\n" both have ids starting with c158.
            try writeFile("\(dir)/a", "131\n")
            try writeFile("\(dir)/b", "329\n")
            let ids = try mreg.run(["hash-object", "-w", "a", "b"], cwd: dir).succeeded().lines
            #expect(ids.map { $0.prefix(4) } == ["c158", "c158"])
            try Self.expectRefusal(mreg, in: dir, ["update-ref", "refs/models/m/head", "c158"], mentioning: "ambiguous")
            try Self.expectRefusal(mreg, in: dir, ["cat-file", "-p", "c158"], mentioning: "ambiguous")
            try Self.expectRefusal(mreg, in: dir, ["rev-parse", "C158"], mentioning: "ambiguous")
            try Self.expectRefusal(mreg, in: dir, ["update-ref", "refs/models/m/head", "c15"], mentioning: "too short")
            try Self.expectRefusal(mreg, in: dir, ["cat-file", "-p", "c1"], mentioning: "too short")
            // One more digit tells them apart.
            #expect(try mreg.run(["rev-parse", "c158a"], cwd: dir).succeeded().output == ids[0])
            #expect(try mreg.run(["rev-parse", "c158d"], cwd: dir).succeeded().output == ids[1])
        }
    }

    @Test func aHeldLockIsRefusedAndLeftInPlace() throws {
        try withStore { mreg, dir in
            let ids = try Self.blobs(2, mreg, in: dir)
            let ref = "refs/models/m/head"
            try mreg.run(["update-ref", ref, ids[0]], cwd: dir).succeeded()
            let lock = "\(dir)/.mreg/\(ref).lock"
            // Held by a running process (this one), then by one on another host.
            for (pid, host) in [(getpid(), hostName()), (Int32.max - 1, "elsewhere.example")] {
                try writeFile(lock, "pid=\(pid) host=\(host) time=2025-01-01T00:00:00Z\n")
                try Self.expectRefusal(mreg, in: dir, ["update-ref", ref, ids[1]], mentioning: lock)
                try Self.expectRefusal(mreg, in: dir, ["update-ref", ref, ids[1], ids[0]], mentioning: "\(pid)")
                try Self.expectRefusal(mreg, in: dir, ["update-ref", "-d", ref], mentioning: host)
                #expect(FileManager.default.fileExists(atPath: lock))
            }
            // Left by a dead process of this host: the next update removes it and goes ahead.
            try writeFile(lock, "pid=\(Int32.max - 1) host=\(hostName()) time=2025-01-01T00:00:00Z\n")
            try mreg.run(["update-ref", ref, ids[1], ids[0]], cwd: dir).succeeded()
            #expect(!FileManager.default.fileExists(atPath: lock))
        }
    }

    @Test func aFailedSwapIsRefusedWithoutTrace() throws {
        try withStore { mreg, dir in
            let ids = try Self.blobs(2, mreg, in: dir)
            try mreg.run(["update-ref", "refs/models/m/head", ids[0]], cwd: dir).succeeded()
            try Self.expectRefusal(mreg, in: dir, ["update-ref", "refs/models/m/head", ids[1], ids[1]], mentioning: "someone else moved it")
            try Self.expectRefusal(mreg, in: dir, ["update-ref", "refs/models/m/head", ids[1], ""], mentioning: "already exists")
            // A new ref in new folders: the folders must not stay behind either.
            try Self.expectRefusal(mreg, in: dir, ["update-ref", "refs/models/new/versions/1", ids[1], ids[0]])
            // A ref and a folder of refs cannot share a name.
            try Self.expectRefusal(mreg, in: dir, ["update-ref", "refs/models/m/head/x", ids[1]])
            try Self.expectRefusal(mreg, in: dir, ["update-ref", "refs/models/m", ids[1]])
        }
    }
}
