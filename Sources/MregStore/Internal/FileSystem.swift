#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SystemPackage

/// Operations on paths that the store needs, each failure a `StoreError.io` naming the path.
///
/// Files are opened, read and written through swift-system (see `OpenFile`); the calls it
/// lacks (rename, link, unlink, mkdir, chmod, readdir) are made here and nowhere else.
package enum FileSystem {
    /// The calling thread's `errno`, read right after a failed call.
    package static var lastErrno: Errno { Errno(rawValue: errno) }

    /// Runs a call that returns -1 on failure, again when a signal interrupted it.
    package static func retrying(_ operation: String, _ path: FilePath, _ call: () -> Int32) throws {
        while call() == -1 {
            let code = lastErrno
            if code != .interrupted { throw StoreError.io(operation: operation, path: path, errno: code) }
        }
    }

    /// Renames `from` to `to`, replacing `to` atomically.
    package static func move(_ from: FilePath, to: FilePath) throws {
        try retrying("rename to '\(to)' from", from) {
            from.withPlatformString { f in to.withPlatformString { t in rename(f, t) } }
        }
    }

    /// Makes `to` a second name of `from`.
    package static func hardLink(_ from: FilePath, to: FilePath) throws {
        try retrying("link object into", to) {
            from.withPlatformString { f in to.withPlatformString { t in link(f, t) } }
        }
    }

    /// Removes a file.
    package static func remove(_ path: FilePath) throws {
        try retrying("delete", path) { path.withPlatformString { unlink($0) } }
    }

    /// Removes a file if it is there, ignoring failure (cleanup after another error).
    package static func removeIfPresent(_ path: FilePath) {
        _ = path.withPlatformString { unlink($0) }
    }

    /// Removes an empty folder, ignoring failure (it may have gained entries).
    package static func removeEmptyDirectory(_ path: FilePath) {
        _ = path.withPlatformString { rmdir($0) }
    }

    /// Sets a file's permission bits, ignoring failure (a best effort for shared stores).
    package static func setPermissions(_ path: FilePath, _ mode: mode_t) {
        _ = path.withPlatformString { chmod($0, mode) }
    }

    /// What `lstat` says about `path`, or nil when it cannot be had.
    package static func linkStatus(_ path: FilePath) -> FileStatus? {
        try? FileStatus(path, followingSymlinks: false)
    }

    /// Whether the calling user may read `path` (`access` with the real user and group ids).
    package static func isReadable(_ path: FilePath) -> Bool {
        path.withPlatformString { access($0, R_OK) } == 0
    }

    /// Whether anything (a file, a folder, a dangling symbolic link) is at `path`.
    package static func exists(_ path: FilePath) -> Bool {
        linkStatus(path) != nil
    }

    /// Whether `path` is a folder, or a symbolic link to one.
    package static func isDirectory(_ path: FilePath) -> Bool {
        (try? FileStatus(path))?.isDirectory == true
    }

    /// Creates `path` and its missing parents with `mode`.
    package static func makeDirectories(_ path: FilePath, mode: mode_t = 0o755) throws {
        if isDirectory(path) { return }
        let parent = path.removingLastComponent()
        if parent.lastComponent != nil && parent != path { try makeDirectories(parent, mode: mode) }
        let made = path.withPlatformString { mkdir($0, mode) }
        if made != 0 {
            let code = lastErrno
            if code != .fileExists { throw StoreError.io(operation: "create directory", path: path, errno: code) }
        }
        if mode & 0o7000 != 0 || mode & 0o020 != 0 { setPermissions(path, mode) }
    }

    /// The names in a folder, without `.` and `..`; empty when it cannot be read.
    ///
    /// Names are returned as the file system holds them, as path components, so a name
    /// that is not UTF-8 still names its file.
    package static func listDirectory(_ path: FilePath) -> [FilePath.Component] {
        guard let dir = path.withPlatformString({ opendir($0) }) else { return [] }
        defer { closedir(dir) }
        var names = [FilePath.Component]()
        // The name is read in place, never by copying a `dirent`: readdir packs entries as
        // long as their names (`d_reclen`), so a copy of the whole struct can read past the
        // end of the buffer, and off a mapped page.
        guard let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name),
              let lengthOffset = MemoryLayout<dirent>.offset(of: \dirent.d_reclen) else { return [] }
        while let entry = readdir(dir) {
            let record = UnsafeRawPointer(entry)
            let recordLength = Int(record.load(fromByteOffset: lengthOffset, as: UInt16.self))
            let room = recordLength - nameOffset
            guard room > 0 else { continue }
            let name = record.advanced(by: nameOffset).assumingMemoryBound(to: CChar.self)
            guard strnlen(name, room) < room, let component = FilePath.Component(platformString: name),
                  component.kind == .regular else { continue }
            names.append(component)
        }
        return names
    }

    /// The names in a folder as strings, without `.` and `..`; empty when it cannot be read.
    ///
    /// Names that are not UTF-8 come back with U+FFFD in place of the bad bytes (as
    /// `FilePath.Component.string` gives them). Read straight from `readdir`, without making
    /// a `FilePath.Component` per entry: listing the 256 fan-out folders is fsck's hot loop.
    package static func listDirectory(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        guard let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name),
              let lengthOffset = MemoryLayout<dirent>.offset(of: \dirent.d_reclen) else { return [] }
        var names = [String]()
        while let entry = readdir(dir) {
            // In place, never by copying a `dirent` (see above).
            let record = UnsafeRawPointer(entry)
            let room = Int(record.load(fromByteOffset: lengthOffset, as: UInt16.self)) - nameOffset
            guard room > 0 else { continue }
            let name = record.advanced(by: nameOffset).assumingMemoryBound(to: UInt8.self)
            let length = strnlen(UnsafeRawPointer(name).assumingMemoryBound(to: CChar.self), room)
            guard length < room, length > 0 else { continue }
            let bytes = UnsafeBufferPointer(start: name, count: length)
            if length <= 2 && bytes.allSatisfy({ $0 == UInt8(ascii: ".") }) { continue }
            names.append(String(decoding: bytes, as: UTF8.self))
        }
        return names
    }
}
