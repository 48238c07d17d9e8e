import Foundation
import MregStore
import MregSupport

extension Registry {
    /// The expiry in force: `gc.pruneExpire` (the store's, then the user's), else two weeks.
    ///
    /// - Throws: `invalidSetting` when the setting cannot be read.
    public func configuredPruneExpiry(now: Date) throws -> PruneExpiry {
        let text = repository.setting(PruneExpiry.configKey) ?? PruneExpiry.defaultText
        do {
            return try PruneExpiry.parse(text, now: now)
        } catch {
            throw RegistryError.badInput(.invalidSetting(key: PruneExpiry.configKey, value: text, expected: PruneExpiry.ExpiryError.forms))
        }
    }

    /// The time gc measures ages against: `MREG_NOW` when set, else the clock.
    public static func collectionTime(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Date {
        guard let text = environment[Timestamp.nowVariable], !text.isEmpty else { return Date() }
        guard let date = Timestamp.parse(text) else {
            throw StoreError.invalid(reason: "\(Timestamp.nowVariable)='\(text)' is not a time: use RFC 3339, such as 2026-03-01T12:00:00Z")
        }
        return date
    }

    /// Deletes the objects no live ref reaches and that are older than `expiry`, and temp
    /// files left unchanged for longer than it.
    ///
    /// Safe with concurrent writers (see ARCHITECTURE.md, "Garbage collection"): an
    /// unreachable object modified within the grace is kept with everything it names (a
    /// write in progress), each object's time is checked again as the last step before it
    /// is deleted (a writer that reused it freshened it), and objects are deleted referrers
    /// first, so that a kill at any point leaves no object naming a missing one.
    ///
    /// Then, with `pack`, packs the small reachable loose objects (`gc.packThreshold`), merging
    /// small packs (all packs with `aggressive`); see `repack`. A filesystem remote is
    /// collected without packing, so that mreg versions before packs can still read it.
    public func gc(expiry: PruneExpiry, now: Date, dryRun: Bool = false, aggressive: Bool = false, pack: Bool = true) throws -> GCReport {
        var report = GCReport()
        report.dryRun = dryRun
        if !dryRun { report.restored = store.restoreInterruptedPrunes() }
        let packThreshold = try configuredPackThreshold()
        let objects = store.looseObjects()
        // Objects only in packs count with their pack's time (see ARCHITECTURE.md, "Packs").
        let packed = store.packedObjects()
        let reach = try reachability()
        let cutoff = expiry.cutoff(now: now)
        report.objects = objects.count
        report.packedObjects = packed.count

        var unreachable = [ObjectID: ObjectStore.LooseObject]()
        for object in objects {
            if reach.live.contains(object.id) { report.reachable += 1 } else { unreachable[object.id] = object }
        }
        var packedOnly = [ObjectID: ObjectStore.LooseObject]()
        for object in store.packedOnlyObjects() where !reach.live.contains(object.id) { packedOnly[object.id] = object }
        let times = unreachable.merging(packedOnly) { a, _ in a }.mapValues(\.modificationTime)
        var plan = GCPlan(unreachable: times, cutoff: cutoff) { id in
            guard let header = try? store.header(of: id), Self.linkedTypes.contains(header.type),
                  let payload = try? store.read(id, as: header.type), let named = try? Self.links(type: header.type, payload: payload) else { return [] }
            return named
        }
        report.keptRecent = plan.kept.count
        for id in plan.kept { report.keptRecentBytes += (unreachable[id] ?? packedOnly[id])?.storedBytes ?? 0 }

        var dropFromPacks = Set<ObjectID>()
        for id in plan.order where !plan.kept.contains(id) {
            if let object = packedOnly[id] {
                // Dropped when its pack is rewritten, below.
                dropFromPacks.insert(id)
                report.deleted.append(.init(id: id, path: nil, bytes: object.storedBytes))
                continue
            }
            if dryRun {
                report.deleted.append(.init(id: id, path: nil, bytes: unreachable[id]?.storedBytes ?? 0))
                continue
            }
            switch store.prune(id, olderThan: cutoff) {
            case .deleted(let bytes):
                report.deleted.append(.init(id: id, path: nil, bytes: bytes))
                if packed[id] != nil { dropFromPacks.insert(id) }  // its packed copy goes too
            case .fresh:
                // Reused by a writer just now: it stays, with everything it names.
                plan.keep([id])
                report.keptFreshened += 1
            case .missing:
                continue
            }
        }

        if !dryRun && (pack || !packed.isEmpty) {
            try repack(reach: reach, plan: plan, drop: dropFromPacks, threshold: pack ? packThreshold : 0, aggressive: aggressive, report: &report)
        }

        if let expiryGrace = expiry.grace(now: now) {
            // A temp file may be a write in progress (a register about to link it): even
            // --prune=now keeps those younger than the temp grace (1 h, MREG_TEMP_GRACE_SECONDS).
            let grace = max(expiryGrace, Repository.tempGrace())
            for (path, age) in repository.tempFiles(now: now) where age >= grace {
                let name = (path as NSString).lastPathComponent
                guard !name.hasPrefix(ObjectStore.prunePrefix) else { continue }
                let bytes = Self.bytesUnder(path)
                if dryRun || (try? FileManager.default.removeItem(atPath: path)) != nil {
                    report.temps.append(.init(id: nil, path: path, bytes: bytes))
                }
            }
            // A pack without an index (a gc killed between its two renames) is read by no one.
            for path in store.orphanPackFiles() {
                guard let status = try? FileStatus(path: path),
                      now.timeIntervalSince1970 - Double(status.modificationTime) / 1e9 >= grace else { continue }
                if dryRun || (try? FileManager.default.removeItem(atPath: path)) != nil {
                    report.temps.append(.init(id: nil, path: path, bytes: status.size))
                }
            }
            if !dryRun {
                for lock in repository.lockFilePaths() where LockFile.removeIfStale(at: lock) { report.locks.append(lock) }
            }
        }
        return report
    }

    /// The bytes of a file, or of the files in a folder.
    static func bytesUnder(_ path: String) -> Int64 {
        guard let status = try? FileStatus(path: path, followingSymlinks: false) else { return 0 }
        guard status.isDirectory else { return status.size }
        var total: Int64 = 0
        for name in (try? FileManager.default.subpathsOfDirectory(atPath: path)) ?? [] {
            if let s = try? FileStatus(path: "\(path)/\(name)", followingSymlinks: false), s.isRegularFile { total += s.size }
        }
        return total
    }
}
