#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import SystemPackage

/// A `<file>.lock` taken with O_CREAT|O_EXCL, holding the owner's pid, host, boot and time.
///
/// It works on NFS, where flock can hang. A lock whose owner is certainly gone (a process
/// of this host and boot that no longer runs, or a lock file left empty by a writer that
/// died before filling it) is removed by the next process that wants it: only the very
/// file that was inspected, under a breaker file, so a new owner's lock is never removed.
/// A lock of another host is never judged: it is reported with its owner and age.
/// FORMAT.md §2.2 describes the file and the rules.
public final class LockFile {
    public let path: String
    /// Set only once the lock file is ours: a failed init must not remove another process's lock.
    private var held = false

    /// Who holds a lock, as written inside it.
    public struct Owner: Sendable, Equatable {
        public var pid: Int32
        public var host: String
        public var time: String
        /// The boot of the host the lock was taken in (Linux's boot id), when it was recorded.
        public var boot: String?
        /// When the owning process started (clock ticks since boot), when it was recorded.
        public var start: String?

        public init(pid: Int32, host: String, time: String, boot: String? = nil, start: String? = nil) {
            self.pid = pid
            self.host = host
            self.time = time
            self.boot = boot
            self.start = start
        }

        /// Whether this owner is a process of this host that is no longer running: the host
        /// was booted again since, the pid is not alive, or it now belongs to a process that
        /// started at another time.
        public var isDeadLocalProcess: Bool {
            guard host == LocalHost.name() else { return false }
            if let boot, let current = LocalHost.bootID, boot != current { return true }
            guard LocalHost.processAlive(pid) else { return true }
            if let start, let current = LocalHost.processStart(pid), current != start { return true }
            return false
        }

        /// Seconds since the lock was taken, by the clock of this host; nil when the time cannot be read.
        public var age: TimeInterval? {
            Timestamp.parse(time).map { max(0, Date().timeIntervalSince($0)) }
        }
    }

    /// How long a lock file may stay empty (or without an owner) before it counts as left by
    /// a writer that died between creating and filling it. Filling takes microseconds.
    public static let unownedGrace: TimeInterval = 5

    /// How long a breaker file (`<lock>~break`) may stay before it counts as left by a
    /// process that died while removing a stale lock. Removing takes microseconds.
    static let breakerGrace: TimeInterval = 10

    /// Takes the lock for `target` (the lock file is `target + ".lock"`).
    ///
    /// A stale lock (see `Inspection.isStale`) is removed and taken; a live one is a
    /// `StoreError.locked` naming its owner.
    public init(for target: String, mode: mode_t = 0o644) throws {
        path = target + ".lock"
        let lockPath = FilePath(path)
        var lastError: StoreError?
        for _ in 0..<50 {
            let file: OpenFile
            do {
                file = try OpenFile.creatingNew(lockPath, permissions: mode)
            } catch let e as StoreError where e.errno == .fileExists {
                guard let seen = Inspection(lockPath) else { continue }  // released meanwhile
                lastError = seen.error
                guard seen.isStale else { throw seen.error }
                // Another process is removing the same stale lock (or died doing so, which
                // clears after `breakerGrace`): busy, not stale, so that callers wait and retry.
                if !Self.breakStale(seen) {
                    lastError = .locked(path: lockPath, owner: seen.owner, stale: false)
                    usleep(2_000)
                }
                continue
            }
            defer { file.close() }
            KillPoint.reach("lock-created")
            do {
                try file.writeAll(Array(Self.ownerLine().utf8))
            } catch {
                FileSystem.removeIfPresent(lockPath)
                throw error
            }
            held = true
            KillPoint.reach("lock-taken")
            return
        }
        throw lastError ?? LockFile.heldError(path: lockPath)
    }

    deinit { release() }

    /// Removes the lock file.
    public func release() {
        if held {
            FileSystem.removeIfPresent(FilePath(path))
            held = false
        }
    }

    /// What this process writes into a lock file it takes.
    static func ownerLine() -> String {
        // The wall clock, not MREG_NOW: it says when this process took the lock.
        var line = "pid=\(LocalHost.processID) host=\(LocalHost.name())"
        if let boot = LocalHost.bootID { line += " boot=\(boot)" }
        if let start = LocalHost.processStart(LocalHost.processID) { line += " start=\(start)" }
        return line + " time=\(Timestamp.format(Date()))\n"
    }

    /// Reads the owner recorded in a lock file; nil when it is not a regular file
    /// or does not name a process.
    public static func owner(at path: String) -> Owner? {
        owner(at: FilePath(path))
    }

    static func owner(at path: FilePath) -> Owner? {
        Inspection(path)?.owner
    }

    /// Parses `pid=… host=… boot=… start=… time=…` (fields in any order, unknown ones ignored).
    static func parseOwner(_ bytes: [UInt8]) -> Owner? {
        let text = String(decoding: bytes, as: UTF8.self)
        var fields = [String: String]()
        for pair in text.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            let kv = pair.split(separator: "=", maxSplits: 1)
            if kv.count == 2 { fields[String(kv[0])] = String(kv[1]) }
        }
        guard let pid = fields["pid"].flatMap({ Int32($0) }), pid > 0 else { return nil }
        return Owner(pid: pid, host: fields["host"] ?? "?", time: fields["time"] ?? "?",
                     boot: fields["boot"], start: fields["start"])
    }

    /// The error for the lock file at `path` that someone else holds, with its owner and
    /// whether it is stale.
    public static func heldError(at path: String) -> StoreError {
        heldError(path: FilePath(path))
    }

    static func heldError(path: FilePath) -> StoreError {
        Inspection(path)?.error ?? .locked(path: path, owner: nil, stale: false)
    }

    /// Removes the lock file at `path` if it is stale, exactly as inspected; returns whether it did.
    ///
    /// For `fsck --repair`: a lock of a live process, or of another host, stays.
    public static func removeIfStale(at path: String) -> Bool {
        let lockPath = FilePath(path)
        guard let seen = Inspection(lockPath), seen.isStale else { return false }
        _ = breakStale(seen)
        return Inspection(lockPath).map { !$0.sameFile(as: seen) } ?? true
    }

    /// Removes the stale lock file `seen` described, if it is still that very file.
    ///
    /// Breakers take `<lock>~break` (O_CREAT|O_EXCL) and inspect the lock again under it, so
    /// two processes never both remove "the" stale lock, the second one removing the fresh
    /// lock of a third. Returns false when another process holds the breaker.
    static func breakStale(_ seen: Inspection) -> Bool {
        let breaker = FilePath(seen.path.string + "~break")
        let guardFile: OpenFile
        do {
            guardFile = try OpenFile.creatingNew(breaker, permissions: 0o644)
        } catch {
            // A breaker older than a moment was left by a process that died breaking.
            if let status = FileSystem.linkStatus(breaker), status.isRegularFile,
               Date().timeIntervalSince1970 - Double(status.modificationTime) / 1e9 > breakerGrace {
                FileSystem.removeIfPresent(breaker)
            }
            return false
        }
        try? guardFile.writeAll(Array(ownerLine().utf8))
        guardFile.close()
        defer { FileSystem.removeIfPresent(breaker) }
        KillPoint.reach("lock-breaking")
        // Under the breaker the lock can only change by its owner releasing it, and a stale
        // lock has no owner left: what is inspected now is what gets removed.
        guard let now = Inspection(seen.path), now.sameFile(as: seen), now.isStale else { return true }
        // Move it aside and check that the moved file is the inspected one before deleting it.
        let aside = FilePath("\(seen.path.string)~stale\(LocalHost.randomSuffix())")
        guard (try? FileSystem.move(seen.path, to: aside)) != nil else { return true }
        if let moved = FileSystem.linkStatus(aside), moved.device == seen.device, moved.inode == seen.inode {
            FileSystem.removeIfPresent(aside)
        } else {
            // Not the file inspected (only possible if a breaker was itself broken): put it back.
            try? FileSystem.hardLink(aside, to: seen.path)
            FileSystem.removeIfPresent(aside)
        }
        return true
    }
}
