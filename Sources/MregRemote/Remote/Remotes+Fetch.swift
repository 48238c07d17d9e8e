import Foundation
import MregStore
import MregSupport
import MregRegistry
import MregIndex
import MregGovernance

extension Remotes {
    /// Downloads the remote's new events and every object they need that this store
    /// lacks, verifying each, and records the remote's heads as
    /// `refs/remotes/<remote>/<model>/head`. Local model heads do not move (see `pull`).
    ///
    /// - Parameter models: the models to fetch (default: every model on the remote).
    /// - Returns: the report, and the remote heads that were fetched.
    public func fetch(from remote: any RemoteStorage, remoteName: String?, models requested: [String]? = nil,
                      observer: (any TransferObserver)? = nil) throws -> (report: TransferReport, heads: [String: ObjectID]) {
        try fetch(from: remote, remoteName: remoteName, models: requested, observer: observer, journal: nil, track: true)
    }

    /// `fetch`, recording the objects it gets in `journal`, and moving the tracking refs only when `track`.
    func fetch(from remote: any RemoteStorage, remoteName: String?, models requested: [String]?,
               observer: (any TransferObserver)?, journal: ReceiveJournal?, track tracking: Bool) throws -> (report: TransferReport, heads: [String: ObjectID]) {
        var report = TransferReport(remoteName: remoteName, location: remote.location)
        var names: [String]?
        if let requested {
            for model in requested { try Names.validateModel(model) }
            var seen = Set<String>()
            names = requested.filter { seen.insert($0).inserted }
        }
        // One listing of every head (S3), reading only those this store does not expect.
        var candidates = try names ?? registry.models()
        if names == nil, let remoteName { candidates += refs.folderNames(under: "refs/remotes/\(remoteName)") }
        let expected = expectedHeads(candidates, remoteName: remoteName)
        let found = try remote.readHeads(models: names, expected: expected)
        var heads = [String: ObjectID]()
        for model in names ?? found.keys.sorted() {
            guard let head = found[model] else {
                if requested != nil {
                    throw RegistryError.notFound(.init(.model, model, remote: "\(remote.location)"))
                }
                continue
            }
            heads[model] = head.id
        }
        let received = try receive(heads.values.sorted(), from: remote, observer: observer, journal: journal)
        report.objects = received.objects
        report.bytes = received.bytes
        for (model, id) in heads.sorted(by: { $0.key < $1.key }) {
            let before = remoteName.flatMap { try? trackedHead(remote: $0, model: model) }
            if tracking, let w = track(remoteName, model, id) { report.warnings.append(w) }
            let changed = remoteName == nil ? (try registry.head(of: model)) != id : before != id
            report.models.append(ModelUpdate(model: model, status: changed ? .fetched : .upToDate, old: before, new: id))
        }
        return (report, heads)
    }

    /// What receiving objects did.
    struct Received {
        var objects = 0
        var bytes: Int64 = 0
    }

    /// Copies every object reachable from `tips` that this store lacks, verified.
    ///
    /// Breadth first, a level at a time, `remote.parallelism` downloads at once. Blobs
    /// are streamed straight into the store (verified as they are written: a damaged
    /// one fails its write and is not stored). Events, manifests and chunk lists are
    /// verified and held in memory until the walk is done, then stored children first,
    /// so this store never holds an object whose graph is incomplete.
    func receive(_ tips: [ObjectID], from remote: any RemoteStorage, observer: (any TransferObserver)?,
                 journal: ReceiveJournal? = nil) throws -> Received {
        let store = self.store
        // What this store has already is reused: freshened, so that a gc here keeps it.
        var frontier = tips.filter { !store.freshen($0) }
        for id in frontier { journal?.record(id, in: store) }
        if frontier.isEmpty { return Received() }
        defer { observer?.finish() }
        var seen = Set(frontier)
        var metadata = [ObjectID: (type: ObjectType, payload: [UInt8])]()
        var links = [ObjectID: [ObjectID]]()
        var received = Received()
        let location = remote.location
        // The files of versions a fetched event removes may be gone from the remote (reclaimed).
        var reclaimable = Set<ObjectID>()
        var removedManifests = Set<ObjectID>()
        var removals = RemovedManifests()

        while !frontier.isEmpty {
            let level = frontier
            let tolerated = reclaimable
            let results = try Parallel.map(level, width: remote.parallelism) { id -> (ObjectType, [UInt8]?, Int64)? in
                do {
                    let object = try remote.packs.flatMap { $0.readsThroughList ? try $0.open(id) : nil } ?? remote.open(id)
                    defer { object.close() }
                    let type = object.header.type
                    if Registry.linkedTypes.contains(type) {
                        let payload = try object.reader.readAll()
                        return (type, payload, Int64(payload.count))
                    } else {
                        _ = try ReaderSource.copy(object.reader, into: store) { observer?.advance(bytes: $0) }
                        return (type, nil, object.header.size)
                    }
                } catch let e as StoreError where e.code == .corrupt {
                    throw RegistryError.corrupt(.init(object: "object \(id.hex)", reason: "it is corrupt (\(e)); it was not stored", remote: "\(location)"))
                } catch where tolerated.contains(id) {
                    // A removed version's file, reclaimed on the remote (a removed version needs none).
                    return nil
                }
            }
            var next = [ObjectID]()
            for (i, id) in level.enumerated() {
                guard let (type, payload, size) = results[i] else { continue }
                received.objects += 1
                received.bytes += size
                guard let payload else { continue }
                metadata[id] = (type, payload)
                let named: [ObjectID]
                do {
                    named = try Registry.links(type: type, payload: payload)
                } catch {
                    throw RegistryError.corrupt(.init(object: "\(type) \(id.hex)", reason: "it cannot be read (\(error)); it was not stored", remote: "\(location)"))
                }
                links[id] = named
                if type == .event, let event = try? Event(json: JSONValue.parse(payload)) {
                    removals.note(event)
                    if event.action == .remove, let m = event.manifest { removedManifests.insert(m) }
                }
                if removedManifests.contains(id) || reclaimable.contains(id) { reclaimable.formUnion(named) }
                // A removed version's files are not fetched (a removed version needs none);
                // those a live version shares are reached through its manifest.
                let descend = type == .manifest && removals.isRemovedOnly(id) ? [] : named
                var fresh = [ObjectID]()
                var candidates = descend
                // A live version's manifest this store has is still looked into: it may be one of a
                // version removed here, whose files were reclaimed.
                for child in descend where type == .event && removals.isLive(child) && !seen.contains(child) && store.contains(child) {
                    seen.insert(child)
                    _ = store.freshen(child)
                    candidates += try Registry.links(type: .manifest, payload: store.read(child, as: .manifest))
                }
                for child in candidates where !seen.contains(child) && !store.freshen(child) {
                    seen.insert(child)
                    journal?.record(child, in: store)
                    fresh.append(child)
                }
                next += fresh
                if let observer { observer.expect(bytes: try Self.expectedBytes(type: type, payload: payload, fetching: Set(fresh))) }
            }
            frontier = next
        }

        // Store the metadata children first.
        var stored = Set<ObjectID>()
        func install(_ id: ObjectID) throws {
            var stack = [(id, false)]
            while let (current, done) = stack.popLast() {
                if done {
                    guard let (type, payload) = metadata[current] else { continue }
                    let written = try store.write(type: type, bytes: payload)
                    guard written.id == current else {
                        throw RegistryError.corrupt(.init(object: "object \(current.hex)", reason: "it hashed to \(written.id.hex) when stored", remote: "\(location)"))
                    }
                    continue
                }
                guard metadata[current] != nil, stored.insert(current).inserted else { continue }
                stack.append((current, true))
                for child in links[current] ?? [] where metadata[child] != nil && !stored.contains(child) {
                    stack.append((child, false))
                }
            }
        }
        for id in metadata.keys.sorted() { try install(id) }
        return received
    }

    /// Payload bytes a fetch expects to download for the objects a manifest or chunk list names.
    static func expectedBytes(type: ObjectType, payload: [UInt8], fetching: Set<ObjectID>) throws -> Int64 {
        let json = try JSONValue.parse(payload)
        if type == .manifest {
            // A file's object is a blob or a chunk list; either way its payload adds up to the file's size.
            let files = json["files"]?.arrayValue ?? []
            return files.reduce(0) { sum, f in
                guard let id = f["object"]?.stringValue.flatMap({ ObjectID(parsing: $0) }), fetching.contains(id) else { return sum }
                return sum + (f["size"]?.intValue ?? 0)
            }
        }
        if type == .chunks, let list = try? ChunkList(json: json) {
            // The manifest counted the whole file: take back the chunks already here.
            return -list.chunks.filter { !fetching.contains($0.object) }.reduce(0) { $0 + $1.size }
        }
        return 0
    }
}
