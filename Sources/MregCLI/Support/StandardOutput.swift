import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one writer of standard output: every command's output goes through it (via `Terminal`),
/// buffered, and its first failure is kept for `MregCommand.main` to report before it exits.
///
/// A write that fails (`> /dev/full`, a closed descriptor, an I/O error) drops all later
/// output; the command then ends with one line on stderr and exit 5 (`MregCommand.main`).
/// A closed pipe (`mreg log | head -1`) ends the process quietly by `SIGPIPE`, as git does.
/// Output is written once 64 KiB are pending, before anything is written to stderr (so the
/// two stay in order), at once when stdout is a terminal, and at the end of the command.
enum StandardOutput {
    /// Standard output could not be written.
    struct WriteError: Error, CustomStringConvertible {
        /// The `errno` of the failed write.
        var code: Int32

        var description: String { "cannot write to standard output: \(String(cString: strerror(code)))" }
    }

    /// Bytes not yet written, and the first failure.
    private struct State {
        var pending: [UInt8] = []
        var failure: Int32?
    }

    /// Pending output is written once it reaches this many bytes.
    static let flushThreshold = 64 * 1024

    private static let state = Mutex(State())
    private static let interactive = isatty(1) == 1

    /// Puts `/dev/null` on any of descriptors 0, 1 and 2 that the process was started without
    /// (`mreg list >&-`), so that no file the command opens can take their place and receive
    /// its output; a closed stdout counts as a failed write (`EBADF`).
    static func claimClosedDescriptors() {
        for fd: Int32 in 0...2 where fcntl(fd, F_GETFD) == -1 && errno == EBADF {
            let null = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY)
            if null >= 0 && null != fd {
                dup2(null, fd)
                close(null)
            }
            if fd == 1 { state.withLock { $0.failure = EBADF } }
        }
    }

    /// Queues `bytes` for stdout; after a failure they are dropped (the failure is reported at the end).
    static func write(_ bytes: some Collection<UInt8>) {
        _ = try? append(bytes)
    }

    /// Queues `bytes` for stdout, throwing `WriteError` once writing has failed: for commands
    /// that stream much (`cat`), so they stop at the first failure.
    static func writeChecked(_ bytes: some Collection<UInt8>) throws {
        try append(bytes)
    }

    private static func append(_ bytes: some Collection<UInt8>) throws {
        let failed: Int32? = state.withLock { s in
            if s.failure != nil { return s.failure }
            if bytes.count >= flushThreshold {
                // Large pieces (cat) go straight out, after what is pending.
                drain(&s)
                let direct: Void? = bytes.withContiguousStorageIfAvailable { buffer in
                    if s.failure == nil { s.failure = writeAll(UnsafeRawBufferPointer(buffer)) }
                }
                if direct != nil { return s.failure }
            }
            s.pending.append(contentsOf: bytes)
            if interactive || s.pending.count >= flushThreshold { drain(&s) }
            return s.failure
        }
        if let failed { throw WriteError(code: failed) }
    }

    /// Writes what is pending; returns the first failure so far, if any. A closed pipe ends
    /// the process here (see `brokenPipe`).
    @discardableResult
    static func flush() -> WriteError? {
        state.withLock { s in
            drain(&s)
            return s.failure.map { WriteError(code: $0) }
        }
    }

    /// Writes `s.pending` to fd 1, recording the first failure.
    private static func drain(_ s: inout State) {
        defer { s.pending.removeAll(keepingCapacity: s.pending.count <= flushThreshold * 2) }
        guard s.failure == nil, !s.pending.isEmpty else { return }
        s.failure = s.pending.withUnsafeBytes { writeAll($0) }
    }

    /// Writes all of `raw` to fd 1; the `errno` of a failure, or nil. A closed pipe ends the process.
    private static func writeAll(_ raw: UnsafeRawBufferPointer) -> Int32? {
        guard let base = raw.baseAddress else { return nil }
        var done = 0
        while done < raw.count {
            let n = Glibc.write(1, base + done, raw.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EPIPE { brokenPipe() }
                return errno
            }
            done += n
        }
        return nil
    }

    /// The reader went away: end quietly, killed by `SIGPIPE` as git is (a shell reports 141).
    /// Reached only when `SIGPIPE` is ignored or blocked; otherwise the write itself raised it.
    private static func brokenPipe() -> Never {
        signal(SIGPIPE, SIG_DFL)
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGPIPE)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        raise(SIGPIPE)
        Foundation.exit(141)
    }
}
