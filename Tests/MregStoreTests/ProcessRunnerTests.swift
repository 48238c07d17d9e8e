import MregTestSupport
import Foundation
import Testing
@testable import MregStore
#if canImport(Glibc)
import Glibc
#endif

@Suite("ProcessRunner")
struct ProcessRunnerTests {
    static let mebibyte = 1 << 20

    @Test func fullPipesBothWaysDoNotDeadlock() throws {
        // The child fills stdout and stderr (1 MiB each, far beyond a pipe's 64 KiB) before it
        // reads any of its 1 MiB of input: only a runner that writes and drains at once finishes.
        let script = """
            head -c \(Self.mebibyte) /dev/zero | tr '\\0' o
            head -c \(Self.mebibyte) /dev/zero | tr '\\0' e >&2
            wc -c
            """
        let input = [UInt8](repeating: UInt8(ascii: "i"), count: Self.mebibyte)
        let out = try ProcessRunner.run("/bin/sh", ["-c", script], input: input, timeout: .seconds(120))
        #expect(!out.timedOut)
        #expect(out.termination == .exited(0))
        #expect(out.stderrBytes == [UInt8](repeating: UInt8(ascii: "e"), count: Self.mebibyte))
        #expect(out.stdoutBytes.prefix(Self.mebibyte) == ArraySlice(repeating: UInt8(ascii: "o"), count: Self.mebibyte))
        let counted = String(decoding: out.stdoutBytes.dropFirst(Self.mebibyte), as: UTF8.self)
        #expect(counted.trimmingCharacters(in: .whitespacesAndNewlines) == "\(Self.mebibyte)")
    }

    @Test func reportsExitStatusesAndSignals() throws {
        let three = try ProcessRunner.run("/bin/sh", ["-c", "echo bye >&2; exit 3"])
        #expect(three.termination == .exited(3))
        #expect(three.status == 3)
        #expect(three.stderr == "bye\n")
        let killed = try ProcessRunner.run("/bin/sh", ["-c", "kill -TERM $$"])
        #expect(killed.termination == .signaled(SIGTERM))
        #expect(killed.status == 128 + SIGTERM)
        #expect(!killed.timedOut)
    }

    @Test func aMissingExecutableIsAClearError() throws {
        let error = try #require(throws: ProcessRunner.LaunchError.self) {
            try ProcessRunner.run("mreg-no-such-program-\(getpid())", ["x"])
        }
        #expect(error.kind == .notFound)
        #expect(error.description.contains("mreg-no-such-program-\(getpid())"))
        #expect(error.description.contains("not found on PATH"))
        let absolute = try #require(throws: ProcessRunner.LaunchError.self) {
            try ProcessRunner.run("/nonexistent/mreg-tool")
        }
        #expect(absolute.kind == .notFound)
    }

    @Test func aFileThatIsNotAProgramCannotStart() throws {
        try withTemporaryDirectory { dir in
            let file = "\(dir)/not-a-script"
            // Written by a child: a file this process had open for writing could still be open in a
            // child another test is starting at this moment, and exec would then fail with ETXTBSY.
            let made = try ProcessRunner.run("/bin/sh", ["-c", "echo 'echo no shebang' > \"$1\" && chmod +x \"$1\"", "sh", file])
            try #require(made.status == 0)
            let error = try #require(throws: ProcessRunner.LaunchError.self) { try ProcessRunner.run(file) }
            #expect(error.kind == .cannotStart)
            #expect(error.reason.contains("#!"))
        }
    }

    @Test func aChildThatIgnoresItsInputDoesNotKillUs() throws {
        // Writing to a pipe nobody reads raises SIGPIPE, whose default action ends the process.
        let input = [UInt8](repeating: 1, count: 4 * Self.mebibyte)
        for _ in 0..<3 {
            let out = try ProcessRunner.run("/bin/sh", ["-c", "exit 0"], input: input)
            #expect(out.termination == .exited(0))
        }
        // This thread's signal mask is as it was, and no SIGPIPE is left pending.
        var mask = sigset_t()
        pthread_sigmask(SIG_SETMASK, nil, &mask)
        #expect(sigismember(&mask, SIGPIPE) == 0)
        var pending = sigset_t()
        sigpending(&pending)
        #expect(sigismember(&pending, SIGPIPE) == 0)
    }

    @Test func aTimeoutKillsTheChild() throws {
        let start = ContinuousClock.now
        let out = try ProcessRunner.run("/bin/sh", ["-c", "echo started; exec sleep 30"], timeout: .milliseconds(300))
        #expect(out.timedOut)
        #expect(out.termination == .signaled(SIGKILL))
        #expect(ContinuousClock.now - start < .seconds(20))
    }

    @Test func directoryEnvironmentAndArgumentsReachTheChild() throws {
        try withTemporaryDirectory { dir in
            let out = try ProcessRunner.run("sh", ["-c", "pwd -P; printf '%s|' \"$MREG_PROBE\" \"$0\" \"$1\"", "zero", "one two"],
                                            directory: dir, environment: ["MREG_PROBE": "yes", "PATH": "/usr/bin:/bin"])
            let real = URL(fileURLWithPath: dir).resolvingSymlinksInPath().path
            #expect(out.stdout == "\(real)\nyes|zero|one two|")
            #expect(out.status == 0)
        }
    }

    @Test func withoutInputTheChildReadsNothing() throws {
        let out = try ProcessRunner.run("/bin/sh", ["-c", "wc -c"])
        #expect(out.stdout.trimmingCharacters(in: .whitespaces) == "0\n")
        let empty = try ProcessRunner.run("/bin/sh", ["-c", "wc -c"], input: [])
        #expect(empty.stdout.trimmingCharacters(in: .whitespaces) == "0\n")
    }

    @Test func aStartedChildCanBeSignalledWhileAnotherThreadWaits() throws {
        let child = try ProcessRunner.start("/bin/sh", ["-c", "exec sleep 30"])
        #expect(child.pid > 0)
        kill(child.pid, SIGKILL)
        #expect(child.wait().termination == .signaled(SIGKILL))
    }
}
