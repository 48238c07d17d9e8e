import MregStore
import SystemPackage

/// Opening a file whose header is about to be parsed: a regular file only (never a FIFO
/// that could block), read-only, with its size.
enum RegularFile {
    /// - Returns: the open file (the caller closes it) and its size.
    /// - Throws: `RegistryError.io` when it cannot be opened, `.badInput` when it is not a regular file.
    static func open(_ path: String) throws -> (file: OpenFile, size: Int64) {
        let file = try RegistryError.mappingStoreIO(operation: "open", path: path) {
            try OpenFile.open(FilePath(path), .readOnly, options: .nonBlocking)
        }
        let status: FileStatus
        do {
            status = try RegistryError.mappingStoreIO(operation: "stat", path: path) { try file.status() }
        } catch {
            file.close()
            throw error
        }
        guard status.isRegularFile else {
            file.close()
            throw RegistryError.badInput(.unusablePath(action: "read", path: path, problem: "not a regular file"))
        }
        return (file, status.size)
    }

    /// Up to `count` bytes at `offset` (fewer at the end of the file).
    /// - Throws: `RegistryError.io` on a read error.
    static func read(_ file: OpenFile, offset: Int64, count: Int, path: String) throws -> [UInt8] {
        guard count > 0, offset >= 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: count)
        let done = try RegistryError.mappingStoreIO(operation: "read", path: path) {
            try bytes.withUnsafeMutableBytes { try file.readFully(atOffset: offset, into: $0) }
        }
        return done == count ? bytes : Array(bytes[0..<done])
    }

    /// Up to `count` bytes at `offset` of an open descriptor (fewer at the end of the file), or nil on a read error.
    static func read(fd: Int32, offset: Int64, count: Int) -> [UInt8]? {
        guard count > 0, offset >= 0 else { return [] }
        let file = OpenFile(descriptor: FileDescriptor(rawValue: fd), path: "")
        var bytes = [UInt8](repeating: 0, count: count)
        guard let done = try? bytes.withUnsafeMutableBytes({ try file.readFully(atOffset: offset, into: $0) }) else { return nil }
        return Array(bytes[0..<done])
    }
}
