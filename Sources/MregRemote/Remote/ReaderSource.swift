import MregStore
import MregSupport
import MregRegistry
import MregIndex
import MregGovernance

/// Adapts a verifying `ObjectReader` to the pull-style source `ObjectStore.write` takes.
///
/// The reader throws when the object turns out damaged (at the latest when its end
/// is reached, where the id is checked); the write then fails and removes its temp
/// file, so a damaged object is never installed.
///
///     let source = ReaderSource(try remote.openReader(id))
///     try local.write(type: source.header.type, size: source.header.size, from: source.fill)
final class ReaderSource {
    let reader: ObjectReader
    private var pending: ArraySlice<UInt8> = []
    private var ended = false
    private let progress: (Int64) -> Void

    init(_ reader: ObjectReader, progress: @escaping (Int64) -> Void = { _ in }) {
        self.reader = reader
        self.progress = progress
    }

    var header: ObjectHeader { reader.header }

    /// Fills `buffer` from the payload; 0 at the (verified) end.
    func fill(_ buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while pending.isEmpty {
            if ended { return 0 }
            guard let piece = try reader.next() else {
                ended = true
                return 0
            }
            pending = piece
        }
        let n = min(buffer.count, pending.count)
        pending.withUnsafeBytes { src in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[0..<n]))
        }
        pending = pending.dropFirst(n)
        progress(Int64(n))
        return n
    }

    /// Copies the whole object into `store`, verified; returns what the write did.
    static func copy(_ reader: ObjectReader, into store: ObjectStore, progress: @escaping (Int64) -> Void = { _ in }) throws -> WriteResult {
        let source = ReaderSource(reader, progress: progress)
        let result = try store.write(type: reader.header.type, size: reader.header.size, from: source.fill)
        // The write stops after `size` bytes; drain to make sure the reader reached its verified end.
        var probe = [UInt8](repeating: 0, count: 1)
        let extra = try probe.withUnsafeMutableBytes { try source.fill($0) }
        guard extra == 0, result.id == reader.id else {
            throw StoreError.corrupt(object: reader.id, path: nil, reason: "its content hashes to \(result.id.abbreviated())")
        }
        return result
    }
}
