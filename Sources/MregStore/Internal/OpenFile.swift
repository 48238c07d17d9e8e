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
package struct OpenFile: Sendable {
    package let descriptor: FileDescriptor
    package let path: FilePath
    /// When set, the file reads as only these bytes (an object inside a pack): `read` stops
    /// at the upper bound and `rewind` goes back to the lower one.
    package private(set) var window: Range<Int64>?

    /// Wraps a descriptor the caller opened (standard input, say); `path` names it in errors.
    package init(descriptor: FileDescriptor, path: FilePath) {
        self.descriptor = descriptor
        self.path = path
    }

    /// Opens `path` with close-on-exec.
    package static func open(_ path: FilePath, _ mode: FileDescriptor.AccessMode, options: FileDescriptor.OpenOptions = [],
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
    package static func forReading(_ path: FilePath) throws -> OpenFile {
        try open(path, .readOnly)
    }

    /// Opens a file of the store (an object) for reading, refusing anything but a regular file:
    /// a FIFO with an object's name must not block the reader, a device must not be read.
    ///
    /// - Throws: `StoreError.corrupt` (without an object: the caller names it) for another kind of file.
    package static func forReadingRegularFile(_ path: FilePath) throws -> OpenFile {
        let file = try open(path, .readOnly, options: .nonBlocking)
        let status: FileStatus
        do {
            status = try file.status()
        } catch {
            file.close()
            throw error
        }
        guard status.isRegularFile else {
            file.close()
            throw StoreError.corruptData("it is not a regular file (\(status.isDirectory ? "a folder" : "a FIFO, socket or device"))")
        }
        return file
    }

    /// Creates `path`, failing if it exists.
    package static func creatingNew(_ path: FilePath, permissions: mode_t) throws -> OpenFile {
        try open(path, .writeOnly, options: [.create, .exclusiveCreate], permissions: permissions)
    }

    /// Reads up to `buffer.count` bytes; 0 means end of file.
    package func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        do {
            if let window {
                let position = try descriptor.seek(offset: 0, from: .current)
                let left = window.upperBound - position
                guard left > 0 else { return 0 }
                let count = Int(min(Int64(buffer.count), left))
                return try descriptor.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<count]))
            }
            return try descriptor.read(into: buffer)
        } catch let errno as Errno {
            throw StoreError.io(operation: "read", path: path, errno: errno)
        }
    }

    /// Fills `buffer` unless the file ends first; returns the count read.
    package func readFully(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var done = 0
        while done < buffer.count {
            let n = try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[done...]))
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// Reads everything from the current position to the end.
    package func readToEnd() throws -> [UInt8] {
        var out = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = try chunk.withUnsafeMutableBytes { try read(into: $0) }
            if n == 0 { return out }
            out.append(contentsOf: chunk[..<n])
        }
    }

    /// Reads to the end, or returns nil as soon as more than `limit` bytes have come.
    package func readToEnd(limit: Int) throws -> [UInt8]? {
        var out = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = try chunk.withUnsafeMutableBytes { try read(into: $0) }
            if n == 0 { return out }
            if out.count + n > limit { return nil }
            out.append(contentsOf: chunk[..<n])
        }
    }

    /// Reads up to `buffer.count` bytes at `offset` without moving the read position; 0 means end of file.
    package func read(atOffset offset: Int64, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        do {
            return try descriptor.read(fromAbsoluteOffset: offset, into: buffer)
        } catch let errno as Errno {
            throw StoreError.io(operation: "read", path: path, errno: errno)
        }
    }

    /// Fills `buffer` from `offset` unless the file ends first; returns the count read.
    package func readFully(atOffset offset: Int64, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var done = 0
        while done < buffer.count {
            let n = try read(atOffset: offset + Int64(done), into: UnsafeMutableRawBufferPointer(rebasing: buffer[done...]))
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// Writes all of `bytes` at `offset`, without moving the write position.
    package func writeAll(_ bytes: UnsafeRawBufferPointer, atOffset offset: Int64) throws {
        do {
            _ = try descriptor.writeAll(toAbsoluteOffset: offset, bytes)
        } catch let errno as Errno {
            throw StoreError.io(operation: "write", path: path, errno: errno)
        }
    }

    /// Sets the file's size, extending it with zeros or cutting it short.
    package func resize(to size: Int64) throws {
        do {
            try descriptor.resize(to: size)
        } catch let errno as Errno {
            throw StoreError.io(operation: "resize", path: path, errno: errno)
        }
    }

    /// Writes all of `bytes`, however many calls it takes.
    package func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        do {
            _ = try descriptor.writeAll(bytes)
        } catch let errno as Errno {
            throw StoreError.io(operation: "write", path: path, errno: errno)
        }
    }

    /// Writes all of `bytes`.
    package func writeAll(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try writeAll($0) }
    }

    /// Writes all the buffers `iov` points to, in order, in as few calls as the system allows:
    /// at the current position, or at `offset` when given (`pwritev`, the position unmoved).
    /// `iov` is consumed: its entries are advanced past what was written.
    package func writeAll(vectors iov: inout [iovec], atOffset offset: Int64? = nil) throws {
        var start = 0
        var written: Int64 = 0
        while start < iov.count {
            let count = min(iov.count - start, 1024)
            let n = iov.withUnsafeBufferPointer { all in
                all.baseAddress.map { base in
                    if let offset { return pwritev(descriptor.rawValue, base + start, Int32(count), off_t(offset + written)) }
                    return writev(descriptor.rawValue, base + start, Int32(count))
                } ?? 0
            }
            if n < 0 {
                let code = FileSystem.lastErrno
                if code == .interrupted { continue }
                throw StoreError.io(operation: "write", path: path, errno: code)
            }
            written += Int64(n)
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
    package func sync() throws {
        while fsync(descriptor.rawValue) != 0 {
            let code = FileSystem.lastErrno
            if code == .interrupted { continue }
            if code == .invalidArgument { return }
            throw StoreError.io(operation: "sync", path: path, errno: code)
        }
    }

    /// Restricts reads to `range` of the file and moves the read position to its start.
    package mutating func restrict(to range: Range<Int64>) throws {
        window = range
        try rewind()
    }

    /// Moves the read position back to the start (of the window, when there is one).
    package func rewind() throws {
        do {
            _ = try descriptor.seek(offset: window?.lowerBound ?? 0, from: .start)
        } catch let errno as Errno {
            throw StoreError.io(operation: "seek in", path: path, errno: errno)
        }
    }

    /// What `fstat` says about the file.
    package func status() throws -> FileStatus {
        try FileStatus(descriptor, path: path)
    }

    /// Closes the descriptor; a failure to close a file only read is of no consequence.
    package func close() {
        try? descriptor.close()
    }
}
