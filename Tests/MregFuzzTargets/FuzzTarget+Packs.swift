import Foundation
import MregStore
import MregSupport
import SystemPackage

extension FuzzTarget {
    /// The pack index reader: the input is an index file, parsed as it is and again with its
    /// checksum recomputed (so that mutations reach the fan-out, order and size checks).
    static let packIndex = FuzzTarget(
        name: "packindex",
        summary: "a pack index (.idx) parsed by PackIndex: fan-out, sorted ids, offsets, checksums; then lookups",
        dictionary: ["MREGPIDX", "MREGPACK"],
        rawDictionary: [[0, 0, 0, 1], [0xff, 0xff, 0xff, 0xff], [0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]]
    ) { _, input in
        for bytes in [input, resigned(index: input)] {
            guard let index = attempt({ try PackIndex(bytes: bytes, path: "fuzz.idx") }) else { continue }
            for i in 0..<min(index.count, 64) {
                let id = index.id(at: i)
                let found = index.lookup(id)
                invariant(found != nil && found! == index.entry(i), "an id of the index is not found by lookup")
            }
            _ = index.lookup(plantedObject)
        }
    }

    /// The pack reader: the input is `<u32 index length><index><pack>`; the target fixes up the
    /// checksums that tie them (the pack's trailer, the index's copy of it, the index's own) and
    /// plants both under `objects/pack/`, then reads every object the store finds in them.
    static let pack = FuzzTarget(
        name: "pack",
        summary: "a pack and its index planted in a store: loading, lookups and verified reads of every entry",
        dictionary: ["MREGPIDX", "MREGPACK", "blob ", "manifest ", "event ", "chunks "],
        rawDictionary: [[0x78, 0x01], [0x78, 0x9c], [0x01, 0x00, 0x00, 0xff, 0xff]]
    ) { context, input in
        guard input.count >= 4 else { return }
        let length = Int(input[0]) << 24 | Int(input[1]) << 16 | Int(input[2]) << 8 | Int(input[3])
        guard length <= input.count - 4 else { return }
        var index = Array(input[4..<4 + length])
        var pack = Array(input[(4 + length)...])
        if pack.count >= 48 {
            let body = pack.count - 32
            pack.replaceSubrange(body..., with: sha256(Array(pack[0..<body])))
            if index.count >= 64 {
                index.replaceSubrange(index.count - 64..<index.count - 32, with: pack[body...])
            }
        }
        index = resigned(index: index)
        let name = pack.count >= 32 ? "pack-" + Hex.encode(pack.suffix(32)) : "pack-short"
        let folder = "\(context.objects.directory)/pack"
        try? FileManager.default.removeItem(atPath: folder)
        guard ensureFolder(folder),
              context.file("objects/pack/\(name).idx", index) != nil,
              context.file("objects/pack/\(name).pack", pack) != nil else { return }
        let store = ObjectStore(directory: context.objects.directory)  // a fresh pack list
        for loaded in store.packSet.packs {
            for i in 0..<min(loaded.index.count, 256) {
                let id = loaded.index.id(at: i)
                invariant(store.contains(id), "an object of a sound pack is not found")
                _ = attempt { () throws -> Int64 in
                    let reader = try store.openReader(id)
                    var total: Int64 = 0
                    while let piece = try reader.next() { total += Int64(piece.count) }
                    invariant(total == reader.header.size, "a packed object read \(total) bytes, its header says \(reader.header.size)")
                    return total
                }
                _ = store.storedSize(of: id)
            }
            _ = attempt { try loaded.verifyChecksum() }
        }
        _ = store.packSet.damaged.map { String(describing: $0.error) }
        _ = attempt { try store.read(plantedObject) }
    }

    /// The SHA-256 of `bytes`, as bytes.
    static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        Hex.decode(Digest.sha256(bytes).dropFirst("sha256:".count)) ?? []
    }

    /// `bytes` with its last 32 bytes replaced by the SHA-256 of the rest (when long enough).
    static func resigned(index bytes: [UInt8]) -> [UInt8] {
        guard bytes.count >= 32 else { return bytes }
        var out = bytes
        let body = out.count - 32
        out.replaceSubrange(body..., with: sha256(Array(out[0..<body])))
        return out
    }
}
