import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a program to completion and captures what it prints: the one way mreg starts
/// processes (`git`, `ssh-keygen`, hooks).
///
/// The child is started with `posix_spawn` and everything after runs on the thread that
/// waits for it: one `poll` loop writes its stdin while draining its stdout and stderr, so a
/// child that prints a lot before (or instead of) reading its input cannot fill a pipe and
/// deadlock. Nothing process-wide changes: a child that exits without reading all its
/// input makes the write fail with `EPIPE`, because `SIGPIPE` is blocked on this thread
/// only while writing (and the one it raised is consumed); the child itself starts with
/// no blocked signals and every handler at its default.
///
/// Why not swift-subprocess (swiftlang/swift-subprocess 1.0.2): it is async, and mreg's
/// callers are synchronous, so each run would block a thread waiting on a task. Swift
/// Testing runs synchronous tests on the cooperative pool (2 threads on 2 cores), where
/// such blocking can starve the very tasks it waits for. It also leaves `SIGPIPE` to the
/// caller (its own tests ignore it process-wide, which this must not do), and on kernels
/// without pidfd it installs a process-wide `SIGCHLD` handler. A synchronous runner of
/// this size avoids all three.
public enum ProcessRunner {
    /// How a process ended.
    public enum Termination: Sendable, Equatable {
        /// It exited with this status.
        case exited(Int32)
        /// A signal (this number) killed it.
        case signaled(Int32)
    }

    /// What a finished process did.
    public struct Output: Sendable {
        public var termination: Termination
        public var stdoutBytes: [UInt8]
        public var stderrBytes: [UInt8]
        /// True when the run was stopped (by `SIGKILL`) because its time was up.
        public var timedOut: Bool

        /// stdout as UTF-8 text.
        public var stdout: String { String(decoding: stdoutBytes, as: UTF8.self) }
        /// stderr as UTF-8 text.
        public var stderr: String { String(decoding: stderrBytes, as: UTF8.self) }

        /// The status as a shell reports it: the exit status, or 128 + the signal's number.
        public var status: Int32 {
            switch termination {
            case .exited(let code): return code
            case .signaled(let signal): return 128 + signal
            }
        }
    }

    /// Why a program could not be started.
    public struct LaunchError: Error, Sendable, CustomStringConvertible {
        public enum Kind: Sendable, Equatable {
            /// No such executable (on `PATH`, for a bare name).
            case notFound
            /// It exists but the system would not run it.
            case cannotStart
        }

        public var kind: Kind
        public var executable: String
        /// The reason, in a few words.
        public var reason: String

        public var description: String { "cannot run '\(executable)': \(reason)" }
    }

    /// A started child: `wait()` (exactly once) feeds its input, collects its output and reaps it.
    public struct Child: Sendable {
        /// The child's process id, to signal it while another thread waits.
        public let pid: Int32
        let input: [UInt8]
        let stdin: Int32?
        let stdout: Int32
        let stderr: Int32
        let deadline: ContinuousClock.Instant?

        /// Feeds the input, reads both outputs to their ends and waits for the child to exit
        /// (killing it when its time is up). Call it once.
        public func wait() -> Output {
            let exchanged = ProcessRunner.exchange(pid: pid, input: input, stdin: stdin, stdout: stdout, stderr: stderr,
                                                   deadline: deadline)
            return Output(termination: ProcessRunner.wait(pid), stdoutBytes: exchanged.stdout, stderrBytes: exchanged.stderr,
                          timedOut: exchanged.timedOut)
        }
    }

    /// Runs `executable` with `arguments` and waits for it to end.
    ///
    /// - Parameters:
    ///   - executable: a path, or a bare name looked up on the `PATH` of `environment`.
    ///   - directory: the child's working folder (default: this process's).
    ///   - environment: the child's whole environment (default: this process's).
    ///   - input: written to the child's stdin, which is then closed; nil gives it `/dev/null`.
    ///   - timeout: after this long the child is killed and `timedOut` is set.
    /// - Throws: `LaunchError` when the program cannot be started.
    public static func run(_ executable: String, _ arguments: [String] = [], directory: String? = nil,
                           environment: [String: String]? = nil, input: [UInt8]? = nil,
                           timeout: Duration? = nil) throws(LaunchError) -> Output {
        try start(executable, arguments, directory: directory, environment: environment, input: input, timeout: timeout).wait()
    }

    /// Starts `executable` as `run` does, without waiting: the caller must `wait()` on the child.
    public static func start(_ executable: String, _ arguments: [String] = [], directory: String? = nil,
                             environment: [String: String]? = nil, input: [UInt8]? = nil,
                             timeout: Duration? = nil) throws(LaunchError) -> Child {
        let environment = environment ?? ProcessInfo.processInfo.environment
        let path = try locate(executable, searchPath: environment["PATH"])
        var pipes = [(read: Int32, write: Int32)]()
        for _ in 0..<(input == nil ? 2 : 3) {
            do {
                pipes.append(try pipe(for: executable))
            } catch {
                for p in pipes { close(p.read); close(p.write) }
                throw error
            }
        }
        let stdout = pipes[0], stderr = pipes[1], stdin = input == nil ? nil : pipes[2]
        let pid: pid_t
        do {
            defer {
                // The child's ends are the child's now (or unused): close them here.
                if let stdin { close(stdin.read) }
                close(stdout.write)
                close(stderr.write)
            }
            pid = try spawn(path, name: executable, arguments: arguments, directory: directory, environment: environment,
                            stdin: stdin?.read, stdout: stdout.write, stderr: stderr.write)
        } catch {
            if let stdin { close(stdin.write) }
            close(stdout.read)
            close(stderr.read)
            throw error
        }
        return Child(pid: pid, input: input ?? [], stdin: stdin?.write, stdout: stdout.read, stderr: stderr.read,
                     deadline: timeout.map { ContinuousClock.now + $0 })
    }

    // MARK: starting

    /// The file to execute: `executable` itself when it holds a `/`, else the first match on `searchPath`.
    static func locate(_ executable: String, searchPath: String?) throws(LaunchError) -> String {
        if executable.isEmpty { throw LaunchError(kind: .notFound, executable: executable, reason: "no program named") }
        if executable.contains("/") {
            guard access(executable, F_OK) == 0 else {
                throw LaunchError(kind: .notFound, executable: executable, reason: "no such file")
            }
            return executable
        }
        for folder in (searchPath ?? "/usr/bin:/bin").split(separator: ":", omittingEmptySubsequences: false) {
            let candidate = (folder.isEmpty ? "." : String(folder)) + "/" + executable
            var st = stat()
            if stat(candidate, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, access(candidate, X_OK) == 0 { return candidate }
        }
        throw LaunchError(kind: .notFound, executable: executable, reason: "it is not installed (not found on PATH)")
    }

    /// A pipe whose both ends are closed on exec (the child gets copies as 0, 1, 2).
    private static func pipe(for executable: String) throws(LaunchError) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        #if canImport(Glibc)
        // Atomically close-on-exec, so a child another thread starts meanwhile cannot inherit an end.
        let rc: Int32
        if let pipe2 = GNU.pipe2 {
            rc = pipe2(&fds, O_CLOEXEC)
        } else {
            rc = Glibc.pipe(&fds)
            if rc == 0 { for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) } }
        }
        #else
        let rc = Darwin.pipe(&fds)
        if rc == 0 { for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) } }
        #endif
        guard rc == 0 else {
            throw LaunchError(kind: .cannotStart, executable: executable, reason: "no pipe: \(String(cString: strerror(errno)))")
        }
        return (fds[0], fds[1])
    }

    /// Starts the child with its stdio on the given descriptors (`/dev/null` for a nil stdin).
    private static func spawn(_ path: String, name: String, arguments: [String], directory: String?, environment: [String: String],
                              stdin: Int32?, stdout: Int32, stderr: Int32) throws(LaunchError) -> pid_t {
        #if canImport(Darwin)
        var actions: posix_spawn_file_actions_t?
        var attributes: posix_spawnattr_t?
        #else
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let stdin {
            posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        #if canImport(Glibc)
        // Descriptors this process opened without close-on-exec stay out of the child.
        _ = GNU.addClosefrom?(&actions, 3)
        if let directory {
            guard let addChdir = GNU.addChdir else {
                throw LaunchError(kind: .cannotStart, executable: name, reason: "this C library cannot start a program in another folder (glibc 2.29 or later is needed)")
            }
            _ = addChdir(&actions, directory)
        }
        #else
        if let directory { posix_spawn_file_actions_addchdir_np(&actions, directory) }
        #endif

        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigfillset(&defaults)
        sigdelset(&defaults, SIGKILL)
        sigdelset(&defaults, SIGSTOP)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var flags = Int32(POSIX_SPAWN_SETSIGMASK) | Int32(POSIX_SPAWN_SETSIGDEF)
        #if canImport(Darwin)
        flags |= Int32(POSIX_SPAWN_CLOEXEC_DEFAULT)
        #endif
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let argv = ([name] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var pid = pid_t()
        let rc = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        guard rc == 0 else {
            let reason: String
            switch rc {
            case ENOEXEC: reason = "it is not an executable program (a script must start with #!)"
            case ENOENT where directory != nil: reason = "\(String(cString: strerror(rc))) (it, its interpreter or the folder '\(directory ?? "")')"
            default: reason = String(cString: strerror(rc))
            }
            throw LaunchError(kind: .cannotStart, executable: name, reason: reason)
        }
        return pid
    }

    // MARK: talking

    /// Writes `input` to `stdin` (then closes it) while reading `stdout` and `stderr` to their ends,
    /// all on this thread; kills the child when `deadline` passes. Closes every descriptor it is given.
    static func exchange(pid: pid_t, input: [UInt8], stdin: Int32?, stdout: Int32, stderr: Int32,
                                 deadline: ContinuousClock.Instant?) -> (stdout: [UInt8], stderr: [UInt8], timedOut: Bool) {
        var inFD = stdin ?? -1, outFD = stdout, errFD = stderr
        var collected: [[UInt8]] = [[], []]
        var written = 0
        var timedOut = false
        for fd in [inFD, outFD, errFD] where fd >= 0 { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        if inFD >= 0 && input.isEmpty { close(inFD); inFD = -1 }
        var guardPipe = BrokenPipeGuard(active: inFD >= 0, fd: inFD)
        defer { guardPipe.end() }
        var buffer = [UInt8](repeating: 0, count: 64 << 10)

        while inFD >= 0 || outFD >= 0 || errFD >= 0 {
            var polled = [pollfd]()
            if inFD >= 0 { polled.append(pollfd(fd: inFD, events: Int16(POLLOUT), revents: 0)) }
            if outFD >= 0 { polled.append(pollfd(fd: outFD, events: Int16(POLLIN), revents: 0)) }
            if errFD >= 0 { polled.append(pollfd(fd: errFD, events: Int16(POLLIN), revents: 0)) }
            var wait: Int32 = -1
            if let deadline {
                let left = deadline - ContinuousClock.now
                if left <= .zero {
                    kill(pid, SIGKILL)
                    timedOut = true
                    break
                }
                let (seconds, attoseconds) = left.components
                wait = Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
            }
            let ready = poll(&polled, nfds_t(polled.count), wait)
            if ready < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                break
            }
            for p in polled where p.revents != 0 {
                if p.fd == inFD {
                    let n = input.withUnsafeBytes { raw in
                        write(inFD, raw.baseAddress! + written, min(raw.count - written, 64 << 10))
                    }
                    if n > 0 { written += n }
                    if written == input.count || (n < 0 && errno != EAGAIN && errno != EINTR) {
                        if n < 0 && errno == EPIPE { guardPipe.sawBrokenPipe() }
                        close(inFD)
                        inFD = -1
                    }
                } else {
                    let slot = p.fd == outFD ? 0 : 1
                    let n = buffer.withUnsafeMutableBytes { read(p.fd, $0.baseAddress, $0.count) }
                    if n > 0 {
                        collected[slot].append(contentsOf: buffer[..<n])
                    } else if n == 0 || (errno != EAGAIN && errno != EINTR) {
                        close(p.fd)
                        if slot == 0 { outFD = -1 } else { errFD = -1 }
                    }
                }
            }
        }
        for fd in [inFD, outFD, errFD] where fd >= 0 { close(fd) }
        return (collected[0], collected[1], timedOut)
    }

    /// Waits for the child to end and says how.
    static func wait(_ pid: pid_t) -> Termination {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return .exited(127) }
        }
        let signal = status & 0x7f
        return signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal)
    }
}

/// Keeps a write to a child's closed stdin from raising `SIGPIPE` in this process, without
/// touching process-wide signal handling: on Linux `SIGPIPE` is blocked on this thread only
/// (a write then fails with `EPIPE`) and the one such a write left pending is consumed
/// before the mask is restored; on Darwin the pipe itself is told not to raise it.
private struct BrokenPipeGuard {
    private var active: Bool
    private var broke = false
    #if canImport(Glibc)
    private var previousMask = sigset_t()
    private var pendingBefore = false
    #endif

    init(active: Bool, fd: Int32) {
        #if canImport(Glibc)
        self.active = active
        guard active else { return }
        var pipeOnly = Self.pipeSignal()
        pthread_sigmask(SIG_BLOCK, &pipeOnly, &previousMask)
        var pending = sigset_t()
        sigpending(&pending)
        pendingBefore = sigismember(&pending, SIGPIPE) == 1
        #else
        self.active = false
        if active { _ = fcntl(fd, F_SETNOSIGPIPE, 1) }
        #endif
    }

    /// A write failed with `EPIPE`, so this thread has a `SIGPIPE` pending.
    mutating func sawBrokenPipe() { broke = true }

    /// Consumes the `SIGPIPE` a broken pipe raised and restores this thread's signal mask.
    func end() {
        #if canImport(Glibc)
        guard active else { return }
        if broke && !pendingBefore {
            var pipeOnly = Self.pipeSignal()
            var now = timespec(tv_sec: 0, tv_nsec: 0)
            _ = sigtimedwait(&pipeOnly, nil, &now)
        }
        var mask = previousMask
        pthread_sigmask(SIG_SETMASK, &mask, nil)
        #endif
    }

    #if canImport(Glibc)
    private static func pipeSignal() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGPIPE)
        return set
    }
    #endif
}

#if canImport(Glibc)
/// glibc functions that Swift's Glibc module does not declare (they need `_GNU_SOURCE`),
/// looked up when first used; nil on a C library too old to have them.
private enum GNU {
    typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>?, Int32) -> Int32
    typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, UnsafePointer<CChar>?) -> Int32
    typealias AddClosefrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32

    static var pipe2: Pipe2? { symbol("pipe2") }
    /// `posix_spawn_file_actions_addchdir_np` (glibc 2.29).
    static var addChdir: AddChdir? { symbol("posix_spawn_file_actions_addchdir_np") }
    /// `posix_spawn_file_actions_addclosefrom_np` (glibc 2.34).
    static var addClosefrom: AddClosefrom? { symbol("posix_spawn_file_actions_addclosefrom_np") }

    private static func symbol<F>(_ name: String) -> F? {
        // A nil handle is RTLD_DEFAULT: the process's global symbols.
        guard let address = dlsym(nil, name) else { return nil }
        return unsafeBitCast(address, to: F.self)
    }
}
#endif
