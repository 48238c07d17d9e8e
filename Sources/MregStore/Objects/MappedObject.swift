import Crypto
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SystemPackage

/// An object whose zlib stream is all stored blocks, mapped into memory and verified:
/// its payload is available as slices of the mapping, with no copy and no inflate.
///
/// Export uses it to write weights with `pwritev` straight from the page cache.
public final class MappedObject {
    public let id: ObjectID
    public let header: ObjectHeader
    /// The payload, in order, as pieces of the mapping.
    public let slices: [UnsafeRawBufferPointer]
    private let base: UnsafeMutableRawPointer
    private let length: Int

    init(id: ObjectID, header: ObjectHeader, slices: [UnsafeRawBufferPointer], base: UnsafeMutableRawPointer, length: Int) {
        self.id = id
        self.header = header
        self.slices = slices
        self.base = base
        self.length = length
    }

    deinit { munmap(base, length) }
}

extension ObjectStore {
    /// Maps an object written with stored blocks and verifies its id.
    ///
    /// - Returns: nil when the object uses compressed blocks (read it with `openReader`).
    /// - Throws: `StoreError.corrupt` when the stream is malformed or the id does not match.
    public func mapStored(_ id: ObjectID) throws -> MappedObject? {
        let path = filePath(for: id)
        let file: OpenFile
        do { file = try OpenFile.forReadingRegularFile(path) } catch let e as StoreError where e.errno == .noSuchFileOrDirectory {
            // Packed objects are read with `openReader`.
            if packSet.locate(id) != nil { return nil }
            throw StoreError.notFound(kind: .object, name: id.hex)
        } catch StoreError.corrupt(nil, _, let reason) {
            throw StoreError.corrupt(object: id, path: path, reason: reason)
        }
        defer { file.close() }
        guard let status = try? file.status(), status.isRegularFile, status.size >= 3 else { return nil }
        let length = Int(status.size)
        guard let map = mmap(nil, length, PROT_READ, MAP_PRIVATE, file.descriptor.rawValue, 0), map != MAP_FAILED else { return nil }
        _ = madvise(map, length, MADV_SEQUENTIAL | MADV_WILLNEED)
        let bytes = UnsafeRawBufferPointer(start: map, count: length)
        func corrupt(_ why: String) -> StoreError {
            StoreError.corrupt(object: id, path: path, reason: why)
        }
        guard StoredZlibReader.looksStored(Array(bytes[0..<3])) else { munmap(map, length); return nil }
        // Walk the blocks.
        var blocks = [UnsafeRawBufferPointer]()
        var pos = 2
        var final = false
        while !final {
            guard pos + 5 <= length else { munmap(map, length); throw corrupt("zlib stream is truncated") }
            let head = bytes[pos]
            guard (head >> 1) & 3 == 0 else { munmap(map, length); return nil }
            final = head & 1 == 1
            let len = Int(bytes[pos + 1]) | Int(bytes[pos + 2]) << 8
            let nlen = Int(bytes[pos + 3]) | Int(bytes[pos + 4]) << 8
            guard len == (~nlen & 0xffff) else { munmap(map, length); throw corrupt("invalid stored block lengths") }
            pos += 5
            guard pos + len <= length else { munmap(map, length); throw corrupt("zlib stream is truncated") }
            if len > 0 { blocks.append(UnsafeRawBufferPointer(rebasing: bytes[pos..<pos + len])) }
            pos += len
        }
        guard pos + 4 <= length else { munmap(map, length); throw corrupt("zlib stream is truncated") }
        guard pos + 4 == length else { munmap(map, length); throw corrupt("trailing bytes after the zlib stream") }
        // The object header may span blocks: gather up to its NUL.
        var head = [UInt8]()
        var blockIndex = 0, offset = 0
        while blockIndex < blocks.count && !head.contains(0) && head.count < ObjectHeader.maximumLength {
            let b = blocks[blockIndex]
            let take = min(b.count - offset, ObjectHeader.maximumLength - head.count)
            head.append(contentsOf: b[offset..<offset + take])
            offset += take
            if offset == b.count { blockIndex += 1; offset = 0 }
        }
        guard let (header, headerLength) = try head.withUnsafeBytes({ try ObjectHeader.parse($0) }) else {
            munmap(map, length)
            throw corrupt("no complete header")
        }
        // Payload slices start right after the header's NUL.
        var slices = [UnsafeRawBufferPointer]()
        var skip = headerLength
        var hasher = SHA256()
        var total: Int64 = 0
        for b in blocks {
            hasher.update(bufferPointer: b)
            if skip >= b.count { skip -= b.count; continue }
            let piece = UnsafeRawBufferPointer(rebasing: b[skip...])
            skip = 0
            slices.append(piece)
            total += Int64(piece.count)
        }
        guard total == header.size else {
            munmap(map, length)
            throw corrupt("payload has \(total) bytes but its header says \(header.size)")
        }
        guard ObjectID(digest: hasher.finalize()) == id else {
            munmap(map, length)
            throw corrupt("hash mismatch")
        }
        return MappedObject(id: id, header: header, slices: slices, base: map, length: length)
    }
}
