import Foundation
import MregTestSupport
import Synchronization
import Testing

/// Crafted refs and objects, one class of damage at a time, run through every command that
/// reads a store: never a signal, never a hang, always a named problem on stderr, an exit code
/// from the documented table, healthy models still usable, nothing written by read-only commands.
///
/// Each store holds a healthy model `good` (v1 in staging, v2 tagged `best`) and a model `bad`
/// (v1, v2) that a test damages.
@Suite("E2E 15: hostile stores")
struct HostileStoreTests {
    /// The exit codes of Docs/COMMANDS.md ("Exit codes").
    static let documentedCodes: Set<Int32> = [0, 1, 2, 3, 4, 5, 64]

    /// A store to damage: its folder and the ids a test needs.
    struct Fixture {
        let mreg: MregRunner
        let dir: String
        var mregDir: String { "\(dir)/.mreg" }
        func refPath(_ ref: String) -> String { "\(mregDir)/\(ref)" }
        func objectPath(_ id: String) -> String { "\(mregDir)/objects/\(id.prefix(2))/\(id.dropFirst(2))" }

        /// Runs mreg under `timeout` (20 s): a hang or a signal fails the test.
        @discardableResult
        func run(_ args: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> RunResult {
            var r = try mreg.runProgram(HostileStoreTests.timeout, ["-s", "KILL", "20", mreg.binary] + args, cwd: dir)
            r.arguments = ["mreg"] + args
            #expect(r.status != 124 && r.status != 137, "hang: \(r)", sourceLocation: sourceLocation)
            #expect(r.status < 128, "killed by a signal: \(r)", sourceLocation: sourceLocation)
            #expect(HostileStoreTests.documentedCodes.contains(r.status), "undocumented exit code: \(r)", sourceLocation: sourceLocation)
            return r
        }

        func revParse(_ name: String) throws -> String { try run(["rev-parse", name]).succeeded().output }

        /// The JSON payload of an object, as text.
        func payload(_ id: String) throws -> String { try run(["cat-file", "-p", id]).succeeded().stdout }

        /// Writes `text` as an object of `type`; returns its id.
        func write(_ type: String, _ text: String) throws -> String {
            try mreg.run(["hash-object", "-w", "-t", type, "--stdin"], cwd: dir, stdin: Array(text.utf8)).succeeded().output
        }

        /// Replaces a ref file's content (bypassing update-ref, as a person or a tool would).
        func setRef(_ ref: String, _ content: String) throws { try writeFile(refPath(ref), content) }

        /// Every file of the store but the index (a cache that reads may refresh) and `refs/verified` (verify's checkpoints).
        func storeSnapshot() -> [String: [UInt8]] {
            snapshot(mregDir).filter { !$0.key.hasPrefix("index/") && !$0.key.hasPrefix("refs/verified/") }
        }
    }

    static let timeout = ["/usr/bin/timeout", "/bin/timeout"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/bin/timeout"

    /// A fresh copy of the template store (`good` and `bad`), damaged by `damage`, index removed
    /// (so reads rebuild it from objects).
    static func withDamagedStore(_ damage: (Fixture) throws -> Void, _ body: (Fixture) throws -> Void) throws {
        let template = try Self.template.get()
        try withTemporaryDirectory { tmp in
            let dir = "\(tmp)/work"
            try FileManager.default.copyItem(atPath: template, toPath: dir)
            let f = Fixture(mreg: try MregRunner(home: "\(tmp)/home"), dir: dir)
            try damage(f)
            try? FileManager.default.removeItem(atPath: "\(f.mregDir)/index")
            try body(f)
        }
    }

    /// The store every test copies, made once per run (registering costs more than copying).
    static let template: Result<String, any Error> = Result {
        let root = "\(NSTemporaryDirectory())mreg-hostile-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        HostileStoreTests.templateRoot.withLock { $0 = root }
        atexit { HostileStoreTests.templateRoot.withLock { if let root = $0 { try? FileManager.default.removeItem(atPath: root) } } }
        let dir = "\(root)/work"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let mreg = try MregRunner(home: "\(root)/home")
        try mreg.run(["init", "-q"], cwd: dir).succeeded()
        try writeFile("\(dir)/w.bin", "good weights 1")
        try mreg.run(["register", "good", "w.bin", "-M", "auc=0.9", "-m", "first"], cwd: dir).succeeded()
        try writeFile("\(dir)/w.bin", "good weights 2")
        try mreg.run(["register", "good", "w.bin", "-M", "auc=0.95"], cwd: dir).succeeded()
        try mreg.run(["promote", "good@1", "staging"], cwd: dir).succeeded()
        try mreg.run(["tag", "good@2", "best"], cwd: dir).succeeded()
        try writeFile("\(dir)/w.bin", "bad weights 1")
        try mreg.run(["register", "bad", "w.bin", "-M", "auc=0.5"], cwd: dir).succeeded()
        try writeFile("\(dir)/w.bin", "bad weights 2")
        try mreg.run(["register", "bad", "w.bin", "-M", "auc=0.6"], cwd: dir).succeeded()
        try FileManager.default.removeItem(atPath: "\(dir)/w.bin")
        return dir
    }

    /// Where the template lives, for its removal when the test process exits.
    static let templateRoot = Mutex<String?>(nil)

    /// The commands over all models: each shows `good`, names `bad` on stderr, exits 4 (verify: 1).
    /// `fsck` names `problem` (a ref or an object id); the store is unchanged by all of them.
    /// When only a manifest is damaged (`chainReadable`), `log` still shows every event.
    static func expectPartialDamage(_ f: Fixture, problem: String, chainReadable: Bool = false,
                                    sourceLocation: SourceLocation = #_sourceLocation) throws {
        let before = f.storeSnapshot()
        let list = try f.run(["list"], sourceLocation: sourceLocation)
        #expect(list.status == 4 && list.stdout.contains("good") && !list.stdout.contains("bad"), "\(list)", sourceLocation: sourceLocation)
        #expect(list.stderr.contains("model bad"), "\(list)", sourceLocation: sourceLocation)
        let json = try f.run(["list", "--json"], sourceLocation: sourceLocation)
        #expect(json.status == 4 && json.stdout.contains("\"good\""), "\(json)", sourceLocation: sourceLocation)
        let search = try f.run(["search", "metrics.auc > 0"], sourceLocation: sourceLocation)
        #expect(search.status == 4 && search.lines.count == 3 && search.stderr.contains("model bad"), "\(search)", sourceLocation: sourceLocation)
        let log = try f.run(["log", "--oneline"], sourceLocation: sourceLocation)
        if chainReadable {
            #expect(log.status == 0 && log.stdout.contains(" good ") && log.stdout.contains(" bad "), "\(log)", sourceLocation: sourceLocation)
        } else {
            #expect(log.status == 4 && log.stdout.contains(" good ") && log.stderr.contains("model bad"), "\(log)", sourceLocation: sourceLocation)
            #expect(!log.stdout.contains(" bad "), "\(log)", sourceLocation: sourceLocation)
        }
        let fsck = try f.run(["fsck", "--no-dangling"], sourceLocation: sourceLocation)
        #expect(fsck.status == 4 && fsck.stdout.contains(problem), "\(fsck)", sourceLocation: sourceLocation)
        let reindex = try f.run(["reindex"], sourceLocation: sourceLocation)
        #expect(reindex.status == 4 && reindex.stdout.contains("Indexed 1 model(s)") && reindex.stderr.contains("model bad"),
                "\(reindex)", sourceLocation: sourceLocation)
        #expect(!fsck.stderr.contains("no errors"), "\(fsck)", sourceLocation: sourceLocation)
        #expect(f.storeSnapshot() == before, "a read-only command changed the store", sourceLocation: sourceLocation)
        let verify = try f.run(["verify"], sourceLocation: sourceLocation)
        #expect(verify.status == 1 && verify.stdout.contains("good ok") && verify.stdout.contains("bad FAILED"), "\(verify)", sourceLocation: sourceLocation)
        #expect(verify.stderr.contains("bad"), "\(verify)", sourceLocation: sourceLocation)
        // The healthy model stays fully usable.
        try f.run(["show", "good@staging"], sourceLocation: sourceLocation).succeeded()
        try f.run(["log", "good"], sourceLocation: sourceLocation).succeeded()
        try f.run(["diff", "good@1", "good@2"], sourceLocation: sourceLocation).succeeded()
        try f.run(["cat", "good@best", "w.bin"], sourceLocation: sourceLocation).succeeded()
        #expect(f.storeSnapshot() == before, "a read-only command changed the store", sourceLocation: sourceLocation)
    }

    /// The commands about `bad` itself: each fails with exit 4 and one line naming `name`, printing
    /// nothing (`about`: commands that may print what they could read first); an export writes
    /// nothing outside its target.
    static func expectModelFails(_ f: Fixture, _ revisions: [String] = ["bad", "bad@1", "bad@2"], name: String,
                                 about: [[String]] = [["log", "bad"], ["list", "bad"]],
                                 sourceLocation: SourceLocation = #_sourceLocation) throws {
        let before = f.storeSnapshot()
        for args in about {
            let r = try f.run(args, sourceLocation: sourceLocation)
            #expect(r.status == 4 && r.stderr.contains(name), "\(r)", sourceLocation: sourceLocation)
        }
        var commands = [[String]]()
        for rev in revisions {
            commands += [["show", rev], ["cat", rev, "w.bin"], ["export", rev, "out-\(rev)"], ["ls-files", rev]]
        }
        commands.append(["diff", "bad@1", revisions.last ?? "bad"])
        for args in commands {
            let r = try f.run(args, sourceLocation: sourceLocation)
            #expect(r.status == 4, "\(r)", sourceLocation: sourceLocation)
            #expect(r.stderrIsOneLine && r.stderr.contains(name), "\(r)", sourceLocation: sourceLocation)
            #expect(r.stdout.isEmpty, "\(r)", sourceLocation: sourceLocation)
        }
        #expect(f.storeSnapshot() == before, "a read-only command changed the store", sourceLocation: sourceLocation)
        let outside = (try FileManager.default.contentsOfDirectory(atPath: f.dir)).filter { $0 != ".mreg" && !$0.hasPrefix("out-") }
        #expect(outside.isEmpty, "written outside the export targets: \(outside)", sourceLocation: sourceLocation)
    }

    // MARK: heads

    @Test func aHeadHoldingGarbage() throws {
        try Self.withDamagedStore({ try $0.setRef("refs/models/bad/head", "this is not an id\n") }) { f in
            try Self.expectPartialDamage(f, problem: "refs/models/bad/head")
            try Self.expectModelFails(f, name: "refs/models/bad/head")
        }
    }

    @Test func anEmptyHead() throws {
        try Self.withDamagedStore({ try $0.setRef("refs/models/bad/head", "") }) { f in
            try Self.expectPartialDamage(f, problem: "refs/models/bad/head")
            try Self.expectModelFails(f, ["bad"], name: "refs/models/bad/head")
        }
    }

    @Test func aHeadThatIsAFolder() throws {
        try Self.withDamagedStore({ f in
            try FileManager.default.removeItem(atPath: f.refPath("refs/models/bad/head"))
            try FileManager.default.createDirectory(atPath: f.refPath("refs/models/bad/head"), withIntermediateDirectories: true)
        }) { f in
            try Self.expectPartialDamage(f, problem: "refs/models/bad/head")
            try Self.expectModelFails(f, ["bad"], name: "refs/models/bad/head")
            let verify = try f.run(["verify", "bad"])
            #expect(verify.status == 1 && verify.stderr.contains("refs/models/bad/head"), "\(verify)")
        }
    }

    @Test func aHeadNamingAMissingObject() throws {
        let missing = String(repeating: "ab", count: 32)
        try Self.withDamagedStore({ try $0.setRef("refs/models/bad/head", missing + "\n") }) { f in
            try Self.expectPartialDamage(f, problem: missing)
            try Self.expectModelFails(f, ["bad"], name: String(missing.prefix(8)))
        }
    }

    @Test func aHeadNamingABlob() throws {
        try Self.withDamagedStore({ f in
            let blob = try f.write("blob", "not an event")
            try f.setRef("refs/models/bad/head", blob + "\n")
        }) { f in
            try Self.expectPartialDamage(f, problem: "refs/models/bad/head")
            try Self.expectModelFails(f, ["bad"], name: "where an event is expected")
        }
    }

    // MARK: events

    /// An event file whose content names itself as its parent: only possible under a wrong name,
    /// so the id check must catch it before the chain could loop.
    @Test func anEventChainThatLoops() throws {
        try Self.withDamagedStore({ f in
            let head = try f.revParse("refs/models/bad/head")
            let json = try f.payload(head)
            let parent = try #require(json.range(of: #""parent": "[0-9a-f]{64}""#, options: .regularExpression))
            let looping = json.replacingCharacters(in: parent, with: "\"parent\": \"\(head)\"")
            let id = try f.write("event", looping)
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: f.objectPath(head))
            try FileManager.default.removeItem(atPath: f.objectPath(head))
            try FileManager.default.copyItem(atPath: f.objectPath(id), toPath: f.objectPath(head))
        }) { f in
            try Self.expectPartialDamage(f, problem: "hash mismatch")
            try Self.expectModelFails(f, ["bad"], name: "bad")
        }
    }

    /// An event appended by hand whose parent is the other model's head (a forged parent).
    @Test func aForgedParent() throws {
        try Self.withDamagedStore({ f in
            let goodHead = try f.revParse("refs/models/good/head")
            let event = #"{"action":"tag","actor":"eve","model":"bad","parent":"\#(goodHead)","schema":"mreg.event/1","seq":3,"tag":"x","time":"2026-01-01T00:00:00Z","version":1}"#
            try f.setRef("refs/models/bad/head", try f.write("event", event) + "\n")
        }) { f in
            try Self.expectPartialDamage(f, problem: "event chain of bad")
            try Self.expectModelFails(f, ["bad"], name: "bad")
        }
    }

    /// Numbers no register could write: version 2^63−1, a sequence number out of range.
    @Test func numbersOutOfRange() throws {
        for (i, (field, value)) in [("version", "9223372036854775807"), ("seq", "-1"), ("version", "1e400")].enumerated() {
            try Self.withDamagedStore({ f in
                let head = try f.revParse("refs/models/bad/head")
                let manifest = try f.revParse("refs/models/bad/versions/2")
                var o: [String: Any] = ["action": "register", "actor": "eve", "model": "bad", "parent": head, "schema": "mreg.event/1",
                                        "seq": 3, "time": "2026-01-01T00:00:00Z", "version": 3, "manifest": manifest]
                o[field] = 0
                let text = String(decoding: try JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]), as: UTF8.self)
                    .replacingOccurrences(of: "\"\(field)\":0", with: "\"\(field)\":\(value)")
                try f.setRef("refs/models/bad/head", try f.write("event", text) + "\n")
            }) { f in
                if i == 0 { try Self.expectPartialDamage(f, problem: "event chain of bad") }
                try Self.expectModelFails(f, ["bad"], name: "bad", about: [["log", "bad"]])
                // The next register must refuse too, not trap.
                try writeFile("\(f.dir)/n.bin", "next")
                let register = try f.run(["register", "bad", "n.bin"])
                #expect(register.status == 4 && register.stderrIsOneLine, "\(field)=\(value): \(register)")
                try FileManager.default.removeItem(atPath: "\(f.dir)/n.bin")
            }
        }
    }

    /// A manifest whose file sizes add up past Int64 (or are negative), registered by a crafted event.
    @Test func manifestSizesOutOfRange() throws {
        var manifest = ""
        try Self.withDamagedStore({ f in
            let head = try f.revParse("refs/models/bad/head")
            let blob = String(repeating: "ab", count: 32)
            let files = ["9223372036854775807", "9223372036854775807", "-3"].enumerated().map {
                #"{"digest":"sha256:00","mode":"100644","object":"\#(blob)","path":"w\#($0.offset).bin","size":\#($0.element)}"#
            }
            manifest = try f.write("manifest", #"{"files":[\#(files.joined(separator: ","))],"model":"bad","schema":"mreg.manifest/1"}"#)
            let event = #"{"action":"register","actor":"eve","manifest":"\#(manifest)","model":"bad","parent":"\#(head)","schema":"mreg.event/1","seq":3,"time":"2026-01-01T00:00:00Z","version":3}"#
            try f.setRef("refs/models/bad/head", try f.write("event", event) + "\n")
        }) { f in
            try Self.expectPartialDamage(f, problem: manifest, chainReadable: true)
            try Self.expectModelFails(f, ["bad@3"], name: String(manifest.prefix(8)), about: [["list", "bad"]])
            try f.run(["show", "bad@2"]).succeeded()
        }
    }

    /// An event that is not JSON: the error names the event, not only a byte offset.
    @Test func anEventThatIsNotJSON() throws {
        try Self.withDamagedStore({ f in
            let id = try f.write("event", "{\"schema\":\"mreg.event/1\", 12: true}")
            try f.setRef("refs/models/bad/head", id + "\n")
        }) { f in
            try Self.expectPartialDamage(f, problem: "event")
            try Self.expectModelFails(f, ["bad"], name: "event ")
            let show = try f.run(["show", "bad"])
            #expect(show.stderr.contains(String(try f.revParse("refs/models/bad/head").prefix(8))), "\(show)")
        }
    }

    // MARK: manifests and objects

    /// v2's manifest file truncated in the middle of its zlib stream.
    @Test func aTruncatedManifest() throws {
        var manifest = ""
        try Self.withDamagedStore({ f in
            manifest = try f.revParse("refs/models/bad/versions/2")
            let path = f.objectPath(manifest)
            let bytes = try readFile(path)
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
            try writeFile(path, Array(bytes.prefix(bytes.count / 2)))
        }) { f in
            try Self.expectPartialDamage(f, problem: manifest, chainReadable: true)
            try Self.expectModelFails(f, ["bad@2"], name: String(manifest.prefix(8)), about: [["list", "bad"]])
            try f.run(["show", "bad@1"]).succeeded()
            let cat = try f.run(["cat-file", "-t", manifest])
            #expect(cat.status == 4 && cat.stderr.contains(String(manifest.prefix(8))), "\(cat)")
        }
    }

    /// A manifest file replaced by one whose header claims more bytes than it holds.
    @Test func aManifestWithALyingHeader() throws {
        var manifest = ""
        try Self.withDamagedStore({ f in
            manifest = try f.revParse("refs/models/bad/versions/2")
            let payload = Array(try f.payload(manifest).utf8)
            let path = f.objectPath(manifest)
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
            try writeFile(path, storedZlib(Array("manifest \(payload.count + 100)\0".utf8) + payload))
        }) { f in
            try Self.expectPartialDamage(f, problem: manifest, chainReadable: true)
            try Self.expectModelFails(f, ["bad@2"], name: String(manifest.prefix(8)), about: [["list", "bad"]])
            for flag in ["-t", "-s", "-p"] {
                let cat = try f.run(["cat-file", flag, manifest])
                #expect(cat.status == 4 && cat.stdout.isEmpty && cat.stderr.contains(String(manifest.prefix(8))), "\(cat)")
            }
        }
    }

    /// Objects whose id matches their bytes but whose header lies: a size other than the body's,
    /// an unknown type. `cat-file -t/-s` must not believe them.
    @Test func selfConsistentObjectsWithLyingHeaders() throws {
        try withStore { mreg, dir in
            let f = Fixture(mreg: mreg, dir: dir)
            for raw in ["blob 10\0hello", "blob 2\0hello", "weird 5\0hello", "blob 5\0hello!", "blob -1\0"] {
                let bytes = Array(raw.utf8)
                let sum = try mreg.runProgram("/usr/bin/env", ["sha256sum"], stdin: bytes).succeeded().output
                let id = String(sum.prefix(64))
                try FileManager.default.createDirectory(atPath: (f.objectPath(id) as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try writeFile(f.objectPath(id), storedZlib(bytes))
                for flag in ["-t", "-s", "-p"] {
                    let r = try f.run(["cat-file", flag, id])
                    #expect(r.status == 4 && r.stderrIsOneLine && r.stderr.contains(String(id.prefix(8))), "\(raw.debugDescription): \(r)")
                    // `-p` streams a blob (verified at its end); `-t` and `-s` answer only once it verified.
                    #expect(flag == "-p" || r.stdout.isEmpty, "\(raw.debugDescription): \(r)")
                }
                let exists = try f.run(["cat-file", "-e", id])
                #expect(exists.status == 1, "\(exists)")
                let fsck = try f.run(["fsck"])
                #expect(fsck.status == 4 && fsck.stdout.contains("corrupt object \(id)"), "\(fsck)")
                try FileManager.default.removeItem(atPath: f.objectPath(id))
            }
        }
    }

    // MARK: derived refs and strays

    /// Garbage in derived refs: fsck names each one, --repair rewrites all of them from the chain.
    @Test func garbageDerivedRefsAreReportedAndRepaired() throws {
        try Self.withDamagedStore({ f in
            try f.setRef("refs/models/good/versions/1", "garbage\n")
            try f.setRef("refs/models/good/stages/staging", "")
            try f.setRef("refs/models/good/tags/best", String(repeating: "z", count: 64) + "\n")
            try f.setRef("refs/models/good/versions/9", "garbage\n")
            try f.setRef("refs/models/bad/versions/2", "garbage\n")
        }) { f in
            let before = f.storeSnapshot()
            let fsck = try f.run(["fsck", "--no-dangling"])
            #expect(fsck.status == 4, "\(fsck)")
            for ref in ["good/versions/1", "good/stages/staging", "good/tags/best", "good/versions/9", "bad/versions/2"] {
                #expect(fsck.stdout.contains("refs/models/\(ref)"), "\(ref): \(fsck)")
            }
            #expect(fsck.stderr.contains("5 error(s)") && fsck.stderr.contains("--repair"), "\(fsck)")
            #expect(f.storeSnapshot() == before)
            // Readers do not depend on derived refs.
            try f.run(["show", "good@staging"]).succeeded()
            try f.run(["list"]).succeeded()
            let repair = try f.run(["fsck", "--repair", "--no-dangling"])
            #expect(repair.status == 0 && repair.stdout.contains("repaired 4 derived ref(s) of good"), "\(repair)")
            let clean = try f.run(["fsck", "--no-dangling"])
            #expect(clean.status == 0 && clean.stderr.contains("no errors"), "\(clean)")
            #expect(!FileManager.default.fileExists(atPath: f.refPath("refs/models/good/versions/9")))
            #expect(try f.revParse("refs/models/good/versions/1") == (try f.revParse("good@1")))
        }
    }

    /// An empty file under an object's name (data a crash lost) is an error that --repair removes.
    @Test func fsckRepairRemovesEmptyObjectFiles() throws {
        let name = String(repeating: "ab", count: 31)
        try Self.withDamagedStore({ f in
            try FileManager.default.createDirectory(atPath: "\(f.mregDir)/objects/cd", withIntermediateDirectories: true)
            try writeFile("\(f.mregDir)/objects/cd/\(name)", "")
        }) { f in
            let before = f.storeSnapshot()
            let fsck = try f.run(["fsck", "--no-dangling"])
            #expect(fsck.status == 4 && fsck.stdout.contains("empty object file") && fsck.stdout.contains("--repair"), "\(fsck)")
            #expect(f.storeSnapshot() == before)
            let repair = try f.run(["fsck", "--repair", "--no-dangling"])
            #expect(repair.status == 0 && repair.stdout.contains("removed empty object file"), "\(repair)")
            #expect(!FileManager.default.fileExists(atPath: "\(f.mregDir)/objects/cd/\(name)"))
            try f.run(["fsck", "--no-dangling"]).succeeded()
        }
    }

    /// fsck goes on past the first bad ref: every one is reported, and the count is right.
    @Test func fsckReportsEveryBadRef() throws {
        try Self.withDamagedStore({ f in
            for i in 0..<30 { try f.setRef("refs/tests/r\(i)", "junk \(i)\n") }
            try f.setRef("refs/models/bad/head", "junk\n")
        }) { f in
            let fsck = try f.run(["fsck", "--no-dangling"])
            #expect(fsck.status == 4, "\(fsck)")
            #expect(fsck.lines.filter { $0.hasPrefix("error") }.count == 31, "\(fsck)")
            #expect(fsck.stderr.contains("31 error(s)"), "\(fsck)")
            let json = try f.run(["fsck", "--json"])
            #expect(json.status == 4 && json.stdout.contains("\"errors\": 31"), "\(json)")
            // show-ref lists the good refs and names each bad one.
            let refs = try f.run(["show-ref"])
            #expect(refs.status == 4 && refs.stdout.contains("refs/models/good/head"), "\(refs)")
            #expect(refs.stderr.split(separator: "\n").count == 31 && refs.stderr.contains("refs/tests/r17"), "\(refs)")
        }
    }

    /// Stray files in objects/ and refs/ are reported, never followed, never fatal.
    @Test func strayFilesEverywhere() throws {
        try Self.withDamagedStore({ f in
            try writeFile("\(f.mregDir)/objects/ab/not-an-object", "junk")
            try writeFile("\(f.mregDir)/objects/zz", "junk")
            try writeFile(f.refPath("refs/models/bad/.DS_Store"), [0, 1, 2])
            try writeFile(f.refPath("refs/models/bad/head.lock~x"), "")
            try FileManager.default.createDirectory(atPath: f.refPath("refs/models/bad/versions/7.lock"), withIntermediateDirectories: true)
            for folder in ["tags", "stages"] {
                try FileManager.default.createDirectory(atPath: f.refPath("refs/models/bad/\(folder)"), withIntermediateDirectories: true)
            }
            try FileManager.default.createSymbolicLink(atPath: f.refPath("refs/models/bad/tags/loop"), withDestinationPath: "..")
            _ = mkfifo(f.refPath("refs/models/bad/stages/fifo"), 0o644)
        }) { f in
            let fsck = try f.run(["fsck", "--no-dangling"])
            #expect(fsck.status == 4 && fsck.stdout.contains("objects/ab/not-an-object"), "\(fsck)")
            for args in [["list"], ["log"], ["search", ""], ["verify"], ["show", "bad"], ["log", "bad"], ["diff", "bad@1", "bad@2"]] {
                try f.run(args).succeeded()
            }
        }
    }

    /// FIFOs where a head, an event and the index should be: never opened for a blocking read.
    @Test func fifosNeverBlock() throws {
        var event = ""
        try Self.withDamagedStore({ f in
            event = try f.revParse("refs/models/good/head")
            try FileManager.default.removeItem(atPath: f.refPath("refs/models/bad/head"))
            #expect(mkfifo(f.refPath("refs/models/bad/head"), 0o644) == 0)
        }) { f in
            try Self.expectPartialDamage(f, problem: "refs/models/bad/head")
            try? FileManager.default.removeItem(atPath: "\(f.mregDir)/index")
            try FileManager.default.createDirectory(atPath: "\(f.mregDir)/index/models", withIntermediateDirectories: true)
            #expect(mkfifo("\(f.mregDir)/index/all", 0o644) == 0 && mkfifo("\(f.mregDir)/index/models/good", 0o644) == 0)
            let list = try f.run(["list"])
            #expect(list.status == 4 && list.stdout.contains("good"), "\(list)")
            try FileManager.default.removeItem(atPath: f.objectPath(event))
            #expect(mkfifo(f.objectPath(event), 0o644) == 0)
            try FileManager.default.removeItem(atPath: "\(f.mregDir)/index")  // so reads reach the event
            for args in [["fsck"], ["verify", "good"], ["log", "good"], ["cat-file", "-t", event], ["show", "good"]] {
                let r = try f.run(args)
                #expect(r.status == (args[0] == "verify" ? 1 : 4) && (r.stdout + r.stderr).contains(String(event.prefix(8))), "\(r)")
            }
        }
    }

    /// A model folder whose head was removed but whose other refs remain.
    @Test func aModelWithRefsButNoHead() throws {
        try Self.withDamagedStore({ f in try FileManager.default.removeItem(atPath: f.refPath("refs/models/bad/head")) }) { f in
            let fsck = try f.run(["fsck", "--no-dangling"])
            #expect(fsck.status == 4 && fsck.stdout.contains("no head ref refs/models/bad/head"), "\(fsck)")
            let show = try f.run(["show", "bad"])
            #expect(show.status == 2, "\(show)")
        }
    }

    // MARK: text that could spoof output

    /// Newlines and escape sequences in a crafted event's actor and reason are shown escaped.
    @Test func controlCharactersInEventsAreEscaped() throws {
        try Self.withDamagedStore({ f in
            let head = try f.revParse("refs/models/bad/head")
            let event: [String: Any] = ["action": "tag", "actor": "eve\nevent 0000\u{1b}[2J", "model": "bad", "parent": head,
                                        "schema": "mreg.event/1", "seq": 3, "tag": "t\u{1b}x", "reason": "a\nDate: forged\u{7}",
                                        "time": "2026-01-01T00:00:00Z", "version": 1, "manifest": try f.revParse("refs/models/bad/versions/1")]
            let text = String(decoding: try JSONSerialization.data(withJSONObject: event, options: [.sortedKeys]), as: UTF8.self)
            try f.setRef("refs/models/bad/head", try f.write("event", text) + "\n")
        }) { f in
            for args in [["log", "bad"], ["log", "--oneline"], ["log"]] {
                let log = try f.run(args)
                #expect(!log.stdout.contains("\u{1b}") && !log.stdout.contains("\u{7}"), "\(log)")
                #expect(!log.lines.contains { $0.hasPrefix("event 0000") || $0.hasPrefix("Date: forged") }, "\(log)")
                #expect(log.stdout.contains("eve\\nevent 0000\\u{1B}[2J"), "\(log)")
            }
            let json = try f.run(["log", "bad", "--json"]).succeeded()
            #expect(json.stdout.contains("eve\\nevent 0000\\u001b[2J"), "\(json)")
        }
    }

    /// New actor names, messages and reasons with control characters are refused; tabs and
    /// newlines in a message or reason are kept (and shown escaped).
    @Test func controlCharactersAreRefusedAtInput() throws {
        try withStore { mreg, dir in
            try writeFile("\(dir)/w.bin", "w")
            let before = snapshot("\(dir)/.mreg")
            for (args, env) in [(["register", "m", "w.bin", "-m", "x\u{1b}[31m"], [String: String?]()),
                                (["register", "m", "w.bin"], ["MREG_USER_NAME": "Eve\nEvil"]),
                                (["register", "m", "w.bin", "-m", "a\rb"], [:])] {
                let r = try mreg.run(args, cwd: dir, env: env)
                #expect(r.status == 64 && r.stderrIsOneLine && r.stderr.contains("control characters"), "\(r)")
            }
            #expect(snapshot("\(dir)/.mreg") == before)
            try mreg.run(["register", "m", "w.bin", "-m", "line one\n\tline two"], cwd: dir).succeeded()
            let tag = try mreg.run(["tag", "m@1", "t", "-m", "why\u{1b}"], cwd: dir)
            #expect(tag.status == 64 && tag.stderr.contains("control characters"), "\(tag)")
            let log = try mreg.run(["log", "m"], cwd: dir).succeeded()
            #expect(log.stdout.contains("Reason: line one\\n\\tline two"), "\(log)")
        }
    }

    // MARK: governance

    /// A promotion into a stage whose policy requires signatures, crafted without one, fails
    /// verify; one made before the policy required it (and verified then) is only a warning.
    @Test func anUnsignedPromotionIntoASignedStage() throws {
        try Self.withDamagedStore({ f in
            try f.run(["promote", "good@2", "production"]).succeeded()
            try f.run(["verify"]).succeeded()  // the checkpoint covers that promotion
            try writeFile("\(f.mregDir)/allowed_signers", "")
            try writeFile("\(f.mregDir)/policy.toml", "[stages.production]\nsigned = true\n[signing]\nallowed_signers = \"allowed_signers\"\n")
        }) { f in
            let older = try f.run(["verify", "good"])
            #expect(older.status == 0 && older.stdout.contains("warning") && older.stdout.contains("an earlier verify accepted it"), "\(older)")
            let head = try f.revParse("refs/models/bad/head")
            let manifest = try f.revParse("refs/models/bad/versions/2")
            let event = #"{"action":"promote","actor":"eve","manifest":"\#(manifest)","model":"bad","parent":"\#(head)","schema":"mreg.event/1","seq":3,"stage":"production","time":"2026-01-01T00:00:00Z","version":2}"#
            try f.setRef("refs/models/bad/head", try f.write("event", event) + "\n")
            let crafted = try f.run(["verify", "bad"])
            #expect(crafted.status == 1 && crafted.stderr.contains("without a signature"), "\(crafted)")
            #expect(crafted.stdout.contains("records no policy verdict"), "\(crafted)")
        }
    }

    // MARK: remotes

    /// Pull and clone from a folder remote with a damaged model: a named problem, a documented
    /// code, no signal, no hang; the local store keeps working.
    @Test func pullAndCloneFromADamagedRemote() throws {
        for damage in ["garbage", "missing"] {
            try Self.withDamagedStore({ f in
                if damage == "garbage" {
                    try f.setRef("refs/models/bad/head", "garbage\n")
                } else {
                    let manifest = try f.revParse("refs/models/bad/versions/2")
                    try FileManager.default.removeItem(atPath: f.objectPath(manifest))
                }
            }) { remote in
                try withTemporaryDirectory { tmp in
                    let local = Fixture(mreg: remote.mreg, dir: tmp)
                    let clone = try local.run(["clone", remote.dir, "copy"])
                    #expect(clone.status == 4 && clone.stderrIsOneLine, "\(damage): \(clone)")
                    #expect(clone.stderr.contains(damage == "garbage" ? "refs/models/bad/head" : "object"), "\(damage): \(clone)")
                    try FileManager.default.createDirectory(atPath: "\(tmp)/work", withIntermediateDirectories: true)
                    let work = Fixture(mreg: remote.mreg, dir: "\(tmp)/work")
                    try work.run(["init", "-q"]).succeeded()
                    try work.run(["remote", "add", "origin", remote.dir]).succeeded()
                    let pull = try work.run(["pull"])
                    #expect(pull.status == 4 && pull.stderrIsOneLine, "\(damage): \(pull)")
                    let fsck = try work.run(["fsck", "--no-dangling"])
                    #expect(fsck.status == 0, "\(damage): a failed pull left damage: \(fsck)")
                    // The healthy model alone can be pulled.
                    try work.run(["pull", "origin", "good"]).succeeded()
                    try work.run(["show", "good@best"]).succeeded()
                }
            }
        }
    }
}

/// A zlib stream of one stored (uncompressed) block holding `bytes` (fewer than 65,536).
func storedZlib(_ bytes: [UInt8]) -> [UInt8] {
    let n = UInt16(bytes.count)
    var out: [UInt8] = [0x78, 0x01, 0x01, UInt8(n & 0xff), UInt8(n >> 8), UInt8(~n & 0xff), UInt8(~n >> 8)]
    out += bytes
    out += [0, 0, 0, 0]
    fixAdler32(&out)
    return out
}
