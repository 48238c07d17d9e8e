import MregStore
import MregSupport
import MregRegistry
import MregIndex
import MregGovernance

extension Remotes {
    /// The objects reachable from `tips` (model heads) that `remote` lacks; `known` are ids
    /// the remote has (its heads).
    ///
    /// The new part of each chain (from a tip back to a known event) is taken as missing
    /// without asking (sending an object twice is harmless). Below it the walk goes a level
    /// at a time — manifests, then files and chunk lists, then chunks — asking the remote
    /// about a whole level at once (`parallelism` requests in flight) and not descending
    /// into what it has: a handful of round trips, however long the history.
    public func missingObjects(from tips: [ObjectID], known: Set<ObjectID>, remote: any RemoteStorage) throws -> TransferPlan {
        var present = known
        let threshold = remote.packs?.pushesPacks != true ? 0 : try registry.configuredPackThreshold()
        var lacking = Set<ObjectID>()
        var children = [ObjectID: [ObjectID]]()
        var sizes = [ObjectID: Int64]()
        var payloadSizes = [ObjectID: Int64]()

        // The new events, found locally.
        var frontier = [ObjectID]()
        // The manifests of versions the new events remove: their files may be gone here (reclaimed).
        var removedManifests = Set<ObjectID>()
        var reclaimable = Set<ObjectID>()
        var removals = RemovedManifests()
        var passedThrough = Set<ObjectID>()
        for tip in tips {
            var next: ObjectID? = tip
            while let id = next, !present.contains(id), lacking.insert(id).inserted {
                frontier.append(id)
                let event = try Event.load(id, from: store)
                removals.note(event)
                if event.action == .remove, let m = event.manifest { removedManifests.insert(m) }
                next = event.parent
            }
        }
        // Everything below them, a level at a time.
        var expanded = Set<ObjectID>()
        while !frontier.isEmpty {
            var discovered = [ObjectID]()
            var seen = Set<ObjectID>()
            for id in frontier where expanded.insert(id).inserted {
                if reclaimable.contains(id) && !store.contains(id) {
                    lacking.remove(id)  // a removed version's file, reclaimed here: nothing to send
                    continue
                }
                guard store.contains(id) else {
                    throw RegistryError.corrupt(.init(object: "object \(id.hex)", reason: "it is missing from this store"))
                }
                sizes[id] = store.storedSize(of: id) ?? 0
                let header = try store.header(of: id)
                payloadSizes[id] = header.size
                let type = header.type
                guard Registry.linkedTypes.contains(type) else { continue }
                var unique = Set<ObjectID>()
                // A removed version's files are not sent (a removed version needs none); those a
                // live version shares are reached through its manifest.
                if type == .manifest && removals.isRemovedOnly(id) {
                    children[id] = []
                    continue
                }
                let kids = try Registry.links(type: type, payload: store.read(id, as: type)).filter { unique.insert($0).inserted }
                children[id] = kids
                if removedManifests.contains(id) || reclaimable.contains(id) { reclaimable.formUnion(kids) }
                for kid in kids where seen.insert(kid).inserted { discovered.append(kid) }
            }
            let unknown = discovered.filter { !present.contains($0) && !lacking.contains($0) }
            // Reused objects are freshened: a gc of the remote must not delete them now.
            let missing = try lackingObjects(unknown, remote: remote, threshold: threshold)
            for id in unknown { if missing.contains(id) { lacking.insert(id) } else { present.insert(id) } }
            // A live version's manifest the remote has is still looked into: it may be one of a
            // version removed there, whose files were reclaimed.
            for id in discovered where present.contains(id) && removals.isLive(id) { passedThrough.insert(id) }
            frontier = discovered.filter { (lacking.contains($0) || passedThrough.contains($0)) && !expanded.contains($0) }
        }

        // Children before parents.
        var order = [ObjectID]()
        var done = Set<ObjectID>()
        for tip in tips where lacking.contains(tip) {
            var stack = [(tip, false)]
            while let (id, finished) = stack.popLast() {
                if finished { if lacking.contains(id) { order.append(id) }; continue }
                if !done.insert(id).inserted { continue }
                stack.append((id, true))
                for kid in (children[id] ?? []).reversed() where (lacking.contains(kid) || passedThrough.contains(kid)) && !done.contains(kid) {
                    stack.append((kid, false))
                }
            }
        }
        // An object sent goes after what it names; through a manifest the remote has, that is the manifest's files.
        let sendChildren = children.mapValues { kids in
            kids.flatMap { kid in passedThrough.contains(kid) ? (children[kid] ?? []).filter { lacking.contains($0) } : [kid] }
                .filter { lacking.contains($0) }
        }
        return TransferPlan(order: order, children: sendChildren, sizes: sizes, payloadSizes: payloadSizes)
    }
}
