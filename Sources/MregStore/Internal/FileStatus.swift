import SystemPackage

/// What `stat` says about a file, in portable fields.
///
/// The one place that reads `struct stat`: its time fields are `st_mtim` on Linux and
/// `st_mtimespec` on Darwin, which swift-system's `Stat` reconciles. Everything else
/// (the registry's stat cache, fsck's lock ages, object sizes) asks this type.
public struct FileStatus: Sendable, Equatable {
    /// Size in bytes.
    public var size: Int64
    /// Bytes the file takes on disk (512-byte blocks allocated).
    public var allocatedBytes: Int64
    /// Last modification, in nanoseconds since 1970.
    public var modificationTime: Int64
    /// Last status change (inode change), in nanoseconds since 1970.
    public var changeTime: Int64
    /// The inode number.
    public var inode: UInt64
    /// The device holding the file.
    public var device: UInt64
    /// The permission bits, with set-user-id, set-group-id and sticky.
    public var permissions: UInt32
    let type: FileType

    /// A regular file.
    public var isRegularFile: Bool { type == .regular }
    /// A folder.
    public var isDirectory: Bool { type == .directory }
    /// A symbolic link (only seen when symbolic links are not followed).
    public var isSymbolicLink: Bool { type == .symbolicLink }

    /// Stats `path`; with `followingSymlinks: false`, a symbolic link itself (`lstat`).
    public init(path: String, followingSymlinks: Bool = true) throws {
        try self.init(FilePath(path), followingSymlinks: followingSymlinks)
    }

    package init(_ path: FilePath, followingSymlinks: Bool = true) throws {
        let st: Stat
        do throws(Errno) {
            st = try Stat(path, followTargetSymlink: followingSymlinks)
        } catch {
            throw StoreError.io(operation: "stat", path: path, errno: error)
        }
        self.init(st)
    }

    /// Stats an open file; `path` names it in errors.
    package init(_ descriptor: FileDescriptor, path: FilePath) throws {
        let st: Stat
        do throws(Errno) {
            st = try Stat(descriptor)
        } catch {
            throw StoreError.io(operation: "stat", path: path, errno: error)
        }
        self.init(st)
    }

    private init(_ st: Stat) {
        size = st.size
        allocatedBytes = st.sizeAllocated
        modificationTime = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
        changeTime = Int64(st.st_ctim.tv_sec) * 1_000_000_000 + Int64(st.st_ctim.tv_nsec)
        inode = UInt64(st.inode.rawValue)
        device = UInt64(st.deviceID.rawValue)
        permissions = UInt32(st.mode.permissions.rawValue)
        type = st.type
    }

    /// Seconds since 1970 of the last modification.
    public var modificationSeconds: Int64 { modificationTime / 1_000_000_000 }
}
