import Foundation
import MregTestSupport
import MregStore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

// Running the built `mreg` binary (and other programs) from end-to-end tests.
//
//     @Test func example() throws {
//         try withStore { mreg, dir in          // a temp folder with `mreg init` done, HOME elsewhere
//             let id = try mreg.run(["hash-object", "-w", "--stdin"], cwd: dir, stdin: Array("hi\n".utf8))
//                 .succeeded().output
//             let r = try mreg.run(["cat-file", "-p", id], cwd: dir, env: ["MREG_CONFIG_GLOBAL": nil])
//             #expect(r.status == 0 && r.stdout == "hi\n")
//         }
//     }
//
// `withMreg` is the same without the store; `withTemporaryDirectory` just gives a folder;
// `mreg.start(...)` runs a process without waiting (for races); `mreg.runProgram(Tools.git!, ...)`
// runs another program in the same environment; `snapshot`/`differences` compare file trees.

/// What a finished process left behind.
struct RunResult: Sendable, CustomStringConvertible {
    var arguments: [String]
    var status: Int32
    var stdoutBytes: [UInt8]
    var stderrBytes: [UInt8]

    var stdout: String { String(decoding: stdoutBytes, as: UTF8.self) }
    var stderr: String { String(decoding: stderrBytes, as: UTF8.self) }
    /// stdout without its final newline.
    var output: String { stdout.hasSuffix("\n") ? String(stdout.dropLast()) : stdout }
    /// stdout split into lines (without the empty one after the final newline).
    var lines: [String] { output.isEmpty ? [] : output.components(separatedBy: "\n") }

    /// Whether stderr is exactly one non-empty line ending in a newline.
    var stderrIsOneLine: Bool {
        let text = stderr
        return text.hasSuffix("\n") && text.count > 1 && !text.dropLast().contains("\n")
    }

    var description: String {
        "`\(arguments.joined(separator: " "))` exited \(status)\nstdout: \(stdout.prefix(2000))\nstderr: \(stderr.prefix(2000))"
    }

    /// Throws (with the whole transcript) unless the process exited 0.
    @discardableResult
    func succeeded() throws -> RunResult {
        guard status == 0 else { throw RunnerError(message: "command failed: \(description)") }
        return self
    }
}

struct RunnerError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Runs the `mreg` binary the package built, in a controlled environment.
struct MregRunner: Sendable {
    /// The binary under test.
    let binary: String
    /// The HOME every run sees (so the user's own ~/.mregconfig and ~/.gitconfig never leak in).
    let home: String
    /// The environment of every run, before per-run changes.
    var environment: [String: String]

    /// - Parameter home: the folder to use as HOME; `<home>` is created if missing.
    init(home: String, binary: String? = nil) throws {
        self.binary = try binary ?? MregRunner.locateBinary()
        self.home = home
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        environment = MregRunner.baseEnvironment(home: home)
    }

    /// Runs `mreg args…` in `cwd`, with `env` overriding (a nil value removes a variable) and `stdin` fed in.
    @discardableResult
    func run(_ args: [String], cwd: String? = nil, env: [String: String?] = [:], stdin: [UInt8]? = nil) throws -> RunResult {
        try runProcess(binary, args, cwd: cwd, environment: merged(env), stdin: stdin)
    }

    /// Runs another program (git, /usr/bin/time…) with the same environment.
    @discardableResult
    func runProgram(_ executable: String, _ args: [String], cwd: String? = nil, env: [String: String?] = [:],
                    stdin: [UInt8]? = nil) throws -> RunResult {
        try runProcess(executable, args, cwd: cwd, environment: merged(env), stdin: stdin)
    }

    /// Starts `mreg args…` without waiting (for races); call `wait()` on the result.
    func start(_ args: [String], cwd: String? = nil, env: [String: String?] = [:]) throws -> RunningProcess {
        try RunningProcess(binary, args, cwd: cwd, environment: merged(env), stdin: nil)
    }

    func merged(_ overrides: [String: String?]) -> [String: String] {
        var env = environment
        for (key, value) in overrides { env[key] = value }
        return env
    }

    /// The process environment with everything that could point mreg or git elsewhere removed.
    static func baseEnvironment(home: String) -> [String: String] {
        var env = ProcessInfo.processInfo.environment.filter { key, _ in
            !key.hasPrefix("MREG_") && !key.hasPrefix("GIT_") && key != "XDG_CONFIG_HOME"
        }
        env["HOME"] = home
        env["NO_COLOR"] = "1"
        env["MREG_USER_NAME"] = "Test"
        env["MREG_USER_EMAIL"] = "test@example.com"
        // Tests date events with MREG_NOW, signed ones too (expired keys, stale approvals): the
        // documented test-only switch lets them; the test of the refusal unsets it.
        env["MREG_ALLOW_CLOCK_OVERRIDE"] = "1"
        env["GIT_CONFIG_NOSYSTEM"] = "1"
        env["LC_ALL"] = "C"
        return env
    }

    // MARK: finding the binary

    /// `$MREG_TEST_BINARY`, else `mreg` beside the running test bundle (built by the same
    /// `swift build --build-tests`). Never a binary from another build folder: it may be stale.
    static func locateBinary() throws -> String {
        if let cached = cachedBinary { return cached }
        throw RunnerError(message: """
            cannot find the mreg binary beside the tests in \(testBundleDirectories): build it with the tests \
            ('swift build --build-tests', as 'make test' does), or set MREG_TEST_BINARY
            """)
    }

    private static let cachedBinary: String? = {
        let fm = FileManager.default
        if let explicit = ProcessInfo.processInfo.environment["MREG_TEST_BINARY"], fm.isExecutableFile(atPath: explicit) {
            return explicit
        }
        return testBundleDirectories.map { "\($0)/mreg" }.first { fm.isExecutableFile(atPath: $0) }
    }()

    /// Folders that hold the running test binary (`<scratch>/<triple>/debug`), symlinks resolved.
    static var testBundleDirectories: [String] {
        var dirs = [String]()
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        dirs.append(exe.deletingLastPathComponent().path)
        let bundle = Bundle.main.bundleURL.resolvingSymlinksInPath().path
        if !dirs.contains(bundle) { dirs.append(bundle) }
        // On Linux the test binary is `<dir>/mregPackageTests.xctest`; on macOS a bundle in `<dir>`.
        return dirs.flatMap { [$0, ($0 as NSString).deletingLastPathComponent] }
    }

    /// The package root: this file is `<root>/Tests/EndToEndTests/Support/MregRunner.swift`.
    static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.path
    }()

}

/// A started process whose output is collected as it runs (by `ProcessRunner`, on a thread of its own).
final class RunningProcess: Sendable {
    let arguments: [String]
    let pid: Int32
    private let finished = DispatchSemaphore(value: 0)
    private let result = Mutex<RunResult?>(nil)

    init(_ executable: String, _ args: [String], cwd: String?, environment: [String: String], stdin: [UInt8]?) throws {
        arguments = [executable] + args
        let child = try ProcessRunner.start(executable, args, directory: cwd, environment: environment, input: stdin)
        pid = child.pid
        Thread.detachNewThread { [self] in
            let output = child.wait()
            result.withLock {
                $0 = RunResult(arguments: arguments, status: output.status, stdoutBytes: output.stdoutBytes, stderrBytes: output.stderrBytes)
            }
            finished.signal()
        }
    }

    /// Whether the process has not been waited for yet (it may have just exited).
    var isRunning: Bool { result.withLock { $0 == nil } }

    func wait() -> RunResult {
        finished.wait()
        finished.signal()  // later calls return at once
        guard let done = result.withLock({ $0 }) else { preconditionFailure("the process finished without a result") }
        return done
    }
}

/// Runs a program to completion.
func runProcess(_ executable: String, _ args: [String], cwd: String? = nil, environment: [String: String]? = nil,
                stdin: [UInt8]? = nil) throws -> RunResult {
    try RunningProcess(executable, args, cwd: cwd, environment: environment ?? ProcessInfo.processInfo.environment,
                       stdin: stdin).wait()
}

/// Finds a program on PATH (nil when it is not installed).
func which(_ program: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for dir in path.split(separator: ":") {
        let candidate = "\(dir)/\(program)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
}

/// This machine's host name as `gethostname` gives it (what mreg writes into lock files).
func hostName() -> String {
    var buf = [CChar](repeating: 0, count: 256)
    gethostname(&buf, buf.count)
    return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Programs some tests need; a test that needs one is skipped where it is absent.
enum Tools {
    static let git = which("git")
    static let time = FileManager.default.isExecutableFile(atPath: "/usr/bin/time") ? "/usr/bin/time" : nil
}

// MARK: temporary folders and files


/// A temporary folder with an mreg runner whose HOME is `<tmp>/home`; `body` gets the runner and
/// `<tmp>/work`, an empty folder to run in (with no store yet).
func withMreg<R>(_ body: (MregRunner, String) throws -> R) throws -> R {
    try withTemporaryDirectory { tmp in
        let work = "\(tmp)/work"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        return try body(try MregRunner(home: "\(tmp)/home"), work)
    }
}

/// Like `withMreg`, with a store already made by `mreg init` in the work folder.
func withStore<R>(_ body: (MregRunner, String) throws -> R) throws -> R {
    try withMreg { mreg, work in
        try mreg.run(["init", "-q"], cwd: work).succeeded()
        return try body(mreg, work)
    }
}




/// Deterministic incompressible bytes (xorshift64).
func randomBytes(_ count: Int, seed: UInt64 = 0x2545_F491_4F6C_DD1D) -> [UInt8] {
    var state = seed | 1
    var out = [UInt8](repeating: 0, count: count)
    out.withUnsafeMutableBytes { raw in
        let words = raw.bindMemory(to: UInt64.self)
        for i in 0..<words.count {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            words[i] = state
        }
        for i in (words.count * 8)..<count {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            raw[i] = UInt8(truncatingIfNeeded: state)
        }
    }
    return out
}

/// Writes a file of `size` bytes made of one random MiB repeated (fast to make, fast to hash).
func writeLargeFile(_ path: String, size: Int, seed: UInt64 = 7) throws {
    let block = randomBytes(1 << 20, seed: seed)
    guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
        throw RunnerError(message: "cannot create '\(path)'")
    }
    defer { try? handle.close() }
    var left = size
    while left > 0 {
        let n = min(left, block.count)
        try handle.write(contentsOf: block[..<n])
        left -= n
    }
}


