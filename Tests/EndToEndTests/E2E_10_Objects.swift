import Foundation
import MregTestSupport
import Testing
import MregStore

/// Layer 1 of the end-to-end tests: loose objects through `hash-object` and `cat-file`,
/// and their interoperability with git's SHA-256 object format.
@Suite("E2E 10: objects")
struct ObjectsE2E {
    static let emptyBlob = "473a0f4c3be8a93681a267e3b1e9a7dcda1185436fe141f7749120a303721813"
    static let helloBlob = "2cf8d83d9ee29543b34a87727421fdecb7e3f3a183d337639025de576db9ebb4"

    @Test func theBinaryUnderTestIsTheOneBuiltWithTheTests() throws {
        try withMreg { mreg, dir in
            if ProcessInfo.processInfo.environment["MREG_TEST_BINARY"] == nil {
                let folder = (mreg.binary as NSString).deletingLastPathComponent
                #expect(MregRunner.testBundleDirectories.contains(folder), "using \(mreg.binary)")
            }
            let version = try mreg.run(["--version"], cwd: dir).succeeded()
            #expect(!version.output.isEmpty)
        }
    }

    @Test func hashObjectPrintsKnownIDsWithoutAStore() throws {
        try withMreg { mreg, dir in
            try writeFile("\(dir)/empty", [])
            try writeFile("\(dir)/hello", "hello\n")
            let out = try mreg.run(["hash-object", "empty", "hello"], cwd: dir).succeeded()
            #expect(out.lines == [Self.emptyBlob, Self.helloBlob])
            #expect(out.stderr.isEmpty)
            let stdin = try mreg.run(["hash-object", "--stdin"], cwd: dir, stdin: Array("hello\n".utf8)).succeeded()
            #expect(stdin.lines == [Self.helloBlob])
            // A pipe larger than any pipe buffer.
            let big = randomBytes(3 << 20, seed: 11)
            let piped = try mreg.run(["hash-object", "--stdin"], cwd: dir, stdin: big).succeeded()
            #expect(piped.output == ObjectID.compute(type: .blob, payload: big).hex)
            // Without -w nothing is written anywhere.
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["empty", "hello"])
        }
    }

    @Test func hashObjectWritesAndCatFileReads() throws {
        try withStore { mreg, dir in
            try writeFile("\(dir)/hello", "hello\n")
            let id = try mreg.run(["hash-object", "-w", "hello"], cwd: dir).succeeded().output
            #expect(id == Self.helloBlob)
            #expect(FileManager.default.fileExists(atPath: "\(dir)/.mreg/objects/2c/\(id.dropFirst(2))"))
            #expect(try mreg.run(["cat-file", "-t", id], cwd: dir).succeeded().stdout == "blob\n")
            #expect(try mreg.run(["cat-file", "-s", id], cwd: dir).succeeded().stdout == "6\n")
            #expect(try mreg.run(["cat-file", "-p", id], cwd: dir).succeeded().stdout == "hello\n")
            #expect(try mreg.run(["cat-file", "-p", "2cf8d8"], cwd: dir).succeeded().stdout == "hello\n")
            #expect(try mreg.run(["cat-file", "-e", id], cwd: dir).status == 0)
            #expect(try mreg.run(["rev-parse", "2cf8"], cwd: dir).succeeded().output == id)
            #expect(try mreg.run(["rev-parse", "--short", "12", id], cwd: dir).succeeded().output == "2cf8d83d9ee2")

            // Writing again changes nothing; --stdin and other types work too.
            let before = snapshot("\(dir)/.mreg")
            #expect(try mreg.run(["hash-object", "-w", "hello"], cwd: dir).succeeded().output == id)
            #expect(differences(before, snapshot("\(dir)/.mreg")).isEmpty)
            let json = Array("{\"a\":1}".utf8)
            let event = try mreg.run(["hash-object", "-w", "-t", "event", "--stdin"], cwd: dir, stdin: json).succeeded().output
            #expect(event == ObjectID.compute(type: .event, payload: json).hex)
            #expect(try mreg.run(["cat-file", "-t", event], cwd: dir).succeeded().stdout == "event\n")
            #expect(try mreg.run(["count-objects"], cwd: dir).succeeded().stdout.hasPrefix("2 objects"))
            // The stdin spool file is gone.
            #expect(!snapshot("\(dir)/.mreg").keys.contains { $0.contains("tmp_obj") })
        }
    }

    @Test func catFileMissingObjectsExitNonZero() throws {
        try withStore { mreg, dir in
            let missing = String(repeating: "ab", count: 32)
            let e = try mreg.run(["cat-file", "-e", missing], cwd: dir)
            #expect(e.status == 1)
            #expect(e.stdout.isEmpty && e.stderr.isEmpty)
            let p = try mreg.run(["cat-file", "-p", missing], cwd: dir)
            #expect(p.status != 0)
            #expect(p.stderrIsOneLine, "\(p)")
            #expect(p.stderr.contains(missing))
        }
    }

    // MARK: git interoperability

    enum Payload: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case empty, textLine, random1MiB, large64MiB
        var testDescription: String { rawValue }

        func write(to path: String) throws {
            switch self {
            case .empty: try writeFile(path, [])
            case .textLine: try writeFile(path, "a line of text\n")
            case .random1MiB: try writeFile(path, randomBytes(1 << 20, seed: 42))
            case .large64MiB: try writeLargeFile(path, size: 64 << 20)
            }
        }
    }

    /// Makes `<dir>/git`, a git repository with SHA-256 ids.
    static func gitRepository(_ mreg: MregRunner, in dir: String) throws -> String {
        let repo = "\(dir)/git"
        try mreg.runProgram(Tools.git!, ["init", "-q", "--object-format=sha256", repo]).succeeded()
        return repo
    }

    @Test(.enabled(if: Tools.git != nil, "git is not installed: these tests compare mreg's ids and files with git's"),
          arguments: Payload.allCases)
    func hashObjectAgreesWithGit(_ payload: Payload) throws {
        try withMreg { mreg, dir in
            let repo = try Self.gitRepository(mreg, in: dir)
            let file = "\(dir)/payload"
            try payload.write(to: file)
            let theirs = try mreg.runProgram(Tools.git!, ["-C", repo, "hash-object", file]).succeeded().output
            let ours = try mreg.run(["hash-object", file], cwd: dir).succeeded().output
            #expect(ours == theirs)
            #expect(ours.count == 64)
            if payload == .empty { #expect(ours == Self.emptyBlob) }
            // Writing gives the same id, and git reads the written object back.
            try mreg.run(["init", "-q"], cwd: dir).succeeded()
            #expect(try mreg.run(["hash-object", "-w", file], cwd: dir).succeeded().output == theirs)
            let env = ["GIT_ALTERNATE_OBJECT_DIRECTORIES": "\(dir)/.mreg/objects"]
            let size = try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int
            #expect(try mreg.runProgram(Tools.git!, ["-C", repo, "cat-file", "-s", theirs], env: env).succeeded().output
                    == String(size ?? -1))
            if payload != .large64MiB {
                let back = try mreg.runProgram(Tools.git!, ["-C", repo, "cat-file", "-p", theirs], env: env).succeeded()
                #expect(back.stdoutBytes == (try readFile(file)))
            }
        }
    }

    @Test(.enabled(if: Tools.git != nil, "git is not installed: this test has git read objects mreg wrote"))
    func gitCatFileReadsWhatMregWrote() throws {
        try withStore { mreg, dir in
            let repo = try Self.gitRepository(mreg, in: dir)
            let env = ["GIT_ALTERNATE_OBJECT_DIRECTORIES": "\(dir)/.mreg/objects"]
            var files = [String: [UInt8]]()
            files["text"] = Array(String(repeating: "compressible text line\n", count: 2000).utf8)  // level 6
            files["random"] = randomBytes(300_000, seed: 3)                                       // stored blocks
            files["empty"] = []
            for (name, bytes) in files { try writeFile("\(dir)/\(name)", bytes) }
            for level in ["auto", "0", "9"] {
                try mreg.run(["config", "core.compression", level], cwd: dir).succeeded()
                for (name, bytes) in files.sorted(by: { $0.key < $1.key }) {
                    // A fresh object each time: remove what the previous level wrote.
                    let id = ObjectID.compute(type: .blob, payload: bytes)
                    try? FileManager.default.removeItem(atPath: "\(dir)/.mreg/objects/\(id.hex.prefix(2))/\(id.hex.dropFirst(2))")
                    #expect(try mreg.run(["hash-object", "-w", name], cwd: dir).succeeded().output == id.hex)
                    #expect(try mreg.runProgram(Tools.git!, ["-C", repo, "cat-file", "-t", id.hex], env: env).succeeded().output == "blob")
                    let out = try mreg.runProgram(Tools.git!, ["-C", repo, "cat-file", "-p", id.hex], env: env).succeeded()
                    #expect(out.stdoutBytes == bytes, "\(name) at core.compression \(level)")
                }
            }
            // git's own check of the alternate store finds every object sound.
            let fsck = try mreg.runProgram(Tools.git!, ["-C", repo, "fsck", "--full", "--no-dangling"], env: env)
            #expect(fsck.status == 0, "\(fsck)")
        }
    }

    @Test(.enabled(if: Tools.git != nil, "git is not installed: this test has mreg read objects git wrote"))
    func mregCatFileReadsWhatGitWrote() throws {
        try withStore { mreg, dir in
            let repo = try Self.gitRepository(mreg, in: dir)
            let git = Tools.git!
            let text = Array("written by git\n".utf8)
            let big = randomBytes(200_000, seed: 9)
            try writeFile("\(dir)/big", big)
            let textID = try mreg.runProgram(git, ["-C", repo, "hash-object", "-w", "--stdin"], stdin: text).succeeded().output
            let bigID = try mreg.runProgram(git, ["-C", repo, "-c", "core.compression=9", "hash-object", "-w", "\(dir)/big"]).succeeded().output
            try mreg.runProgram(git, ["-C", repo, "update-index", "--add", "--cacheinfo", "100644,\(textID),a.txt"]).succeeded()
            let treeID = try mreg.runProgram(git, ["-C", repo, "write-tree"]).succeeded().output
            for id in [textID, bigID, treeID] {
                let from = "\(repo)/.git/objects/\(id.prefix(2))/\(id.dropFirst(2))"
                let to = "\(dir)/.mreg/objects/\(id.prefix(2))/\(id.dropFirst(2))"
                try writeFile(to, try readFile(from))
            }
            #expect(try mreg.run(["cat-file", "-p", textID], cwd: dir).succeeded().stdoutBytes == text)
            #expect(try mreg.run(["cat-file", "-p", bigID], cwd: dir).succeeded().stdoutBytes == big)
            #expect(try mreg.run(["cat-file", "-s", bigID], cwd: dir).succeeded().output == "200000")
            #expect(try mreg.run(["cat-file", "-t", treeID], cwd: dir).succeeded().output == "tree")
            let tree = try mreg.run(["cat-file", "-p", treeID], cwd: dir).succeeded().stdoutBytes
            let gitTree = try mreg.runProgram(git, ["-C", repo, "cat-file", "tree", treeID]).succeeded().stdoutBytes
            #expect(tree == gitTree)
            let fsck = try mreg.run(["fsck"], cwd: dir)
            #expect(fsck.status == 0, "\(fsck)")
        }
    }

    // MARK: memory

    @Test(.enabled(if: Tools.time != nil, "/usr/bin/time is not installed: it measures the peak memory"))
    func hashObjectWritesLargeFilesInConstantMemory() throws {
        try withStore { mreg, dir in
            let size = 256 << 20
            try writeLargeFile("\(dir)/big", size: size)
            let run = try mreg.runProgram(Tools.time!, ["-v", mreg.binary, "hash-object", "-w", "big"], cwd: dir).succeeded()
            let id = try #require(run.lines.first)
            #expect(id.count == 64)
            let line = try #require(run.stderr.components(separatedBy: "\n").first { $0.contains("Maximum resident set size") })
            let kib = try #require(Int(line.split(separator: ":").last!.trimmingCharacters(in: .whitespaces)))
            #expect(kib < 100 * 1024, "hash-object -w of 256 MiB peaked at \(kib / 1024) MiB")
            let stored = try FileManager.default.attributesOfItem(atPath: "\(dir)/.mreg/objects/\(id.prefix(2))/\(id.dropFirst(2))")[.size] as? Int
            #expect((stored ?? 0) >= size)  // random data: stored blocks, not compressed
            #expect(try mreg.run(["cat-file", "-s", id], cwd: dir).succeeded().output == String(size))
        }
    }
}
