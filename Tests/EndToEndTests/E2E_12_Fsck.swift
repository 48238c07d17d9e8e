import Foundation
import MregTestSupport
import Testing
import MregStore

/// Layer 3: damaged objects are caught by `cat-file` (when read) and by `fsck` (when checked).
@Suite("E2E 12: fsck and damaged objects")
struct FsckE2E {
    static func objectPath(_ dir: String, _ id: String) -> String {
        "\(dir)/.mreg/objects/\(id.prefix(2))/\(id.dropFirst(2))"
    }

    /// Writes `bytes` as a blob at `core.compression level`; returns its id and path (made writable).
    static func blob(_ mreg: MregRunner, in dir: String, _ bytes: [UInt8], level: String) throws -> (String, String) {
        try mreg.run(["config", "core.compression", level], cwd: dir).succeeded()
        let file = "\(dir)/blob-\(level)"
        try writeFile(file, bytes)
        let id = try mreg.run(["hash-object", "-w", file], cwd: dir).succeeded().output
        try FileManager.default.removeItem(atPath: file)
        let path = objectPath(dir, id)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        return (id, path)
    }

    /// Both readers must refuse the object: `cat-file -p` with a one-line error, `fsck` with exit 4 naming it.
    static func expectCaught(_ mreg: MregRunner, in dir: String, _ id: String, _ what: String,
                             sourceLocation: SourceLocation = #_sourceLocation) throws {
        let cat = try mreg.run(["cat-file", "-p", id], cwd: dir)
        #expect(cat.status != 0, "cat-file -p of \(what): \(cat)", sourceLocation: sourceLocation)
        #expect(cat.stderrIsOneLine, "cat-file -p of \(what): \(cat)", sourceLocation: sourceLocation)
        #expect(cat.stderr.contains(String(id.prefix(8))), "\(cat)", sourceLocation: sourceLocation)
        let exists = try mreg.run(["cat-file", "-e", id], cwd: dir)
        #expect(exists.status == 1, "cat-file -e of \(what): \(exists)", sourceLocation: sourceLocation)
        let fsck = try mreg.run(["fsck"], cwd: dir)
        #expect(fsck.status == 4, "fsck with \(what): \(fsck)", sourceLocation: sourceLocation)
        let named = fsck.stdout.contains("error: corrupt object \(id)")
            || fsck.stdout.contains("error: empty object file '\(objectPath(dir, id))'")
        #expect(named, "fsck with \(what): \(fsck)", sourceLocation: sourceLocation)
    }

    @Test func aSoundStoreChecksClean() throws {
        try withStore { mreg, dir in
            #expect(try mreg.run(["fsck"], cwd: dir).status == 0)
            let (id, _) = try Self.blob(mreg, in: dir, Array("fine\n".utf8), level: "auto")
            try mreg.run(["update-ref", "refs/tests/m/head", id], cwd: dir).succeeded()
            let fsck = try mreg.run(["fsck"], cwd: dir)
            #expect(fsck.status == 0, "\(fsck)")
            #expect(fsck.stderr.contains("no errors"))
        }
    }

    @Test func aFlippedByteInACompressedObject() throws {
        try withStore { mreg, dir in
            let text = Array(String(repeating: "text compresses well\n", count: 500).utf8)
            let (id, path) = try Self.blob(mreg, in: dir, text, level: "6")
            var bytes = try readFile(path)
            bytes[bytes.count / 2] ^= 0x04
            try writeFile(path, bytes)
            try Self.expectCaught(mreg, in: dir, id, "a flipped byte in a level-6 object")
        }
    }

    @Test func aFlippedPayloadByteInStoredBlocks() throws {
        try withStore { mreg, dir in
            let payload = Array("At core.compression 0 the payload sits in stored deflate blocks, in the clear.\n".utf8)
            let (id, path) = try Self.blob(mreg, in: dir, payload, level: "0")
            let original = try readFile(path)
            let at = try #require(original.firstRange(of: Array("clear".utf8))).lowerBound
            var flipped = original
            flipped[at] ^= 0x20
            // As is, zlib's Adler-32 may notice first; either error is fine.
            try writeFile(path, flipped)
            try Self.expectCaught(mreg, in: dir, id, "a flipped stored byte")
            // With the Adler-32 trailer fixed up the stream is valid zlib: only the id check can catch it.
            fixAdler32(&flipped)
            try writeFile(path, flipped)
            try Self.expectCaught(mreg, in: dir, id, "a flipped stored byte with a valid Adler-32")
            let cat = try mreg.run(["cat-file", "-p", id], cwd: dir)
            #expect(cat.stderr.contains("hash mismatch"), "\(cat)")
            // Restored, it reads again.
            try writeFile(path, original)
            #expect(try mreg.run(["cat-file", "-p", id], cwd: dir).succeeded().stdoutBytes == payload)
            #expect(try mreg.run(["fsck"], cwd: dir).status == 0)
        }
    }

    @Test(arguments: [0, 1, 5, 20, -1])
    func aTruncatedObject(_ keep: Int) throws {
        try withStore { mreg, dir in
            let (id, path) = try Self.blob(mreg, in: dir, randomBytes(5000), level: "auto")
            let bytes = try readFile(path)
            try writeFile(path, Array(bytes.prefix(keep >= 0 ? keep : bytes.count + keep)))
            try Self.expectCaught(mreg, in: dir, id, "an object truncated to \(keep) bytes")
        }
    }

    @Test func anObjectUnderTheWrongName() throws {
        try withStore { mreg, dir in
            let (id, path) = try Self.blob(mreg, in: dir, Array("the right content\n".utf8), level: "auto")
            let wrong = ObjectID.compute(type: .blob, payload: Array("other content\n".utf8)).hex
            try writeFile(Self.objectPath(dir, wrong), try readFile(path))
            try Self.expectCaught(mreg, in: dir, wrong, "an object stored under the wrong name")
            let cat = try mreg.run(["cat-file", "-p", wrong], cwd: dir)
            #expect(cat.stderr.contains(id), "it names what the content hashes to: \(cat)")
            // The rightly named copy is still fine.
            #expect(try mreg.run(["cat-file", "-p", id], cwd: dir).succeeded().stdout == "the right content\n")
        }
    }

    @Test func fsckReportsStrayFilesLocksAndMissingObjects() throws {
        try withStore { mreg, dir in
            let (id, _) = try Self.blob(mreg, in: dir, Array("x\n".utf8), level: "auto")
            // A ref to a missing object.
            let missing = String(repeating: "d", count: 64)
            try writeFile("\(dir)/.mreg/refs/tests/m/head", missing + "\n")
            var fsck = try mreg.run(["fsck"], cwd: dir)
            #expect(fsck.status == 4)
            #expect(fsck.stdout.contains("missing object \(missing)"), "\(fsck)")
            try mreg.run(["update-ref", "refs/tests/m/head", id], cwd: dir).succeeded()
            #expect(try mreg.run(["fsck"], cwd: dir).status == 0)
            // A stale lock (dead process) and a leftover temp object are warnings; a repair removes
            // the lock, and the temp file once it is older than the grace.
            try writeFile("\(dir)/.mreg/refs/tests/m/head.lock", "pid=\(Int32.max - 1) host=\(hostName()) time=2025-01-01T00:00:00Z\n")
            try writeFile("\(dir)/.mreg/objects/tmp_obj_1_abc", [1, 2, 3])
            fsck = try mreg.run(["fsck"], cwd: dir)
            #expect(fsck.status == 0, "\(fsck)")
            #expect(fsck.stdout.contains("warning: stale lock"), "\(fsck)")
            #expect(fsck.stdout.contains("warning: leftover temp file"), "\(fsck)")
            fsck = try mreg.run(["fsck", "--repair"], cwd: dir)
            #expect(fsck.stdout.contains("removed stale lock"), "\(fsck)")
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/.mreg/refs/tests/m/head.lock"))
            #expect(FileManager.default.fileExists(atPath: "\(dir)/.mreg/objects/tmp_obj_1_abc"), "younger than the grace: kept")
            fsck = try mreg.run(["fsck", "--repair"], cwd: dir, env: ["MREG_TEMP_GRACE_SECONDS": "0"])
            #expect(fsck.stdout.contains("removed leftover temp file"), "\(fsck)")
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/.mreg/objects/tmp_obj_1_abc"))
            // A file in a fan-out folder that is not an object.
            try writeFile("\(dir)/.mreg/objects/ab/junk", [0])
            fsck = try mreg.run(["fsck"], cwd: dir)
            #expect(fsck.status == 4)
            #expect(fsck.stdout.contains("stray file"), "\(fsck)")
        }
    }
}

