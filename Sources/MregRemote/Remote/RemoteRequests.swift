import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Counts the requests a process makes to remotes (S3 requests, and filesystem remote
/// operations: one per head, object or pack file touched, or stat). With
/// `MREG_TRACE_REQUESTS=1` the count is printed to stderr at exit
/// (`mreg: remote requests: N`), for `make bench-remote`.
public enum RemoteRequests {
    static let counter = Atomic<Int>(0)
    static let tracing: Bool = {
        guard ProcessInfo.processInfo.environment["MREG_TRACE_REQUESTS"] == "1" else { return false }
        atexit {
            let line = "mreg: remote requests: \(RemoteRequests.count)\n"
            _ = Array(line.utf8).withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        }
        return true
    }()

    /// Notes `n` requests.
    static func note(_ n: Int = 1) {
        _ = tracing
        counter.add(n, ordering: .relaxed)
    }

    /// Requests so far.
    public static var count: Int { counter.load(ordering: .relaxed) }
}
