import Foundation
import MregStore
import SystemPackage
#if canImport(Glibc)
import Glibc  // mmap, munmap: see `map(_:size:)`
#elseif canImport(Darwin)
import Darwin
#endif
import MregSupport
import MregRegistry
import MregFilter

/// The bytes of one index file, read whole and checked (magic, format version, kind,
/// length, checksum). Immutable once loaded, hence shareable across threads.
/// `@unchecked Sendable` for that reason: every property is a `let`, and its bytes (a
/// mapping or an allocation, raw pointers the compiler cannot check) are filled before
/// `init` and only read afterwards.
final class IndexFile: @unchecked Sendable {
    /// What an index file holds.
    enum Kind: UInt32 {
        /// `index/models/<model>`: one model's segment and events.
        case model = 1
        /// `index/all`: every model's segment.
        case snapshot = 2
    }

    static let magic: [UInt8] = Array("mregidx\n".utf8)
    /// Bumped whenever the layout changes; files of another version are rebuilt.
    static let formatVersion: UInt32 = 4  // 3: removed versions kept, flagged (namespace 5); 4: environment fields (namespace 6)
    static let headerSize = 24

    private let storage: UnsafeMutableRawBufferPointer
    /// Whether `storage` is a file mapping (else an allocation).
    private let mapped: Bool
    /// The payload (after the header, before the checksum).
    let payload: UnsafeRawBufferPointer
    let kind: Kind
    /// Size of the whole file in bytes.
    var fileSize: Int { storage.count }

    private init(storage: UnsafeMutableRawBufferPointer, mapped: Bool, payload: UnsafeRawBufferPointer, kind: Kind) {
        self.storage = storage
        self.mapped = mapped
        self.payload = payload
        self.kind = kind
    }

    deinit {
        if mapped { munmap(storage.baseAddress, storage.count) } else { storage.deallocate() }
    }

    /// An index file's payload that was just built in memory (not read from disk).
    static func inMemory(_ payload: [UInt8], kind: Kind) -> IndexFile {
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(payload.count, 8), alignment: 16)
        payload.withUnsafeBytes { storage.copyMemory(from: $0) }
        return IndexFile(storage: storage, mapped: false,
                         payload: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(storage)[0..<payload.count]), kind: kind)
    }

    /// Files at least this large are mapped rather than read, on local filesystems.
    static let mapThreshold = 1 << 20

    /// Reads and checks an index file; nil when it does not exist, throws `IndexCorrupt` when unusable.
    ///
    /// A large file on a local filesystem is mapped (no copy); on a network filesystem it
    /// is read, since a mapping of a file another host replaces can fault.
    static func read(_ path: String, kind: Kind) throws -> IndexFile? {
        let source: OpenFile
        do {
            source = try OpenFile.forReadingRegularFile(FilePath(path))  // a FIFO must not block
        } catch StoreError.io(_, _, let code) where code == .noSuchFileOrDirectory || code == .notDirectory {
            return nil
        } catch {
            throw IndexCorrupt("cannot open \(path)")
        }
        defer { source.close() }
        guard let status = try? source.status() else { throw IndexCorrupt("cannot stat \(path)") }
        let size = Int(status.size)
        guard size >= headerSize + 8, size % 8 == 0 else { throw IndexCorrupt("\(path) has a bad size") }
        let storage: UnsafeMutableRawBufferPointer
        var mapped = false
        if size >= mapThreshold, IndexFileSystem.isLocal(source.descriptor), let map = map(source, size: size) {
            storage = map
            mapped = true
        } else {
            storage = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
            guard (try? source.readFully(into: storage)) == size else {
                storage.deallocate()
                throw IndexCorrupt("cannot read \(path)")
            }
        }
        let file = IndexFile(storage: storage, mapped: mapped,
                             payload: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(storage)[headerSize..<size - 8]), kind: kind)
        let bytes = UnsafeRawBufferPointer(storage)
        guard Array(bytes[0..<8]) == magic,
              UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt32.self)) == formatVersion,
              UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 12, as: UInt32.self)) == kind.rawValue,
              UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self)) == UInt64(size - headerSize - 8) else {
            throw IndexCorrupt("\(path) is not an index file of this version")
        }
        let stored = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: size - 8, as: UInt64.self))
        guard checksum(file.payload) == stored else { throw IndexCorrupt("\(path) fails its checksum") }
        return file
    }

    /// Maps `size` bytes of `file` read-only (populated up front); nil when it cannot be mapped.
    /// The one `mmap` of the index; `deinit` unmaps.
    private static func map(_ file: OpenFile, size: Int) -> UnsafeMutableRawBufferPointer? {
        #if os(Linux)
        let flags = MAP_PRIVATE | MAP_POPULATE
        #else
        let flags = MAP_PRIVATE
        #endif
        guard let start = mmap(nil, size, PROT_READ, flags, file.descriptor.rawValue, 0), start != MAP_FAILED else { return nil }
        return UnsafeMutableRawBufferPointer(start: start, count: size)
    }

    /// Writes an index file atomically: a temp file beside it, then `rename` (no lock, so
    /// it works on NFS; the last writer wins, and every version of the file is complete).
    ///
    /// - Returns: the size written.
    @discardableResult
    static func write(_ path: String, kind: Kind, payload: [UInt8], shared: Bool) throws -> Int {
        precondition(payload.count % 8 == 0, "index payloads are padded to 8 bytes")
        let dir = (path as NSString).deletingLastPathComponent
        try IndexFileSystem.makeDirectories(dir, shared: shared)
        let temp = "\(dir)/.tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        let mode: mode_t = shared ? 0o664 : 0o644
        let out = try RegistryError.mappingStoreIO(operation: "create", path: temp) {
            try OpenFile.creatingNew(FilePath(temp), permissions: mode)
        }
        var header = ByteWriter(capacity: headerSize)
        header.raw(magic)
        header.u32(formatVersion)
        header.u32(kind.rawValue)
        header.u64(UInt64(payload.count))
        var trailer = ByteWriter(capacity: 8)
        trailer.u64(payload.withUnsafeBytes { checksum($0) })
        do {
            try RegistryError.mappingStoreIO(operation: "write", path: temp) {
                try out.writeAll(header.bytes)
                try out.writeAll(payload)
                try out.writeAll(trailer.bytes)
            }
        } catch {
            out.close()
            FileSystem.removeIfPresent(FilePath(temp))
            throw error
        }
        if shared { FileSystem.setPermissions(FilePath(temp), mode) }
        out.close()
        do {
            try RegistryError.mappingStoreIO(operation: "rename to '\(path)'", path: temp) {
                try FileSystem.move(FilePath(temp), to: FilePath(path))
            }
        } catch {
            FileSystem.removeIfPresent(FilePath(temp))
            throw error
        }
        return headerSize + payload.count + 8
    }

    /// A fast 64-bit checksum over 8-byte words (the payload length is a multiple of 8).
    /// It detects torn or damaged files; it is not a cryptographic hash.
    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0x6d72_6567_6964_7831
        var i = 0
        let n = bytes.count & ~7
        while i < n {
            let w = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            h = ((h << 5 | h >> 59) ^ w) &* 0x9E37_79B9_7F4A_7C15
            i += 8
        }
        return h ^ UInt64(bytes.count)
    }
}
