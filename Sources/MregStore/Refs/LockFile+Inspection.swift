#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import SystemPackage

extension LockFile {
    /// One look at a lock file: which file it is (device, inode, size, mtime), what it
    /// holds, and whether it is stale.
    ///
    /// Two inspections of the same file compare equal with `sameFile(as:)`; a lock is
    /// removed only when a second inspection, under the breaker, finds the same file.
    public struct Inspection: Sendable {
        public var path: FilePath
        public var device: UInt64
        public var inode: UInt64
        public var size: Int64
        /// Last modification, in nanoseconds since 1970.
        public var modificationTime: Int64
        public var bytes: [UInt8]
        /// The owner written inside, or nil when the file is empty or does not name one.
        public var owner: Owner?
        /// Whether the lock can have no live owner: its owner is a process of this host and
        /// boot that no longer runs, or it has no owner and is older than `unownedGrace`.
        /// Anything that is not a regular file is never stale (it is not mreg's).
        public var isStale: Bool

        /// Inspects the lock file at `path`; nil when there is none.
        public init?(_ path: FilePath, now: Date = Date()) {
            guard let status = FileSystem.linkStatus(path) else { return nil }
            self.path = path
            device = status.device
            inode = status.inode
            size = status.size
            modificationTime = status.modificationTime
            bytes = []
            owner = nil
            isStale = false
            // Never open a FIFO or a device that happens to carry a lock's name: it could block.
            guard status.isRegularFile, status.size < 4096,
                  let file = try? OpenFile.open(path, .readOnly, options: .nonBlocking) else { return }
            defer { file.close() }
            // The file read is the file described: its identity comes from the open descriptor.
            guard let opened = try? file.status(), opened.isRegularFile else { return }
            device = opened.device
            inode = opened.inode
            var buffer = [UInt8](repeating: 0, count: 4096)
            guard let count = try? buffer.withUnsafeMutableBytes({ try file.readFully(into: $0) }) else { return }
            bytes = Array(buffer[..<count])
            size = Int64(count)
            modificationTime = opened.modificationTime
            owner = LockFile.parseOwner(bytes)
            if let owner {
                isStale = owner.isDeadLocalProcess
            } else {
                isStale = now.timeIntervalSince1970 - Double(modificationTime) / 1e9 > LockFile.unownedGrace
            }
        }

        /// Whether `other` looked at the very same file, unchanged.
        public func sameFile(as other: Inspection) -> Bool {
            path == other.path && device == other.device && inode == other.inode && size == other.size
                && modificationTime == other.modificationTime && bytes == other.bytes
        }

        /// Seconds since the lock was taken: by the time written inside, else by its mtime.
        public func age(now: Date = Date()) -> TimeInterval {
            if let age = owner?.age { return age }
            return max(0, now.timeIntervalSince1970 - Double(modificationTime) / 1e9)
        }

        /// The error a process that wants this lock gets.
        public var error: StoreError { .locked(path: path, owner: owner, stale: isStale) }
    }
}
