#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// A test seam: `MREG_TEST_KILL_AT=<point>[#<n>]` makes mreg kill itself with SIGKILL
/// the n-th time (default: the first) it reaches the named point of a write.
///
/// The crash-loop tests use it to stop a command exactly inside the windows that matter
/// (a lock taken but not yet written, a head moved but no derived ref yet, …) and check
/// that what is left is reported and repaired. Without the variable, `reach` is a lookup
/// of a value read once. The points are listed in ARCHITECTURE.md (crash safety).
public enum KillPoint {
    /// The environment variable that names the point.
    public static let variable = "MREG_TEST_KILL_AT"

    /// The point to die at and the count of the hit to die on, read once.
    private static let target: (name: String, hit: Int)? = {
        guard let raw = ProcessInfo.processInfo.environment[variable], !raw.isEmpty else { return nil }
        let parts = raw.split(separator: "#", maxSplits: 1)
        let hit = parts.count == 2 ? Int(parts[1]) ?? 1 : 1
        return (String(parts[0]), max(1, hit))
    }()

    /// How often the target point was reached so far.
    private static let hits = Mutex(0)

    /// Kills this process with SIGKILL if `name` is the point `MREG_TEST_KILL_AT` names and
    /// this is the hit it asks for; otherwise does nothing.
    public static func reach(_ name: String) {
        guard let target, target.name == name else { return }
        let count = hits.withLock { value -> Int in
            value += 1
            return value
        }
        if count == target.hit { kill(getpid(), SIGKILL) }
    }
}
