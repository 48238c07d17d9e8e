import Foundation
import MregStore
import SystemPackage
#if canImport(Glibc)
import Glibc  // dlsym, for `fstatfs`
#endif
import MregSupport
import MregRegistry
import MregFilter

/// Small file helpers for the index, over the store's `OpenFile` and `FileSystem`.
enum IndexFileSystem {
    /// Creates `path` and missing parents (setgid and group-writable in a shared store).
    static func makeDirectories(_ path: String, shared: Bool) throws {
        try RegistryError.mappingStoreIO(operation: "create the folder") {
            try FileSystem.makeDirectories(FilePath(path), mode: shared ? 0o2775 : 0o755)
        }
    }

    /// The names in a directory, without `.` and `..`; empty when it does not exist.
    static func list(_ path: String) -> [String] { Directory.names(path) }

    /// Reads a ref file (64 hex digits and a newline) with one `open`/`read`: the
    /// freshness check reads one per model, so it must be cheap.
    static func readRef(_ path: String) -> ObjectID? {
        // A FIFO or a device where a head should be must not block: the slow path reports it.
        guard let file = try? OpenFile.forReadingRegularFile(FilePath(path)) else { return nil }
        defer { file.close() }
        var buffer = [UInt8](repeating: 0, count: 80)
        guard let n = try? buffer.withUnsafeMutableBytes({ try file.read(into: $0) }), n >= 64 else { return nil }
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
    static func isLocal(_ descriptor: FileDescriptor) -> Bool {
        // `fstatfs` is not in the Glibc module: look it up once.
        typealias FStatFS = @convention(c) (Int32, UnsafeMutableRawPointer) -> Int32
        guard let symbol = UnsafeMutableRawPointer(bitPattern: fstatfsAddress) else { return false }
        let call = unsafeBitCast(symbol, to: FStatFS.self)
        // struct statfs starts with the filesystem type (a long on 64-bit Linux).
        var buffer = [Int64](repeating: 0, count: 64)
        guard buffer.withUnsafeMutableBytes({ $0.baseAddress.map { call(descriptor.rawValue, $0) } ?? -1 }) == 0 else { return false }
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
