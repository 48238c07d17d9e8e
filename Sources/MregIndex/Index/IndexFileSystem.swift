import Foundation
import MregStore
#if canImport(Glibc)
import Glibc
#endif
import MregSupport
import MregRegistry
import MregFilter

/// Small POSIX helpers for the index (the store's own are internal to MregStore).
enum IndexFileSystem {
    /// Creates `path` and missing parents (setgid and group-writable in a shared store).
    static func makeDirectories(_ path: String, shared: Bool) throws {
        var st = stat()
        if stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR { return }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty && parent != path { try makeDirectories(parent, shared: shared) }
        let mode: mode_t = shared ? 0o2775 : 0o755
        if mkdir(path, mode) != 0 && errno != EEXIST {
            throw RegistryError.io(.init("create the folder", path, errno: errno))
        }
        if shared { _ = chmod(path, mode) }
    }

    /// The names in a directory, without `.` and `..`; empty when it does not exist.
    static func list(_ path: String) -> [String] { Directory.names(path) }

    /// Reads a ref file (64 hex digits and a newline) with one `open`/`read`: the
    /// freshness check reads one per model, so it must be cheap.
    static func readRef(_ path: String) -> ObjectID? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 80)
        let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, 80) }
        guard n >= 64 else { return nil }
        var bytes = [UInt8](repeating: 0, count: 32)
        for i in 0..<32 {
            guard let hi = hexValue(buffer[2 * i]), let lo = hexValue(buffer[2 * i + 1]) else { return nil }
            bytes[i] = hi << 4 | lo
        }
        for c in buffer[64..<n] where c != 0x0a && c != 0x0d && c != 0x20 { return nil }
        return ObjectID(bytes: bytes)
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x61...0x66: return c - 0x61 + 10
        case 0x41...0x46: return c - 0x41 + 10
        default: return nil
        }
    }

    /// Whether an open file lives on a local filesystem (not NFS, SMB/CIFS, AFS, Ceph, FUSE…);
    /// false when that cannot be told.
    static func isLocal(_ fd: Int32) -> Bool {
        // `fstatfs` is not in the Glibc module: look it up once.
        typealias FStatFS = @convention(c) (Int32, UnsafeMutableRawPointer) -> Int32
        guard let symbol = UnsafeMutableRawPointer(bitPattern: fstatfsAddress) else { return false }
        let call = unsafeBitCast(symbol, to: FStatFS.self)
        // struct statfs starts with the filesystem type (a long on 64-bit Linux).
        var buffer = [Int64](repeating: 0, count: 64)
        guard buffer.withUnsafeMutableBytes({ call(fd, $0.baseAddress!) }) == 0 else { return false }
        let network: Set<Int64> = [0x6969, 0x517B, 0xFF53_4D42, 0xFE53_4D42, 0x5346_414F, 0x00C3_6400, 0x6573_5546, 0x0102_1997,
                                   0x6B41_4653, 0x4750_4653]
        return !network.contains(buffer[0] & 0xFFFF_FFFF)
    }

    /// The address of `fstatfs` (0: unknown, so files are read, never mapped).
    private static let fstatfsAddress: Int = {
        #if os(Linux)
        return Int(bitPattern: dlsym(UnsafeMutableRawPointer(bitPattern: 0), "fstatfs"))
        #else
        return 0
        #endif
    }()

    /// Removes a folder and everything below it (ignoring errors).
    static func removeTree(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }
}
