import MregTestSupport
import Foundation
import Testing

/// Writes that fail part-way (the disk fills, a quota or file-size limit is hit) fail the command
/// with an I/O error (exit 5) on one line, register nothing, and leave a store that `fsck` calls clean.
///
/// The failure is made real and portable with a file-size limit (`ulimit -f`, with SIGXFSZ ignored
/// so the write returns EFBIG as it would return ENOSPC on a full disk): any write past the limit fails.
@Suite("E2E 16: failing writes")
struct WriteFailureTests {
    /// Runs `mreg args…` with writes limited to `kib` KiB per file.
    static func limited(_ mreg: MregRunner, kib: Int, _ args: [String], cwd: String) throws -> RunResult {
        // POSIX `ulimit -f` counts 512-byte blocks.
        try mreg.runProgram("/bin/sh", ["-c", "trap '' XFSZ; ulimit -f \(kib * 2) && exec \"$0\" \"$@\"", mreg.binary] + args, cwd: cwd)
    }

    static func expectCleanStore(_ mreg: MregRunner, _ dir: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let fsck = try mreg.run(["fsck", "--no-dangling"], cwd: dir)
        #expect(fsck.status == 0, "\(fsck)", sourceLocation: sourceLocation)
    }

    @Test func registerThatCannotWriteRegistersNothing() throws {
        try withStore { mreg, dir in
            try writeFile("\(dir)/small.bin", randomBytes(1000, seed: 1))
            try mreg.run(["register", "m", "small.bin"], cwd: dir).succeeded()
            try mreg.run(["list"], cwd: dir).succeeded()
            let refsBefore = snapshot("\(dir)/.mreg/refs")
            try writeLargeFile("\(dir)/big.bin", size: 4 << 20)
            let r = try Self.limited(mreg, kib: 1024, ["register", "m", "big.bin"], cwd: dir)
            #expect(r.status == 5, "\(r)")
            #expect(r.stderrIsOneLine && r.stderr.hasPrefix("mreg: error: "), "\(r)")
            #expect(differences(refsBefore, snapshot("\(dir)/.mreg/refs")) == [])
            #expect(try mreg.run(["show", "m@2"], cwd: dir).status == 2)
            try Self.expectCleanStore(mreg, dir)
            // With room again, the same register succeeds and numbers stay dense.
            try mreg.run(["register", "m", "big.bin"], cwd: dir).succeeded()
            #expect(try mreg.run(["show", "m@2"], cwd: dir).status == 0)
            try Self.expectCleanStore(mreg, dir)
        }
    }

    @Test func exportThatCannotWriteLeavesTheTargetAsItWas() throws {
        try withStore { mreg, dir in
            try FileManager.default.createDirectory(atPath: "\(dir)/model", withIntermediateDirectories: true)
            try writeFile("\(dir)/model/a.txt", "first\n")
            try writeLargeFile("\(dir)/model/z.bin", size: 3 << 20)
            try mreg.run(["register", "m", "model"], cwd: dir).succeeded()
            let r = try Self.limited(mreg, kib: 1024, ["export", "m", "out"], cwd: dir)
            #expect(r.status == 5, "\(r)")
            #expect(r.stderrIsOneLine, "\(r)")
            let left = (try? FileManager.default.contentsOfDirectory(atPath: "\(dir)/out")) ?? []
            #expect(left.isEmpty, "export left \(left)")
            try Self.expectCleanStore(mreg, dir)
            try mreg.run(["export", "m", "out"], cwd: dir).succeeded()
            #expect(try readFile("\(dir)/out/a.txt") == Array("first\n".utf8))
        }
    }
}
