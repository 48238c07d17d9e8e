import Crypto
import SystemPackage

/// Streams one object's payload (loose, or an entry of a pack), verifying its id when the end is reached.
///
///     let reader = try store.openReader(id)
///     while let piece = try reader.next() { use(piece) }   // throws at the end if damaged
public final class ObjectReader {
    public let id: ObjectID
    public private(set) var header = ObjectHeader(type: .blob, size: 0)
    let path: FilePath
    private let file: OpenFile
    private var stored: StoredZlibReader?
    private var inflater: Inflater?
    private var input: [UInt8]
    private var inputStart = 0
    private var inputEnd = 0
    private var pending: [UInt8] = []  // payload bytes inflated with the header
    private var hasher = SHA256()
    private var delivered: Int64 = 0
    /// Uncompressed bytes (header included) produced so far, for a fallback to zlib mid-stream.
    private var produced: Int64 = 0
    private var verified = false
    private var closed = false
    private var buffer: [UInt8]

    convenience init(id: ObjectID, path: FilePath) throws {
        let file: OpenFile
        do {
            file = try OpenFile.forReadingRegularFile(path)
        } catch {
            throw Self.annotate(error, id: id, path: path)
        }
        try self.init(id: id, file: file, path: path)
    }

    /// Reads the object from `file` (whole, or its window: an entry of a pack), which it
    /// takes over and closes; `path` names it in errors.
    init(id: ObjectID, file: OpenFile, path: FilePath) throws {
        self.id = id
        self.path = path
        self.file = file
        // Buffers sized to the object: many small objects must not each zero megabytes.
        let fileSize = file.window.map { Int($0.count) } ?? (try? file.status()).map { Int($0.size) } ?? 256 * 1024
        input = [UInt8](repeating: 0, count: max(64, min(256 * 1024, fileSize)))
        buffer = []
        var head = [UInt8]()
        var parsed: (ObjectHeader, Int)? = nil
        do {
            // Stored-block streams (weights) are read without zlib.
            var prefix = [UInt8](repeating: 0, count: 3)
            let got = try prefix.withUnsafeMutableBytes { try file.readFully(into: $0) }
            if got == 3 && StoredZlibReader.looksStored(prefix) {
                stored = StoredZlibReader(file: file, capacity: max(64, min(1 << 20, fileSize)))
            } else {
                inflater = try Inflater()
            }
            try file.rewind()
            var small = [UInt8](repeating: 0, count: 4096)
            while parsed == nil {
                let n = try fill(&small)
                if n == 0 { throw StoreError.corruptData("truncated before the end of its header") }
                head.append(contentsOf: small[..<n])
                parsed = try head.withUnsafeBytes { try ObjectHeader.parse($0) }
            }
        } catch {
            file.close()
            closed = true
            throw Self.annotate(error, id: id, path: path)
        }
        guard let (parsedHeader, headerLength) = parsed else {
            file.close()
            closed = true
            throw StoreError.corrupt(object: id, path: path, reason: "no complete header")
        }
        header = parsedHeader
        buffer = [UInt8](repeating: 0, count: Int(max(1, min(Int64(1 << 20), header.size))))
        hasher.update(data: head[..<headerLength])
        pending = Array(head[headerLength...])
    }

    deinit { if !closed { file.close() } }

    /// Names the object and its file in damage found below it (zlib, header, size, hash).
    private static func annotate(_ error: Error, id: ObjectID, path: FilePath) -> Error {
        guard case .corrupt(nil, _, let reason)? = error as? StoreError else { return error }
        return StoreError.corrupt(object: id, path: path, reason: reason)
    }

    /// Inflates some bytes into `out`; 0 means the stream ended.
    private func fill(_ out: inout [UInt8]) throws -> Int {
        if let reader = stored {
            do {
                let n = try out.withUnsafeMutableBytes { try reader.read(into: $0) }
                produced += Int64(n)
                return n
            } catch is StoredZlibReader.NotStored {
                // A compressed block after stored ones: start again with zlib, skipping what was produced.
                stored = nil
                inflater = try Inflater()
                try file.rewind()
                inputStart = 0
                inputEnd = 0
                var skip = produced
                produced = 0
                var scratch = [UInt8](repeating: 0, count: 64 * 1024)
                while skip > 0 {
                    let n = try inflateSome(into: &scratch, limit: Int(min(Int64(scratch.count), skip)))
                    if n == 0 { throw StoreError.corruptData("zlib stream is truncated") }
                    skip -= Int64(n)
                }
                return try fill(&out)
            }
        }
        let n = try inflateSome(into: &out, limit: out.count)
        produced += Int64(n)
        return n
    }

    private func inflateSome(into out: inout [UInt8], limit: Int) throws -> Int {
        guard let inflater else { return 0 }
        while true {
            if inflater.finished { return 0 }
            if inputStart == inputEnd {
                let n = try input.withUnsafeMutableBytes { try file.read(into: $0) }
                if n == 0 { throw StoreError.corruptData("zlib stream is truncated") }
                inputStart = 0
                inputEnd = n
            }
            let (used, made) = try input.withUnsafeBytes { inBuf in
                try out.withUnsafeMutableBytes { outBuf in
                    try inflater.inflate(UnsafeRawBufferPointer(rebasing: inBuf[inputStart..<inputEnd]),
                                         into: UnsafeMutableRawBufferPointer(rebasing: outBuf[..<limit]))
                }
            }
            inputStart += used
            if made > 0 { return made }
        }
    }

    /// The next piece of payload, or nil at the end (after verifying size and id).
    public func next() throws -> ArraySlice<UInt8>? {
        do {
            if !pending.isEmpty {
                let piece = pending[...]
                pending = []
                return try account(piece)
            }
            let n = try fill(&buffer)
            if n == 0 {
                try finish()
                return nil
            }
            return try account(buffer[..<n])
        } catch {
            throw Self.annotate(error, id: id, path: path)
        }
    }

    private func account(_ piece: ArraySlice<UInt8>) throws -> ArraySlice<UInt8> {
        delivered += Int64(piece.count)
        if delivered > header.size {
            throw StoreError.corruptData("payload is longer than the \(header.size) bytes its header says")
        }
        hasher.update(data: piece)
        return piece
    }

    private func finish() throws {
        if verified { return }
        if delivered != header.size {
            throw StoreError.corruptData("payload has \(delivered) bytes but its header says \(header.size)")
        }
        // Nothing may follow the zlib stream (the stored reader checks this itself).
        if stored == nil && inputStart != inputEnd {
            throw StoreError.corruptData("trailing bytes after the zlib stream")
        }
        var extra = [UInt8](repeating: 0, count: 1)
        if stored == nil, try extra.withUnsafeMutableBytes({ try file.read(into: $0) }) != 0 {
            throw StoreError.corruptData("trailing bytes after the zlib stream")
        }
        let actual = ObjectID(digest: hasher.finalize())
        guard actual == id else {
            throw StoreError.corruptData("hash mismatch: content hashes to \(actual.hex)")
        }
        verified = true
        file.close()
        closed = true
    }

    /// Reads the whole payload (for small objects), verified.
    public func readAll(limit: Int64 = 256 * 1024 * 1024) throws -> [UInt8] {
        guard header.size <= limit else {
            throw StoreError.invalid(reason: "object \(id.abbreviated()) is \(header.size) bytes, too large to load in memory")
        }
        var out = [UInt8]()
        out.reserveCapacity(Int(header.size))
        while let piece = try next() { out.append(contentsOf: piece) }
        return out
    }
}
