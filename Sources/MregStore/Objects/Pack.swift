import Crypto
import SystemPackage

/// One pack: `objects/pack/pack-<hex>.pack` (objects' loose zlib streams, one after another)
/// with its index `pack-<hex>.idx` (FORMAT.md §1.7).
///
/// Loading checks the index whole, and the pack's header, size and trailer against it, so
/// a pack is either sound in its structure or refused (and named) before any read uses it.
/// Each object read from it is still verified as a loose one (zlib, size, SHA-256).
public struct Pack: Sendable {
    /// `MREGPACK`, then version 1 (big-endian u32) and the object count (big-endian u32).
    static let magic: [UInt8] = Array("MREGPACK".utf8)
    static let headerSize: Int64 = 16
    static let trailerSize: Int64 = 32
    /// The size of a pack holding nothing: header and trailer.
    public static let minimumSize: Int64 = headerSize + trailerSize

    /// `pack-<64 hex>`: the hex is the SHA-256 of the pack's bytes before its trailer.
    public let name: String
    public let packPath: FilePath
    public let indexPath: FilePath
    public let index: PackIndex
    /// Bytes of the pack file.
    public let size: Int64

    /// Loads and checks the pack `name` (`pack-<hex>`) in `folder`.
    ///
    /// - Throws: `StoreError.corrupt` naming the pack or its index when either is damaged,
    ///   `StoreError.io` when they cannot be read.
    public static func load(folder: String, name: String) throws -> Pack {
        let indexPath = FilePath("\(folder)/\(name).idx")
        let packPath = FilePath("\(folder)/\(name).pack")
        let indexFile = try OpenFile.forReadingRegularFile(indexPath)
        let indexBytes: [UInt8]
        do {
            defer { indexFile.close() }
            let limit = PackIndex.headerSize + PackIndex.fanOutSize + PackIndex.maximumCount * PackIndex.bytesPerObject + 64
            guard let read = try indexFile.readToEnd(limit: limit) else {
                throw StoreError.corrupt(object: nil, path: indexPath, reason: "pack index is damaged: larger than any index")
            }
            indexBytes = read
        }
        let index = try PackIndex(bytes: indexBytes, path: indexPath)
        func damaged(_ why: String) -> StoreError {
            StoreError.corrupt(object: nil, path: packPath, reason: "pack is damaged: \(why)")
        }
        guard name == "pack-" + Hex.encode(index.packChecksum) else {
            throw damaged("its name does not match the checksum its index records")
        }
        let file = try OpenFile.forReadingRegularFile(packPath)
        defer { file.close() }
        let size = try file.status().size
        guard size >= headerSize + trailerSize else { throw damaged("truncated (\(size) bytes)") }
        var head = [UInt8](repeating: 0, count: Int(headerSize))
        var tail = [UInt8](repeating: 0, count: Int(trailerSize))
        guard try head.withUnsafeMutableBytes({ try file.readFully(atOffset: 0, into: $0) }) == head.count,
              try tail.withUnsafeMutableBytes({ try file.readFully(atOffset: size - trailerSize, into: $0) }) == tail.count else {
            throw damaged("truncated")
        }
        guard Array(head[0..<8]) == magic else { throw damaged("bad magic (not an mreg pack)") }
        guard PackIndex.uint32(head, 8) == 1 else { throw damaged("unknown version \(PackIndex.uint32(head, 8))") }
        guard Int(PackIndex.uint32(head, 12)) == index.count else {
            throw damaged("it holds \(PackIndex.uint32(head, 12)) objects, its index \(index.count)")
        }
        guard tail == index.packChecksum else { throw damaged("its trailer does not match its index (truncated or rewritten)") }
        for i in 0..<index.count {
            let (offset, length) = index.entry(i)
            guard offset >= headerSize, length > 0, length <= size, offset <= size - trailerSize - length else {
                throw StoreError.corrupt(object: nil, path: indexPath,
                                         reason: "pack index is damaged: object \(index.id(at: i).hex) lies outside its pack")
            }
        }
        return Pack(name: name, packPath: packPath, indexPath: indexPath, index: index, size: size)
    }

    /// Opens a verifying reader over the object `id`, or nil when this pack does not hold it.
    public func openReader(_ id: ObjectID) throws -> ObjectReader? {
        guard let (offset, length) = index.lookup(id) else { return nil }
        var file: OpenFile
        do {
            file = try OpenFile.forReadingRegularFile(packPath)
        } catch let e as StoreError where e.errno == .noSuchFileOrDirectory {
            return nil  // removed by a repack meanwhile: the caller looks again
        }
        do {
            try file.restrict(to: offset..<offset + length)
        } catch {
            file.close()
            throw error
        }
        return try ObjectReader(id: id, file: file, path: packPath)
    }

    /// The stored bytes (the loose zlib stream) of the object `id`, or nil when not in this pack.
    public func storedBytes(of id: ObjectID) throws -> [UInt8]? {
        guard let (offset, length) = index.lookup(id) else { return nil }
        let file = try OpenFile.forReadingRegularFile(packPath)
        defer { file.close() }
        var out = [UInt8](repeating: 0, count: Int(length))
        guard try out.withUnsafeMutableBytes({ try file.readFully(atOffset: offset, into: $0) }) == out.count else {
            throw StoreError.corrupt(object: id, path: packPath, reason: "pack is truncated")
        }
        return out
    }

    /// Reads the whole pack and checks its trailer (the SHA-256 of what comes before it), in
    /// constant memory. Used by `fsck`; reads of single objects rely on each object's id.
    public func verifyChecksum() throws {
        let file = try OpenFile.forReadingRegularFile(packPath)
        defer { file.close() }
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        let body = size - Self.trailerSize
        var at: Int64 = 0
        while at < body {
            let want = Int(min(Int64(buffer.count), body - at))
            let n = try buffer.withUnsafeMutableBytes { try file.read(atOffset: at, into: UnsafeMutableRawBufferPointer(rebasing: $0[..<want])) }
            guard n > 0 else { throw StoreError.corrupt(object: nil, path: packPath, reason: "pack is damaged: truncated") }
            buffer.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[..<n])) }
            at += Int64(n)
        }
        guard Array(hasher.finalize()) == index.packChecksum else {
            throw StoreError.corrupt(object: nil, path: packPath, reason: "pack is damaged: checksum mismatch")
        }
    }
}
