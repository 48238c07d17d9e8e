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
        let packs = store.packSet.packs
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
}
