import Crypto
import Foundation
import MregStore
import MregSupport
import SystemPackage

/// Writes one of `du`'s cache files (`LinkCache`, `UsageCache`): the magic, little-endian
/// fields, then `finished()` appends the SHA-256 trailer (the layout `CacheFileReader` reads).
struct CacheFileWriter {
    private(set) var bytes = [UInt8]()

    init(magic: [UInt8], capacity: Int = 0) {
        bytes.reserveCapacity(capacity + magic.count + CacheFileReader.digestSize)
        bytes.append(contentsOf: magic)
    }

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func i64(_ v: Int64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func id(_ v: ObjectID) { bytes.append(contentsOf: v.bytes) }
    /// A u32 length and the UTF-8 bytes.
    mutating func string(_ s: String) { u32(UInt32(s.utf8.count)); bytes.append(contentsOf: s.utf8) }
    /// A u32 count and the ids.
    mutating func ids(_ list: [ObjectID]) { u32(UInt32(list.count)); for v in list { id(v) } }

    /// The file's bytes: everything written, then its SHA-256.
    func finished() -> [UInt8] {
        var out = bytes
        out.append(contentsOf: SHA256.hash(data: bytes))
        return out
    }

    /// Writes `bytes` to `path` (temp file `.tmp-<pid>-<random>` beside it, then rename); a
    /// failure is ignored: the cache is only ever a shortcut, computed again next time.
    static func save(_ bytes: [UInt8], to path: String, shared: Bool) {
        let dir = (path as NSString).deletingLastPathComponent
        let mode: mode_t = shared ? 0o664 : 0o644
        guard (try? FileSystem.makeDirectories(FilePath(dir), mode: shared ? 0o2775 : 0o755)) != nil else { return }
        let temp = "\(dir)/.tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        guard let out = try? OpenFile.creatingNew(FilePath(temp), permissions: mode) else { return }
        let written = (try? out.writeAll(bytes)) != nil
        out.close()
        if shared { FileSystem.setPermissions(FilePath(temp), mode) }
        if !written || (try? FileSystem.move(FilePath(temp), to: FilePath(path))) == nil {
            FileSystem.removeIfPresent(FilePath(temp))
        }
    }
}
