import Foundation
import MregStore
import SystemPackage

/// Packing: the part of `gc` that moves small objects into packs (see ARCHITECTURE.md, "Packs").
extension Registry {
    /// The setting that sets which loose objects gc packs: those whose file is smaller.
    public static let packThresholdKey = "gc.packThreshold"
    /// 1 MiB: metadata and small files are packed, weight chunks stay loose.
    public static let defaultPackThreshold: Int64 = 1 << 20
    /// Packs at least this large are rewritten only when they hold an object to drop, or by `gc --aggressive`.
    public static let largePack: Int64 = 64 << 20

    /// `gc.packThreshold` in bytes (`k`, `m`, `g` suffixes; 0 packs nothing), else 1 MiB.
    ///
    /// - Throws: `invalidSetting` when it is not a size.
    public func configuredPackThreshold() throws -> Int64 {
        guard let raw = repository.setting(Self.packThresholdKey) else { return Self.defaultPackThreshold }
        var text = Substring(raw.lowercased())
        var unit: Int64 = 1
        let scales: [Character: Int64] = ["k": 1 << 10, "m": 1 << 20, "g": 1 << 30]
        if let last = text.last, let scale = scales[last] {
            unit = scale
            text = text.dropLast()
        }
        guard let value = Int64(text), value >= 0, value <= Int64.max / unit else {
            throw RegistryError.badInput(.invalidSetting(key: Self.packThresholdKey, value: raw,
                                                         expected: "a size in bytes, such as 1048576, 512k or 1m (0 packs nothing)"))
        }
        return value * unit
    }

    /// Packs the reachable loose objects smaller than `threshold` together with the objects of
    /// the packs it rewrites (those under `largePack`, those holding an object in `drop`, or
    /// all with `aggressive`) into one new pack; then deletes the loose copies and the old packs.
    ///
    /// Order, so that every object is in at least one place at every instant: the new pack
    /// and its index are fsynced and renamed into place before any loose copy or old pack
    /// goes. Objects of `drop` (unreachable and older than the grace) are left out; other
    /// unreachable packed objects (within the grace, or named by one that is) are written out
    /// loose with their pack's time, so they age as loose objects and gc prunes them later.
    func repack(reach: Reachability, plan: GCPlan, drop: Set<ObjectID>, threshold: Int64, aggressive: Bool,
                report: inout GCReport) throws {
        // A store that is also a filesystem remote lists the packs pushes sent in objects/pack/LIST
        // (FORMAT.md §6.1); clients fetch by that list, so those packs are never merged away here.
        // An unreadable list keeps every pack.
        let listed = Self.listedPacks(packFolder: store.packSet.packs.first.map { ($0.packPath.string as NSString).deletingLastPathComponent })
        let packs = store.packSet.packs.filter { pack in listed.map { !$0.contains(pack.name) } ?? false }
        var seenTimes = [String: Int64]()
        for pack in packs { seenTimes[pack.name] = (try? FileStatus(path: pack.packPath.string))?.modificationTime }
        let rewrite = packs.filter { pack in
            aggressive || pack.size < Self.largePack || (!drop.isEmpty && pack.index.ids.contains(where: drop.contains))
        }
        let loose = threshold > 0 ? store.looseObjects().filter { reach.live.contains($0.id) && $0.storedBytes < threshold } : []
        let dropsThere = rewrite.contains { pack in !drop.isEmpty && pack.index.ids.contains(where: drop.contains) }
        if loose.isEmpty && rewrite.count <= 1 && !dropsThere && !aggressive { return }
        if loose.isEmpty && rewrite.isEmpty { return }

        var ids = loose.map(\.id)
        for pack in rewrite {
            let time = seenTimes[pack.name] ?? 0
            for id in pack.index.ids {
                if reach.live.contains(id) { ids.append(id); continue }
                if drop.contains(id) || store.isLoose(id) { continue }
                // Unreachable but kept (within the grace): it ages loose from now on.
                if store.unpack(id, modificationTime: time) { report.unpacked += 1 }
            }
        }
        let written = try store.writePack(ids)
        if let written {
            report.packWritten = written.name
            report.packWrittenObjects = written.index.count
            report.packWrittenBytes = written.size
            for object in loose where store.removeLooseCopy(object.id, packedIn: written) != nil {
                report.looseRemoved += 1
            }
        }
        for pack in rewrite where pack.name != written?.name {
            if store.removePack(pack, seenTime: seenTimes[pack.name] ?? 0) { report.packsRemoved += 1 }
        }
    }

    /// The pack names `objects/pack/LIST` holds: empty when there is no list, nil when there is
    /// one that cannot be read (then no pack may be rewritten).
    static func listedPacks(packFolder: String?) -> Set<String>? {
        guard let packFolder else { return [] }
        let path = packFolder + "/LIST"
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        var names = Set<String>()
        for line in String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline) {
            if let first = line.split(separator: " ").first, first.hasPrefix("pack-") { names.insert(String(first)) }
        }
        return names
    }
}
