import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A `<file>.lock` taken with O_CREAT|O_EXCL, holding the owner's pid, host and time.
///
/// It works on NFS, where flock can hang. A lock left by a crashed process is
/// reported, never broken silently.
public final class LockFile {
    public let path: String
    /// Set only once the lock file is ours: a failed init must not remove another process's lock.
    private var held = false

    /// Who holds a lock, as written inside it.
    public struct Owner: Sendable, Equatable {
        public var pid: Int32
        public var host: String
        public var time: String

        /// Whether this owner is a process on this host that is no longer running.
        public var isDeadLocalProcess: Bool {
            host == Posix.hostName() && !Posix.processAlive(pid)
        }
    }

    /// Takes the lock for `target` (the lock file is `target + ".lock"`).
    public init(for target: String, mode: mode_t = 0o644) throws {
        path = target + ".lock"
        let fd: Int32
        do {
            fd = try Posix.open(path, O_WRONLY | O_CREAT | O_EXCL, mode: mode)
        } catch let e as StoreError where e.code == .alreadyExists {
            throw LockFile.heldError(path: path)
        }
        defer { Posix.close(fd) }
        // The wall clock, not MREG_NOW: it says when this process took the lock.
        let owner = "pid=\(getpid()) host=\(Posix.hostName()) time=\(Timestamp.format(Date()))\n"
        do {
            try Posix.writeAll(fd, Array(owner.utf8), path: path)
        } catch {
            Posix.unlink(path)
            throw error
        }
        held = true
    }

    deinit { release() }

    /// Removes the lock file.
    public func release() {
        if held {
            Posix.unlink(path)
            held = false
        }
    }

    /// Reads the owner recorded in a lock file.
    public static func owner(at path: String) -> Owner? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        var fields = [String: String]()
        for pair in text.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            let kv = pair.split(separator: "=", maxSplits: 1)
            if kv.count == 2 { fields[String(kv[0])] = String(kv[1]) }
        }
        guard let pid = fields["pid"].flatMap({ Int32($0) }) else { return nil }
        return Owner(pid: pid, host: fields["host"] ?? "?", time: fields["time"] ?? "?")
    }

    static func heldError(path: String) -> StoreError {
        guard let owner = owner(at: path) else {
            return StoreError(.locked, "'\(path)' is locked by another process; if no mreg process is running, remove that lock file", path: path)
        }
        if owner.isDeadLocalProcess {
            return StoreError(.locked, "stale lock '\(path)' left by process \(owner.pid) on \(owner.host) at \(owner.time), which is no longer running; check the store with 'mreg fsck', then remove the lock file", path: path)
        }
        return StoreError(.locked, "'\(path)' is locked by process \(owner.pid) on \(owner.host) since \(owner.time); wait for it, or remove the lock file if that process is gone", path: path)
    }
}
