#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import SystemPackage

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

        public init(pid: Int32, host: String, time: String) {
            self.pid = pid
            self.host = host
            self.time = time
        }

        /// Whether this owner is a process on this host that is no longer running.
        public var isDeadLocalProcess: Bool {
            host == LocalHost.name() && !LocalHost.processAlive(pid)
        }
    }

    /// Takes the lock for `target` (the lock file is `target + ".lock"`).
    public init(for target: String, mode: mode_t = 0o644) throws {
        path = target + ".lock"
        let lockPath = FilePath(path)
        let file: OpenFile
        do {
            file = try OpenFile.creatingNew(lockPath, permissions: mode)
        } catch let e as StoreError where e.errno == .fileExists {
            throw LockFile.heldError(path: lockPath)
        }
        defer { file.close() }
        // The wall clock, not MREG_NOW: it says when this process took the lock.
        let owner = "pid=\(LocalHost.processID) host=\(LocalHost.name()) time=\(Timestamp.format(Date()))\n"
        do {
            try file.writeAll(Array(owner.utf8))
        } catch {
            FileSystem.removeIfPresent(lockPath)
            throw error
        }
        held = true
    }

    deinit { release() }

    /// Removes the lock file.
    public func release() {
        if held {
            FileSystem.removeIfPresent(FilePath(path))
            held = false
        }
    }

    /// Reads the owner recorded in a lock file; nil when it is not a regular file
    /// or does not name a process.
    public static func owner(at path: String) -> Owner? {
        owner(at: FilePath(path))
    }

    static func owner(at path: FilePath) -> Owner? {
        // Never open a FIFO or a device that happens to carry a lock's name: it could block.
        guard let status = FileSystem.linkStatus(path), status.isRegularFile, status.size < 4096,
              let file = try? OpenFile.open(path, .readOnly, options: .nonBlocking) else { return nil }
        defer { file.close() }
        var bytes = [UInt8](repeating: 0, count: 4096)
        guard let count = try? bytes.withUnsafeMutableBytes({ try file.readFully(into: $0) }) else { return nil }
        let text = String(decoding: bytes[..<count], as: UTF8.self)
        var fields = [String: String]()
        for pair in text.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            let kv = pair.split(separator: "=", maxSplits: 1)
            if kv.count == 2 { fields[String(kv[0])] = String(kv[1]) }
        }
        guard let pid = fields["pid"].flatMap({ Int32($0) }) else { return nil }
        return Owner(pid: pid, host: fields["host"] ?? "?", time: fields["time"] ?? "?")
    }

    /// The error for the lock file at `path` that someone else holds, with its owner and
    /// whether that owner is gone.
    public static func heldError(at path: String) -> StoreError {
        heldError(path: FilePath(path))
    }

    static func heldError(path: FilePath) -> StoreError {
        let owner = owner(at: path)
        guard let owner, owner.isDeadLocalProcess else { return .locked(path: path, owner: owner, stale: false) }
        // The owner may have released the lock and exited between the two reads above (a
        // busy lock, not a stale one): stale only when the same lock file is still there.
        let again = Self.owner(at: path)
        return .locked(path: path, owner: owner, stale: again == owner)
    }
}
