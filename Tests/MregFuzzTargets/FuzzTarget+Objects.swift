import Foundation
import MregStore

extension FuzzTarget {
    /// The id the object target plants its input under (its content never hashes to it, so
    /// every read ends in a hash mismatch at the latest; everything before that is exercised).
    static let plantedObject = ObjectID(bytes: Array(repeating: 0xab, count: 32))

    /// The object reader: the input is a loose object file (a zlib stream, compressed or of
    /// stored blocks, of `<type> <size>\0<payload>`), read back through `ObjectStore`.
    static let object = FuzzTarget(
        name: "object",
        summary: "a loose object file read back through ObjectStore (header, zlib and stored-block streams, mapping)",
        dictionary: ["blob ", "chunks ", "manifest ", "event ", "tree ", "commit ", "tag ",
                     "9223372036854775807", "18446744073709551616", "0", "\u{0}"],
        rawDictionary: [[0x78, 0x01], [0x78, 0x9c], [0x78, 0xda], [0x78, 0x5e],
                        [0x00, 0xff, 0xff, 0x00, 0x00], [0x01, 0x00, 0x00, 0xff, 0xff], [0x01, 0xff, 0xff, 0x00, 0x00]]
    ) { context, input in
        let store = context.objects
        let id = plantedObject
        let hex = id.hex
        guard ensureFolder("\(store.directory)/\(hex.prefix(2))"),
              context.file("objects/\(hex.prefix(2))/\(hex.dropFirst(2))", input) != nil else { return }
        _ = attempt { try store.header(of: id) }
        _ = attempt { () throws -> Int64 in
            let reader = try store.openReader(id)
            var total: Int64 = 0
            while let piece = try reader.next() { total += Int64(piece.count) }
            invariant(total <= reader.header.size, "the reader delivered \(total) bytes of a \(reader.header.size)-byte object")
            return total
        }
        _ = attempt { try store.read(id, as: .manifest) }
        _ = attempt { () throws -> Int in
            guard let mapped = try store.mapStored(id) else { return 0 }
            let total = mapped.slices.reduce(0) { $0 + $1.count }
            invariant(Int64(total) == mapped.header.size, "a mapped object has \(total) payload bytes, its header says \(mapped.header.size)")
            return total
        }
        _ = store.storedSize(of: id)
    }

    /// Makes `path` a folder if it is not one yet.
    static func ensureFolder(_ path: String) -> Bool {
        var status = stat()
        if stat(path, &status) == 0 { return true }
        return mkdir(path, 0o755) == 0
    }
}
