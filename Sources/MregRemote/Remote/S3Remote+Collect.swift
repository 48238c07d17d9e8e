import Foundation
import MregStore
import MregSupport
import MregRegistry

/// Freshening and gc on an S3 remote.
extension S3Remote {
    /// Copies the object onto itself, which gives it a new `LastModified` (see `S3Client.touch`).
    public func freshen(_ id: ObjectID) throws -> Bool {
        try client.touch(objectKey(id))
    }

    /// `gc` for the bucket prefix: lists `objects/`, walks every model head's chain and
    /// manifests (reading each object's header with a range request, and events, manifests
    /// and chunk lists whole), and deletes the unreachable objects last modified before the
    /// expiry, referrers first, re-reading each one's time right before deleting it.
    ///
    /// Objects in the packs the pack list names count as present and are never deleted (nor
    /// is a listed pack); packs the list does not name (left by an interrupted push) are
    /// deleted once last modified before the expiry. The list is repaired first
    /// (`repairPackList`).
    ///
    /// - Parameter liveFiles: further versions whose files are not live (the walk already drops
    ///   the files of every version a `remove` event in the bucket's chains names).
    public func collectGarbage(expiry: PruneExpiry, now: Date, dryRun: Bool,
                               liveFiles: (String, Int64) -> Bool = { _, _ in true }) throws -> GCReport {
        var report = GCReport()
        report.dryRun = dryRun
        let objectsPrefix = "\(prefix)objects/"
        var objects = [ObjectID: S3Client.Listed]()
        let packPrefix = "\(objectsPrefix)pack/"
        var packFiles = [S3Client.Listed]()
        for item in try client.listDetailed(prefix: objectsPrefix) {
            if item.key.hasPrefix(packPrefix) {
                packFiles.append(item)
                continue
            }
            let rest = item.key.dropFirst(objectsPrefix.count)
            guard rest.count == ObjectID.hexLength + 1, let id = ObjectID(parsing: rest.replacingOccurrences(of: "/", with: "")),
                  objectKey(id) == item.key else { continue }
            objects[id] = item
        }
        // The pack list, checked against the packs present: every pack with a sound index is read
        // through (listed or not), so the walk can tell which of them the models need.
        var check = try checkPackList(packFiles: packFiles)
        var packed = Set<ObjectID>()
        for (_, pack) in check.usable {
            for i in 0..<pack.index.count { packed.insert(pack.index.id(at: i)) }
        }
        var roots = [ObjectID]()
        for model in try modelNames() {
            if let head = try readHead(model: model) { roots.append(head.id) }
        }
        var cache = [ObjectID: (ObjectType, [UInt8]?)]()
        func read(_ id: ObjectID) throws -> (ObjectType, [UInt8]?)? {
            if let hit = cache[id] { return hit }
            if objects[id] == nil, packed.contains(id), let object = try packs?.open(id) {
                defer { object.close() }
                let type = object.header.type
                let payload = Registry.linkedTypes.contains(type) ? try object.reader.readAll(limit: ObjectStore.maximumLinkedPayload) : nil
                cache[id] = (type, payload)
                return (type, payload)
            }
            guard objects[id] != nil, let first = try client.firstBytes(objectKey(id), count: ObjectHeader.peekLength) else { return nil }
            guard let header = ObjectHeader.peek(compressed: first) else {
                throw RegistryError.corrupt(.init(object: "object \(id.hex)", reason: "it does not begin with an object header; nothing was deleted",
                                                  remote: "\(location)"))
            }
            var payload: [UInt8]?
            if Registry.linkedTypes.contains(header.type) {
                let object = try open(id)
                defer { object.close() }
                payload = try object.reader.readAll(limit: ObjectStore.maximumLinkedPayload)
            }
            cache[id] = (header.type, payload)
            return (header.type, payload)
        }
        let reach = try Reachability.walk(roots: roots, liveFiles: liveFiles, contains: { objects[$0] != nil || packed.contains($0) }, read: read)
        try repairPackList(&check, live: reach.live, loose: Set(objects.keys), dryRun: dryRun, report: &report)
        let cutoff = expiry.cutoff(now: now)
        report.objects = objects.count
        var unreachable = [ObjectID: Int64]()
        for (id, item) in objects {
            if reach.live.contains(id) || packed.contains(id) { report.reachable += 1 } else { unreachable[id] = item.modified }
        }
        var plan = GCPlan(unreachable: unreachable, cutoff: cutoff) { id in
            guard let found = try? read(id), let payload = found.1, let named = try? Registry.links(type: found.0, payload: payload) else { return [] }
            return named
        }
        report.keptRecent = plan.kept.count
        for id in plan.kept { report.keptRecentBytes += objects[id]?.size ?? 0 }
        for id in plan.order where !plan.kept.contains(id) {
            let size = objects[id]?.size ?? 0
            if dryRun {
                report.deleted.append(.init(id: id, path: nil, bytes: size))
                continue
            }
            // The time again, right before the delete: a push may have freshened it meanwhile.
            let key = objectKey(id)
            guard let current = try client.listDetailed(prefix: key).first(where: { $0.key == key }) else { continue }
            if current.modified >= cutoff {
                plan.keep([id])
                report.keptFreshened += 1
                continue
            }
            try client.delete(key)
            KillPoint.reach("gc-object-deleted")
            report.deleted.append(.init(id: id, path: nil, bytes: size))
        }
        // Packs no list names (an interrupted push), past the grace: the pack, then its index.
        // The list is read again first: a push may have listed one meanwhile.
        let listed = Set(check.entries.map(\.name)).union(check.unreadable.intersection(check.originallyListed))
        let stillListed = packFiles.isEmpty ? listed : ((try? packs?.storage.readPackList())??.names ?? []).union(listed)
        var strays = [String: [S3Client.Listed]]()
        for item in packFiles {
            let file = String(item.key.dropFirst(packPrefix.count))
            let name = file.hasSuffix(".pack") ? String(file.dropLast(5)) : file.hasSuffix(".idx") ? String(file.dropLast(4)) : nil
            guard let name, RemotePackList.isPackName(name), !stillListed.contains(name) else { continue }
            strays[name, default: []].append(item)
        }
        for (name, items) in strays.sorted(by: { $0.key < $1.key }) {
            guard items.allSatisfy({ $0.modified < cutoff }) else {
                report.keptRecent += 1
                report.keptRecentBytes += items.reduce(0) { $0 + $1.size }
                continue
            }
            for item in items.sorted(by: { $0.key.hasSuffix(".pack") && !$1.key.hasSuffix(".pack") }) {
                if !dryRun { try client.delete(item.key) }
                report.deleted.append(.init(id: nil, path: item.key, bytes: item.size))
            }
            _ = name
            if !dryRun { report.packsRemoved += 1 }
        }
        return report
    }
}
