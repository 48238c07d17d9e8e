#if canImport(Glibc)
import MregSupport
import Glibc
#endif
import MregStore

/// Opening a file whose header is about to be parsed: a regular file only (never a FIFO
/// that could block), read-only, with its size.
enum RegularFile {
    /// - Returns: the open descriptor (the caller closes it) and the file's size.
    /// - Throws: `RegistryError.io` when it cannot be opened, `.badInput` when it is not a regular file.
    static func open(_ path: String) throws -> (fd: Int32, size: Int64) {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            throw RegistryError.io(.init("open", path, errno: errno))
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let code = errno
            close(fd)
            throw RegistryError.io(.init("stat", path, errno: code))
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw RegistryError.badInput(.unusablePath(action: "read", path: path, problem: "not a regular file"))
        }
        return (fd, Int64(st.st_size))
    }

    /// Up to `count` bytes at `offset` (fewer at the end of the file), or nil on a read error.
    static func read(fd: Int32, offset: Int64, count: Int) -> [UInt8]? {
        guard count > 0, offset >= 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = bytes.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return pread(fd, base + done, count - done, off_t(offset) + off_t(done))
            }
            if n < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if n == 0 { break }
            done += n
        }
        return Array(bytes[0..<done])
    }
}
