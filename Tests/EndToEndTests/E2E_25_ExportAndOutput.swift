import Foundation
import MregTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Export and cat never hand out unverified or wrong bytes, export is all or nothing and cleans
/// up after exports that died, and every command's output failure is an error.
@Suite struct ExportAndOutputTests {
    /// A store whose files of 64 KiB and more are chunked (32 KiB chunks).
    static func chunkedStore(_ mreg: MregRunner, _ dir: String) throws {
        try mreg.run(["config", "core.chunkThreshold", "64k"], cwd: dir).succeeded()
        try mreg.run(["config", "core.chunkSize", "32k"], cwd: dir).succeeded()
    }

    /// Makes model `name` with one version whose manifest is `manifest` (JSON), by hand.
    static func craftVersion(_ mreg: MregRunner, _ dir: String, name: String, manifest: String) throws {
        let m = try mreg.run(["hash-object", "-w", "-t", "manifest", "--stdin"], cwd: dir, stdin: Array(manifest.utf8)).succeeded().output
        let event = """
            {"action":"register","actor":"x","manifest":"\(m)","model":"\(name)","parent":null,"schema":"mreg.event/1","seq":1,"time":"2026-01-01T00:00:00Z","version":1}
            """
        let e = try mreg.run(["hash-object", "-w", "-t", "event", "--stdin"], cwd: dir, stdin: Array(event.utf8)).succeeded().output
        try mreg.run(["update-ref", "refs/models/\(name)/head", e, ""], cwd: dir).succeeded()
    }

    /// The manifest of `revision` (`cat-file -p` prints it), changed by `edit`, as JSON text.
    static func editedManifest(_ mreg: MregRunner, _ dir: String, _ revision: String,
                               _ edit: (inout [String: Any]) throws -> Void) throws -> String {
        let text = try mreg.run(["cat-file", "-p", revision], cwd: dir).succeeded().stdout
        var manifest = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        try edit(&manifest)
        let data = try JSONSerialization.data(withJSONObject: manifest, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    /// Runs `mreg ARGS` through sh with `redirect` appended (`> /dev/full`, `| head -c 1`).
    static func shell(_ mreg: MregRunner, _ dir: String, _ args: [String], _ redirect: String) throws -> RunResult {
        let quoted = args.map { "'\($0)'" }.joined(separator: " ")
        return try mreg.runProgram("/bin/bash", ["-c", "\"$0\" \(quoted) \(redirect); exit ${PIPESTATUS[0]}", mreg.binary], cwd: dir)
    }

    @Test func aChunkedFileWhoseChunksDoNotMatchItsDigestIsNeitherExportedNorCatted() throws {
        try withStore { mreg, dir in
            try Self.chunkedStore(mreg, dir)
            let good = randomBytes(200_000, seed: 3)
            try writeFile("\(dir)/m/model.bin", good)
            try mreg.run(["register", "m", "m"], cwd: dir).succeeded()
            // The same chunks under another digest: what a file rewritten while registered leaves.
            var digest = ""
            let wrong = "sha256:" + String(repeating: "ab", count: 32)
            let manifest = try Self.editedManifest(mreg, dir, "m@1") { m in
                var files = try #require(m["files"] as? [[String: Any]])
                digest = try #require(files.first?["digest"] as? String)
                files[0]["digest"] = wrong
                m["files"] = files
                m["model"] = "bad"
            }
            try Self.craftVersion(mreg, dir, name: "bad", manifest: manifest)

            try writeFile("\(dir)/target/keep.txt", "mine")
            let before = snapshot("\(dir)/target")
            let r = try mreg.run(["export", "bad@1", "target"], cwd: dir)
            #expect(r.status == 4 && r.stderrIsOneLine, "\(r)")
            #expect(r.stderr.contains("bad@v1") && r.stderr.contains("model.bin"), "\(r)")
            #expect(r.stderr.contains(digest) && r.stderr.contains(wrong), "\(r)")
            #expect(differences(before, snapshot("\(dir)/target")).isEmpty)
            // Into a folder that did not exist: not even the folder is left.
            #expect(try mreg.run(["export", "bad@1", "fresh/out"], cwd: dir).status == 4)
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/fresh"))

            let c = try mreg.run(["cat", "bad@1", "model.bin"], cwd: dir)
            #expect(c.status == 4 && c.stdoutBytes.isEmpty && c.stderrIsOneLine, "\(c)")
            // The good version still exports and cats byte for byte.
            try mreg.run(["export", "m@1", "good"], cwd: dir).succeeded()
            #expect(try readFile("\(dir)/good/model.bin") == good)
            #expect(try mreg.run(["cat", "m@1", "model.bin"], cwd: dir).succeeded().stdoutBytes == good)
        }
    }

    @Test func catOfADamagedObjectWritesNothing() throws {
        try withStore { mreg, dir in
            try Self.chunkedStore(mreg, dir)
            try writeFile("\(dir)/m/small.txt", String(repeating: "a small file\n", count: 200))
            try writeFile("\(dir)/m/large.bin", randomBytes(300_000, seed: 9))
            try mreg.run(["register", "m", "m"], cwd: dir).succeeded()
            let files = try RegisterTests.json(try mreg.run(["ls-files", "m@1", "--json"], cwd: dir).succeeded()) as! [[String: Any]]
            func object(_ path: String) throws -> String {
                try #require(files.first { $0["path"] as? String == path }?["object"] as? String)
            }
            func damage(_ id: String) throws {
                let path = "\(dir)/.mreg/objects/\(id.prefix(2))/\(id.dropFirst(2))"
                var bytes = try readFile(path)
                bytes[bytes.count / 2] ^= 0x55
                chmod(path, 0o644)
                try writeFile(path, bytes)
            }
            let small = try object("small.txt")
            try damage(small)
            let r = try mreg.run(["cat", "m@1", "small.txt"], cwd: dir)
            #expect(r.status == 4 && r.stdoutBytes.isEmpty && r.stderrIsOneLine, "\(r)")
            let p = try mreg.run(["cat-file", "-p", small], cwd: dir)
            #expect(p.status == 4 && p.stdoutBytes.isEmpty, "\(p)")

            // A chunked file with its last chunk damaged: not even the good chunks before it.
            let list = try RegisterTests.json(try mreg.run(["cat-file", "-p", try object("large.bin")], cwd: dir).succeeded()) as! [String: Any]
            let chunks = try #require(list["chunks"] as? [[String: Any]])
            try damage(try #require(chunks.last?["object"] as? String))
            let l = try mreg.run(["cat", "m@1", "large.bin"], cwd: dir)
            #expect(l.status == 4 && l.stdoutBytes.isEmpty && l.stderrIsOneLine, "\(l)")
        }
    }

    @Test(arguments: [["list"], ["show", "m@1"], ["log", "m"], ["ls-files", "m@1"], ["cat", "m@1", "w.bin"],
                      ["cat-file", "-p", "m@1"], ["show-ref"], ["export", "m@1", "out", "--json"], ["--help"], ["--version"]])
    func aFailedWriteToStandardOutputIsAnError(_ args: [String]) throws {
        try withStore { mreg, dir in
            try writeFile("\(dir)/w.bin", randomBytes(100_000, seed: 4))
            try mreg.run(["register", "m", "w.bin"], cwd: dir).succeeded()
            let full = try Self.shell(mreg, dir, args, "> /dev/full")
            #expect(full.status == 5 && full.stderrIsOneLine, "\(full)")
            #expect(full.stderr.contains("cannot write to standard output"), "\(full)")
            let closed = try Self.shell(mreg, dir, args, ">&-")
            #expect(closed.status == 5 && closed.stderrIsOneLine, "\(closed)")
        }
    }

    @Test func aClosedPipeEndsQuietlyAsGitDoes() throws {
        try withStore { mreg, dir in
            try writeFile("\(dir)/big.bin", randomBytes(4 << 20, seed: 5))
            for i in 0..<3 { try writeFile("\(dir)/m/f\(i).txt", "\(i)\n") }
            try mreg.run(["register", "m", "big.bin", "m"], cwd: dir).succeeded()
            // The reader goes away after one byte; mreg dies of SIGPIPE (128 + 13) and says nothing.
            let r = try Self.shell(mreg, dir, ["cat", "m@1", "big.bin"], "| head -c 1 > /dev/null")
            #expect(r.status == 141 && r.stderr.isEmpty, "\(r)")
            // Output that fits the pipe before the reader goes: success, as in git.
            let small = try Self.shell(mreg, dir, ["ls-files", "m@1"], "| head -n 1 > /dev/null")
            #expect((small.status == 0 || small.status == 141) && small.stderr.isEmpty, "\(small)")
        }
    }

    @Test func aManifestWithConflictingPathsLeavesTheTargetAsItWas() throws {
        try withStore { mreg, dir in
            try writeFile("\(dir)/x.bin", "x")
            let blob = try mreg.run(["hash-object", "-w", "x.bin"], cwd: dir).succeeded().output
            let digest = "sha256:2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"
            func entry(_ path: String) -> String {
                "{\"details\":null,\"digest\":\"\(digest)\",\"format\":null,\"mode\":\"100644\",\"object\":\"\(blob)\",\"path\":\"\(path)\",\"size\":1}"
            }
            for (name, paths) in [("nested", ["a", "x", "x/y"]), ("twice", ["a", "x", "x"])] {
                let manifest = """
                    {"base":null,"card":null,"datasets":[],"files":[\(paths.map(entry).joined(separator: ","))],"message":"","metrics":{},"model":"\(name)","params":{},"provenance":{},"schema":"mreg.manifest/1"}
                    """
                try Self.craftVersion(mreg, dir, name: name, manifest: manifest)
                try writeFile("\(dir)/target/keep.txt", "mine")
                let before = snapshot("\(dir)/target")
                let r = try mreg.run(["export", "\(name)@1", "target"], cwd: dir)
                #expect(r.status != 0 && r.stderrIsOneLine, "\(r)")
                #expect(differences(before, snapshot("\(dir)/target")).isEmpty, "\(r)")
            }
        }
    }

    @Test func anExportCleansUpAfterDeadExportsButNotLiveOnes() throws {
        try withStore { mreg, dir in
            try writeFile("\(dir)/m/a.txt", "a")
            try mreg.run(["register", "m", "m"], cwd: dir).succeeded()
            let host = hostName()
            let dead = ".mreg-export-\(Int32.max - 1)@\(host)~dead"
            let live = ".mreg-export-\(getpid())@\(host)~live"
            let remote = ".mreg-export-\(Int32.max - 1)@not-\(host)~other"
            let legacy = ".mreg-export-\(Int32.max - 1)-12345"
            for name in [dead, live, remote, legacy] {
                try writeFile("\(dir)/target/\(name)/tree/big.bin", randomBytes(10_000, seed: 1))
            }
            try mreg.run(["export", "m@1", "target"], cwd: dir).succeeded()
            let left = Set(try FileManager.default.contentsOfDirectory(atPath: "\(dir)/target"))
            #expect(left == [live, remote, legacy, "a.txt"])
        }
    }

    @Test func anExportKilledMidWayIsCleanedUpByTheNext() throws {
        try withStore { mreg, dir in
            try Self.chunkedStore(mreg, dir)
            let big = randomBytes(24 << 20, seed: 6)
            try writeFile("\(dir)/m/big.bin", big)
            try mreg.run(["register", "m", "m"], cwd: dir).succeeded()
            try FileManager.default.createDirectory(atPath: "\(dir)/target", withIntermediateDirectories: true)
            func staging() -> [String] {
                ((try? FileManager.default.contentsOfDirectory(atPath: "\(dir)/target")) ?? []).filter { $0.hasPrefix(".mreg-export-") }
            }
            let export = try mreg.start(["export", "m@1", "target"], cwd: dir)
            // Wait (on the condition, bounded) until it is staging, then kill it.
            let deadline = ContinuousClock.now + .seconds(60)
            while staging().isEmpty && export.isRunning && ContinuousClock.now < deadline { usleep(1000) }
            kill(export.pid, SIGKILL)
            _ = export.wait()
            // Whatever it left (staging, or the file already in place), the next export
            // (without --force) completes and leaves no staging behind.
            try mreg.run(["export", "m@1", "target"], cwd: dir).succeeded()
            #expect(staging().isEmpty)
            #expect(try readFile("\(dir)/target/big.bin") == big)
        }
    }

    @Test func exportingTheSameVersionAgainSucceedsAndAChangedFileIsStillRefused() throws {
        try withStore { mreg, dir in
            try RegisterTests.trainingRun(dir)
            try mreg.run(["register", "fraud", "out"], cwd: dir).succeeded()
            try mreg.run(["export", "fraud@1", "e"], cwd: dir).succeeded()
            // A rerun (after an interrupted export, say) finds the same files and succeeds.
            try mreg.run(["export", "fraud@1", "e"], cwd: dir).succeeded()
            #expect(differences(snapshot("\(dir)/out"), snapshot("\(dir)/e")).isEmpty)
            // Same bytes, different mode: not the same file.
            chmod("\(dir)/e/config.json", 0o755)
            #expect(try mreg.run(["export", "fraud@1", "e"], cwd: dir).status == 3)
        }
    }
}
