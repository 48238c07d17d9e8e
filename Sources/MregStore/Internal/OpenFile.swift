#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SystemPackage

/// An open file descriptor with the path it was opened at, so that every error names the file.
///
/// Reads and writes go through swift-system's `FileDescriptor`, which retries calls a
/// signal interrupted; short reads and writes are completed here. Closing is explicit.
struct OpenFile {
    let descriptor: FileDescriptor
    let path: FilePath

    /// Wraps a descriptor the caller opened (standard input, say); `path` names it in errors.
    init(descriptor: FileDescriptor, path: FilePath) {
        self.descriptor = descriptor
        self.path = path
    }

    /// Opens `path` with close-on-exec.
    static func open(_ path: FilePath, _ mode: FileDescriptor.AccessMode, options: FileDescriptor.OpenOptions = [],
                     permissions: mode_t = 0o644) throws -> OpenFile {
        do {
            let fd = try FileDescriptor.open(path, mode, options: options.union(.closeOnExec),
                                             permissions: FilePermissions(rawValue: permissions))
            return OpenFile(descriptor: fd, path: path)
        } catch let errno as Errno {
            throw StoreError.io(operation: options.contains(.create) ? "create" : "open", path: path, errno: errno)
        }
    }

    /// Opens `path` for reading.
    static func forReading(_ path: FilePath) throws -> OpenFile {
        try open(path, .readOnly)
    }

    /// Creates `path`, failing if it exists.
    static func creatingNew(_ path: FilePath, permissions: mode_t) throws -> OpenFile {
        try open(path, .writeOnly, options: [.create, .exclusiveCreate], permissions: permissions)
    }

    /// Reads up to `buffer.count` bytes; 0 means end of file.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        do {
            return try descriptor.read(into: buffer)
        } catch let errno as Errno {
            throw StoreError.io(operation: "read", path: path, errno: errno)
        }
    }

    /// Fills `buffer` unless the file ends first; returns the count read.
    func readFully(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var done = 0
        while done < buffer.count {
            let n = try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[done...]))
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// Reads everything from the current position to the end.
    func readToEnd() throws -> [UInt8] {
        var out = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = try chunk.withUnsafeMutableBytes { try read(into: $0) }
            if n == 0 { return out }
            out.append(contentsOf: chunk[..<n])
        }
    }

    /// Writes all of `bytes`, however many calls it takes.
    func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        do {
            _ = try descriptor.writeAll(bytes)
        } catch let errno as Errno {
            throw StoreError.io(operation: "write", path: path, errno: errno)
        }
    }

    /// Writes all of `bytes`.
    func writeAll(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try writeAll($0) }
    }

    /// Writes all the buffers `iov` points to, in order, in as few calls as the system allows.
    /// `iov` is consumed: its entries are advanced past what was written.
    func writeAll(vectors iov: inout [iovec]) throws {
        var start = 0
        while start < iov.count {
            let count = min(iov.count - start, 1024)
            let n = iov.withUnsafeBufferPointer { all in
                all.baseAddress.map { writev(descriptor.rawValue, $0 + start, Int32(count)) } ?? 0
            }
            if n < 0 {
                let code = FileSystem.lastErrno
                if code == .interrupted { continue }
                throw StoreError.io(operation: "write", path: path, errno: code)
            }
            var left = n
            while left > 0 && start < iov.count {
                if left >= iov[start].iov_len {
                    left -= iov[start].iov_len
                    start += 1
                } else {
                    iov[start].iov_base += left
                    iov[start].iov_len -= left
                    left = 0
                }
            }
            while start < iov.count && iov[start].iov_len == 0 { start += 1 }
        }
    }

    /// Flushes the file to stable storage (file systems that cannot are not an error).
    func sync() throws {
        while fsync(descriptor.rawValue) != 0 {
            let code = FileSystem.lastErrno
            if code == .interrupted { continue }
            if code == .invalidArgument { return }
            throw StoreError.io(operation: "sync", path: path, errno: code)
        }
    }

    /// Moves the read position back to the start.
    func rewind() throws {
        do {
            _ = try descriptor.seek(offset: 0, from: .start)
        } catch let errno as Errno {
            throw StoreError.io(operation: "seek in", path: path, errno: errno)
        }
    }

    /// What `fstat` says about the file.
    func status() throws -> FileStatus {
        try FileStatus(descriptor, path: path)
    }

    /// Closes the descriptor; a failure to close a file only read is of no consequence.
    func close() {
        try? descriptor.close()
    }
}
