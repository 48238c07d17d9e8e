import Foundation
import MregTestSupport
import MregStore
import Testing

/// `mreg register` on hostile inputs: symbolic links, names that are not UTF-8, paths that
/// conflict, params that are ambiguous or too large; crafted manifests through every reader.
/// Each refusal is one line with its exit code, and leaves the store byte-identical.
@Suite struct HostileInputTests {
    static func link(_ path: String, _ target: String) throws {
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: target)
    }

    /// Runs `args` expecting a refusal with `status`, one line on stderr containing `text`, and no change to `.mreg`.
    @discardableResult
    static func refused(_ mreg: MregRunner, _ dir: String, _ args: [String], status: Int32, _ text: String...) throws -> RunResult {
        let before = snapshot("\(dir)/.mreg")
        let r = try mreg.run(args, cwd: dir)
        #expect(r.status == status, "\(r)")
        #expect(r.stderrIsOneLine, "\(r)")
        for t in text { #expect(r.stderr.contains(t), "expected '\(t)' in \(r)") }
        #expect(differences(before, snapshot("\(dir)/.mreg")).isEmpty, "\(r)")
        return r
    }

    static func readLink(_ path: String) -> String? { try? FileManager.default.destinationOfSymbolicLink(atPath: path) }

    // MARK: symbolic links

    @Test func linksInsideAreStoredAsLinksAndExportedAsLinks() throws {
        try withStore { mreg, dir in
            try writeFile("\(dir)/run/weights/model.bin", randomBytes(3000))
            try writeFile("\(dir)/run/config.json", "{}")
            try Self.link("\(dir)/run/current", "weights/model.bin")
            try Self.link("\(dir)/run/latest", "weights")
            try Self.link("\(dir)/run/weights/up", "..")
            try Self.link("\(dir)/run/dangling", "not-yet-written.bin")
            try mreg.run(["register", "m", "run"], cwd: dir).succeeded()
            let ls = try mreg.run(["ls-files", "m@1"], cwd: dir).succeeded()
            #expect(ls.lines.filter { $0.hasPrefix("120000 ") }.count == 4, "\(ls)")
            let show = try mreg.run(["show", "m@1"], cwd: dir).succeeded()
            #expect(show.stdout.contains("symbolic link -> weights/model.bin"))

            try mreg.run(["export", "m@1", "out"], cwd: dir).succeeded()
            #expect(Self.readLink("\(dir)/out/current") == "weights/model.bin")
            #expect(Self.readLink("\(dir)/out/latest") == "weights")
            #expect(Self.readLink("\(dir)/out/weights/up") == "..")
            #expect(Self.readLink("\(dir)/out/dangling") == "not-yet-written.bin")
            #expect(try readFile("\(dir)/out/current") == randomBytes(3000))
            #expect(differences(snapshot("\(dir)/run"), snapshot("\(dir)/out")).isEmpty)
            // A second export with --force replaces the links themselves, writing through none.
            try FileManager.default.createDirectory(atPath: "\(dir)/victim", withIntermediateDirectories: true)
            try FileManager.default.removeItem(atPath: "\(dir)/out/dangling")
            try Self.link("\(dir)/out/dangling", "../victim/x")
            try mreg.run(["export", "m@1", "out", "--force"], cwd: dir).succeeded()
            #expect(Self.readLink("\(dir)/out/dangling") == "not-yet-written.bin")
            #expect(try FileManager.default.contentsOfDirectory(atPath: "\(dir)/victim").isEmpty)

            try mreg.run(["verify"], cwd: dir).succeeded()
            let fsck = try mreg.run(["fsck", "--no-dangling"], cwd: dir)
            #expect(fsck.status == 0, "\(fsck)")
            // A link retargeted is a change; the same folder again is the same version.
            #expect(try mreg.run(["register", "m", "run"], cwd: dir).succeeded().stdout.contains("already registered"))
            try FileManager.default.removeItem(atPath: "\(dir)/run/latest")
            try Self.link("\(dir)/run/latest", "config.json")
            try mreg.run(["register", "m", "run"], cwd: dir).succeeded()
            let diff = try mreg.run(["diff", "m@1", "m@2"], cwd: dir).succeeded()
            #expect(diff.stdout.contains("link to weights") && diff.stdout.contains("link to config.json"), "\(diff)")
        }
    }

    @Test(arguments: ["../secrets", "/etc", "weights/../../secrets"])
    func aLinkLeadingOutsideIsRefused(_ target: String) throws {
        try withStore { mreg, dir in
            try writeFile("\(dir)/secrets/key", "secret")
            try writeFile("\(dir)/run/weights/model.bin", "w")
            try Self.link("\(dir)/run/leak", target)
            let r = try Self.refused(mreg, dir, ["register", "m", "run"], status: 64,
                                     "cannot register 'run/leak': it is a symbolic link to '\(target)', outside the registered folder", "--dereference")
            #expect(!r.stderr.contains("secret\n"))
        }
    }

    @Test func dereferenceStoresWhatLinksPointTo() throws {
        try withStore { mreg, dir in
            try writeFile("\(dir)/shared/vocab.txt", "a\nb\n")
            try writeFile("\(dir)/run/model.bin", "w")
            try Self.link("\(dir)/run/vocab", "../shared")
            try mreg.run(["register", "m", "run", "--dereference"], cwd: dir).succeeded()
            let ls = try mreg.run(["ls-files", "m@1"], cwd: dir).succeeded()
            #expect(ls.lines.count == 2 && ls.lines.allSatisfy { $0.hasPrefix("100644 ") } && ls.stdout.contains("vocab/vocab.txt"), "\(ls)")
        }
    }

    @Test func selfReferencingLinksNeverLoop() throws {
        try withStore { mreg, dir in
            try writeFile("\(dir)/run/model.bin", "w")
            for name in ["a", "b", "c", "d", "e", "f", "g", "h"] { try Self.link("\(dir)/run/\(name)", ".") }
            let start = Date()
            try mreg.run(["register", "m", "run"], cwd: dir).succeeded()
            #expect(try mreg.run(["ls-files", "m@1"], cwd: dir).succeeded().lines.count == 9)
            // Followed, they are a loop: refused at once, naming the first one.
            try Self.refused(mreg, dir, ["register", "m2", "run", "--dereference"], status: 64, "run/a", "loop")
            #expect(Date().timeIntervalSince(start) < 30)
        }
    }

    // MARK: names and paths

    @Test func aNameThatIsNotUTF8IsRefused() throws {
        try withStore { mreg, dir in
            try writeFile("\(dir)/run/model.bin", "w")
            let bad = Array("\(dir)/run/caf".utf8) + [0xE9] + Array(".txt".utf8) + [0]
            let fd = bad.withUnsafeBufferPointer { p in p.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_CREAT | O_WRONLY, 0o644) } }
            #expect(fd >= 0)
            close(fd)
            try Self.refused(mreg, dir, ["register", "m", "run"], status: 64, "run/caf\\xE9.txt", "not UTF-8")
        }
    }

    @Test func aPathTooLongIsRefused() throws {
        try withStore { mreg, dir in
            try writeFile("\(dir)/run/model.bin", "w")
            let name = String(repeating: "d", count: 250)
            var fd = open("\(dir)/run", O_RDONLY | O_DIRECTORY)
            for _ in 0..<17 {
                mkdirat(fd, name, 0o755)
                let next = openat(fd, name, O_RDONLY | O_DIRECTORY)
                close(fd)
                fd = next
            }
            close(openat(fd, "f", O_CREAT | O_WRONLY, 0o644))
            close(fd)
            try Self.refused(mreg, dir, ["register", "m", "run"], status: 64, "longer than 4095 bytes")
        }
    }

    @Test func aFileAndAFolderAtTheSamePathAreRefused() throws {
        try withStore { mreg, dir in
            try writeFile("\(dir)/x", "a file")
            try writeFile("\(dir)/run/x/y", "a file in a folder x")
            try Self.refused(mreg, dir, ["register", "m", "x", "run"], status: 64, "run/x/y", "'x' is a file")
        }
    }

    // MARK: files that change while read

    /// A large file rewritten in place over and over while it is registered: each register either
    /// makes a version that verifies, or is refused (exit 3) without moving a ref. (The refusal
    /// itself is forced deterministically in IngestChangeTests through `Ingester.readHook`.)
    @Test func aFileRewrittenDuringRegisterNeverGivesAWrongVersion() throws {
        try withStore { mreg, dir in
            try mreg.run(["config", "core.chunkThreshold", "64k"], cwd: dir).succeeded()
            try mreg.run(["config", "core.chunkSize", "64k"], cwd: dir).succeeded()
            try writeFile("\(dir)/big.bin", randomBytes(4 << 20))
            let writer = Process()
            writer.executableURL = URL(fileURLWithPath: "/bin/sh")
            writer.arguments = ["-c", "while :; do dd if=/dev/urandom of=big.bin bs=64k count=64 conv=notrunc status=none; done"]
            writer.currentDirectoryURL = URL(fileURLWithPath: dir)
            try writer.run()
            defer { if writer.isRunning { writer.terminate(); writer.waitUntilExit() } }
            var refused = 0
            for i in 0..<4 {
                let refs = snapshot("\(dir)/.mreg/refs")
                let r = try mreg.run(["register", "m\(i)", "big.bin"], cwd: dir)
                if r.status == 0 { continue }
                refused += 1
                #expect(r.status == 3 && r.stderrIsOneLine, "\(r)")
                #expect(r.stderr.contains("'big.bin' changed while it was being read; register again when it is stable"), "\(r)")
                #expect(differences(refs, snapshot("\(dir)/.mreg/refs")).isEmpty)
            }
            writer.terminate()
            writer.waitUntilExit()
            let verify = try mreg.run(["verify"], cwd: dir)
            #expect(verify.status == 0 || refused == 4, "\(verify)")
            let fsck = try mreg.run(["fsck", "--no-dangling"], cwd: dir)
            #expect(fsck.status == 0, "\(fsck)")
        }
    }

    // MARK: crafted manifests

    /// Writes a manifest with files at `paths` and a first event naming it; returns the manifest id.
    static func craft(_ mreg: MregRunner, _ dir: String, model: String, paths: [String]) throws -> String {
        try writeFile("\(dir)/blob", "x")
        let blob = try mreg.run(["hash-object", "-w", "blob"], cwd: dir).succeeded().output
        let digest = "sha256:2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"
        let entries = paths.map { path in
            #"{"details":null,"digest":"\#(digest)","format":null,"mode":"100644","object":"\#(blob)","path":"\#(path)","size":1}"#
        }
        let manifest = #"{"base":null,"card":null,"datasets":[],"files":[\#(entries.joined(separator: ","))],"message":"","metrics":{},"model":"\#(model)","params":{},"provenance":{},"schema":"mreg.manifest/1"}"#
        let m = try mreg.run(["hash-object", "-w", "-t", "manifest", "--stdin"], cwd: dir, stdin: Array(manifest.utf8)).succeeded().output
        let event = #"{"action":"register","actor":"x","manifest":"\#(m)","model":"\#(model)","parent":null,"schema":"mreg.event/1","seq":1,"time":"2026-01-01T00:00:00Z","version":1}"#
        let e = try mreg.run(["hash-object", "-w", "-t", "event", "--stdin"], cwd: dir, stdin: Array(event.utf8)).succeeded().output
        try mreg.run(["update-ref", "refs/models/\(model)/head", e, ""], cwd: dir).succeeded()
        return m
    }

    @Test(arguments: [["a", "a/b"], ["a", "a"], ["ok", "../evil"], ["sub/./x"]])
    func aManifestWithConflictingOrUnsafePathsIsRefusedEverywhere(_ paths: [String]) throws {
        try withStore { mreg, dir in
            let m = try Self.craft(mreg, dir, model: "evil", paths: paths)
            let short = String(m.prefix(8))
            try Self.refused(mreg, dir, ["export", "evil@1", "target"], status: 4, "manifest \(short)")
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/target/a"))
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/evil"))
            let verify = try mreg.run(["verify"], cwd: dir)
            #expect(verify.status == 1 && verify.stdout.contains(short), "\(verify)")
            let fsck = try mreg.run(["fsck", "--no-dangling"], cwd: dir)
            #expect(fsck.status == 4 && fsck.stdout.contains("manifest \(short)"), "\(fsck)")
            let show = try mreg.run(["show", "evil@1"], cwd: dir)
            #expect(show.status == 4 && show.stderrIsOneLine && show.stderr.contains("manifest \(short)"), "\(show)")
        }
    }

    // MARK: params and metrics

    @Test func paramsThatFlattenToTheSameKeyAreRefused() throws {
        try withStore { mreg, dir in
            try writeFile("\(dir)/m.bin", "w")
            try writeFile("\(dir)/p.json", #"{"a.b": 1, "a": {"b": 2}}"#)
            try Self.refused(mreg, dir, ["register", "m", "m.bin", "--params", "p.json"], status: 64, "p.json", "'a → b' and 'a.b' both flatten to 'a.b'")
        }
    }

    @Test func yamlDuplicateKeysAreRefused() throws {
        try withStore { mreg, dir in
            try writeFile("\(dir)/m.bin", "w")
            try writeFile("\(dir)/p.yaml", "lr: 0.1\nepochs: 3\nlr: 0.2\n")
            try Self.refused(mreg, dir, ["register", "m", "m.bin", "--params", "p.yaml"], status: 64, "p.yaml", "'lr'", "more than once", "line 1")
            // Keys that YAML tells apart (a number, a text) but that are the same name once read.
            try writeFile("\(dir)/q.yaml", "opt:\n  1: a\n  '1': b\n")
            try Self.refused(mreg, dir, ["register", "m", "m.bin", "--params", "q.yaml"], status: 64, "q.yaml", "'opt.1'", "line 3", "twice")
        }
    }

    @Test(arguments: ["nan", "inf", "-inf", "+nan"])
    func tomlNaNAndInfinityAreRefused(_ value: String) throws {
        try withStore { mreg, dir in
            try writeFile("\(dir)/m.bin", "w")
            try writeFile("\(dir)/p.toml", "[opt]\nlr = \(value)\n")
            try Self.refused(mreg, dir, ["register", "m", "m.bin", "--params", "p.toml"], status: 64, "p.toml", "'opt.lr'", "JSON")
        }
    }

    @Test func paramsBeyondTheLimitsAreRefused() throws {
        try withStore { mreg, dir in
            try writeFile("\(dir)/m.bin", "w")
            try writeFile("\(dir)/deep.json", "{\"a\":" + String(repeating: "[", count: 150) + String(repeating: "]", count: 150) + "}")
            try Self.refused(mreg, dir, ["register", "m", "m.bin", "--params", "deep.json"], status: 64, "'a' nests", "100 deep")
            try writeFile("\(dir)/deep.yaml", "a: " + String(repeating: "[", count: 150) + String(repeating: "]", count: 150) + "\n")
            try Self.refused(mreg, dir, ["register", "m", "m.bin", "--params", "deep.yaml"], status: 64, "100 deep")
            try writeFile("\(dir)/key.json", "{\"\(String(repeating: "k", count: 1100))\": 1}")
            try Self.refused(mreg, dir, ["register", "m", "m.bin", "--params", "key.json"], status: 64, "longer than 1024 bytes")
            try writeFile("\(dir)/text.json", "{\"t\": \"\(String(repeating: "x", count: (1 << 20) + 1))\"}")
            try Self.refused(mreg, dir, ["register", "m", "m.bin", "--params", "text.json"], status: 64, "'t'", "1 MiB")
            // 64 MiB and one byte: refused before it is parsed.
            let big = "\(dir)/big.json"
            #expect(FileManager.default.createFile(atPath: big, contents: nil))
            let h = try #require(FileHandle(forWritingAtPath: big))
            try h.truncate(atOffset: UInt64(64 << 20) + 1)
            try h.close()
            try Self.refused(mreg, dir, ["register", "m", "m.bin", "--params", "big.json"], status: 64, "larger than 64 MiB")
        }
    }

    @Test func whatRegisterAcceptsEveryCommandCanRead() throws {
        try withStore { mreg, dir in
            try writeFile("\(dir)/m.bin", "w")
            // At the limits: 99 levels of lists, a 1024-byte key, 1 MiB of text.
            let nested = String(repeating: "[", count: 99) + "1" + String(repeating: "]", count: 99)
            let key = String(repeating: "k", count: 1024)
            try writeFile("\(dir)/p.json", "{\"deep\": \(nested), \"\(key)\": 1, \"text\": \"\(String(repeating: "x", count: 1 << 20))\"}")
            try mreg.run(["register", "m", "m.bin", "--params", "p.json"], cwd: dir).succeeded()
            for args in [["list"], ["search", "params.text LIKE 'x%'"], ["search", "model = 'm'"], ["verify"], ["show", "m@1", "--json"], ["log", "m"]] {
                let r = try mreg.run(args, cwd: dir)
                #expect(r.status == 0, "\(r)")
            }
        }
    }
}
