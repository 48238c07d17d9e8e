import Foundation
import MregStore
import MregSupport
import MregRegistry
import MregFilter

/// The registry's index: a cache under `.mreg/index/` that answers `list`, `log`, `show`
/// and `search` without replaying event chains from objects.
///
/// - `index/models/<model>`: one record per model (its summary, searchable versions and
///   event chain), tagged with the head event it reflects.
/// - `index/all`: a snapshot of every model's segment, for commands that read all models.
///
/// A record is fresh exactly when its head id equals the model's head ref, so one ref read
/// decides. A stale or missing record is caught up from the chain (only the events after the
/// head it reflects, when that is an ancestor) and written back with temp file + `rename`:
/// no locks, so it works on NFS, and an interrupted command leaves at worst a stale record.
/// Deleting the folder is always safe; `mreg reindex` rebuilds it from objects and refs.
public struct RegistryIndex: Sendable {
    public let registry: Registry

    public init(registry: Registry) { self.registry = registry }

    /// `.mreg/index`.
    public var directory: String { "\(registry.repository.root)/index" }
    var snapshotPath: String { "\(directory)/all" }
    func recordPath(_ model: String) -> String { "\(directory)/models/\(model)" }
    var shared: Bool { registry.repository.sharedGroup }
    var store: ObjectStore { registry.store }

    /// How many records are read or built at once. Index builds read many small objects, so
    /// on a cold cache they wait on the disk more than they compute: 16 threads (at least twice
    /// the cores) keep enough reads in flight for an SSD or a network filesystem to answer them in parallel.
    static var readWidth: Int { max(16, Parallel.cores * 2) }

    // MARK: one model

    /// The fresh record of `model` at `head`: read from its file when it reflects `head`,
    /// else caught up from the chain and written back (a failed write is ignored).
    func record(model: String, head: ObjectID) throws -> ModelRecord {
        let path = recordPath(model)
        var old: ModelRecord?
        if let file = try? IndexFile.read(path, kind: .model), let record = try? ModelRecord(file: file), record.model == model {
            if record.head == head { return record }
            old = record
        }
        let builder = try catchUp(model: model, head: head, from: old)
        guard let payload = try builder.encode() else { throw Self.noEvents(model) }
        _ = try? IndexFile.write(path, kind: .model, payload: payload, shared: shared)
        return try ModelRecord(file: IndexFile.inMemory(payload, kind: .model))
    }

    /// The fresh record of `model`, or nil when the model has no head.
    func record(model: String) throws -> ModelRecord? {
        guard let head = try registry.head(of: model) else { return nil }
        return try record(model: model, head: head)
    }

    /// Replays the events after `old`'s head (or the whole chain when `old` is not an
    /// ancestor of `head`), reading each new version's manifest once.
    func catchUp(model: String, head: ObjectID, from old: ModelRecord?) throws -> ModelIndexBuilder {
        var newEvents = [(raw: RawEvent, event: Event)]()
        var next: ObjectID? = head
        var seen = Set<ObjectID>()
        var reachedOld = false
        while let id = next {
            if let old, id == old.head { reachedOld = true; break }
            guard seen.insert(id).inserted else {
                throw RegistryError.corrupt(.init(object: "event chain of \(model)", reason: "it loops at \(id.abbreviated())"))
            }
            let payload = try store.read(id, as: .event)
            let event = try Event.decode(payload, id: id)
            let raw = RawEvent(id: id, payload: payload, event: event)
            guard event.model == model else { throw Event.wrongModel(id, in: model, belongsTo: event.model) }
            newEvents.append((raw, event))
            next = event.parent
        }
        var builder = ModelIndexBuilder(model: model)
        var known = [ObjectID: ManifestFields]()
        if let old {
            if reachedOld, let resumed = try? ModelIndexBuilder(record: old) {
                builder = resumed
            } else if !reachedOld {
                // Another history (e.g. rewritten by a pull): reuse what the manifests gave before.
                for row in 0..<old.segment.rowCount {
                    known[old.segment.manifest(row)] = old.segment.versionFields(row).content
                }
            } else {
                return try catchUp(model: model, head: head, from: nil)
            }
        }
        let store = self.store
        for (raw, event) in newEvents.reversed() {
            try builder.apply(raw, event) { manifest in
                if let k = known[manifest] { return k }
                let fields = ManifestFields(try Manifest.load(manifest, from: store))
                known[manifest] = fields
                return fields
            }
        }
        return builder
    }

    /// Brings a model's record up to date after its head moved (called by `Registry.headMoved`).
    public func update(model: String) throws {
        if let head = try registry.head(of: model) {
            _ = try record(model: model, head: head)
        } else {
            unlink(recordPath(model))
        }
    }

    // MARK: all models

    /// The error for a model whose chain has no events.
    static func noEvents(_ model: String) -> RegistryError {
        .corrupt(.init(object: "event chain of \(model)", reason: "it has no events"))
    }

    /// Every model with a readable head, sorted, and its head; and the models whose head
    /// exists but cannot be read (entries under `refs/models/` whose names are not model names are skipped).
    func heads() -> (heads: [(model: String, head: ObjectID)], damaged: [ModelDamage]) {
        let base = "\(registry.repository.root)/refs/models"
        var out = [(model: String, head: ObjectID)]()
        var damaged = [ModelDamage]()
        for name in IndexFileSystem.list(base).sorted() where ModelName(validating: name) != nil {
            if let id = IndexFileSystem.readRef("\(base)/\(name)/head") {
                out.append((name, id))
                continue
            }
            do {
                // An unusual but valid ref file, no head, or a damaged head (garbage, a folder).
                if let id = try registry.head(of: name) { out.append((name, id)) }
            } catch {
                damaged.append(ModelDamage(model: name, error: error))
            }
        }
        return (out, damaged)
    }

    /// A fresh segment for every model whose chain can be read, sorted by model, and the
    /// models that cannot be read: from the snapshot where it still matches the head, else
    /// from the model's record (caught up if needed). Rewrites the snapshot when it is missing
    /// or too many of its segments are stale.
    func segments() throws -> (segments: [IndexSegment], damaged: [ModelDamage]) {
        let (heads, damagedHeads) = heads()
        let snapshot = (try? IndexFile.read(snapshotPath, kind: .snapshot)).flatMap { $0.flatMap { try? IndexSnapshot(file: $0) } }
        var result = [Result<IndexSegment, ModelDamage>?](repeating: nil, count: heads.count)
        var stale = [Int]()
        for (i, (model, head)) in heads.enumerated() {
            if let s = snapshot?.segments[model], s.head == head { result[i] = .success(s) } else { stale.append(i) }
        }
        let fresh = try Parallel.map(stale, width: Self.readWidth) { i in readSegment(heads[i].model, heads[i].head) }
        for (k, i) in stale.enumerated() { result[i] = fresh[k] }
        let (segments, damaged) = Self.split(result, damagedHeads)
        // Models the snapshot holds that have no head any more.
        let extra = (snapshot?.segments.count ?? 0) - heads.filter { snapshot?.segments[$0.model] != nil }.count
        if !segments.isEmpty, snapshot == nil || Self.worthRewriting(outOfDate: stale.count + extra, of: heads.count) {
            _ = try? IndexFile.write(snapshotPath, kind: .snapshot, payload: IndexSnapshot.encode(segments), shared: shared)
        }
        return (segments, damaged)
    }

    /// A model's fresh segment, or its damage.
    func readSegment(_ model: String, _ head: ObjectID) -> Result<IndexSegment, ModelDamage> {
        do {
            return .success(try record(model: model, head: head).segment)
        } catch {
            return .failure(ModelDamage(model: model, error: error))
        }
    }

    /// The values of `results` that were read, and the damage of the others (after `damaged`), sorted by model.
    static func split<T>(_ results: [Result<T, ModelDamage>?], _ damaged: [ModelDamage]) -> ([T], [ModelDamage]) {
        var values = [T]()
        var all = damaged
        for case let result? in results {
            switch result {
            case .success(let value): values.append(value)
            case .failure(let damage): all.append(damage)
            }
        }
        return (values, all.sorted { $0.model < $1.model })
    }

    /// Whether a snapshot with this many stale (or extra) models should be written again:
    /// any for a small store, min(16, 5%) for a large one (each stale model costs one record read).
    static func worthRewriting(outOfDate: Int, of models: Int) -> Bool {
        outOfDate >= max(1, min(16, models / 20))
    }

    /// Every readable model's summary, sorted by model, reading only the snapshot's summary
    /// section (and the records of models it does not reflect); and the models that cannot be read.
    func summaries() throws -> (summaries: [ModelSummary], damaged: [ModelDamage]) {
        let (heads, damagedHeads) = heads()
        func fromSegments() throws -> ([ModelSummary], [ModelDamage]) {
            let (segments, damaged) = try segments()
            return (segments.map(\.summary), damaged)
        }
        guard let snapshot = try? IndexSnapshot.readSummaries(snapshotPath) else { return try fromSegments() }
        var result = [Result<ModelSummary, ModelDamage>?](repeating: nil, count: heads.count)
        var stale = [Int]()
        for (i, (model, head)) in heads.enumerated() {
            if let s = snapshot[model], s.head == head { result[i] = .success(s) } else { stale.append(i) }
        }
        let extra = snapshot.count - heads.filter { snapshot[$0.model] != nil }.count
        if Self.worthRewriting(outOfDate: stale.count + extra, of: heads.count) { return try fromSegments() }
        let fresh = try Parallel.map(stale, width: Self.readWidth) { i in readSegment(heads[i].model, heads[i].head).map(\.summary) }
        for (k, i) in stale.enumerated() { result[i] = fresh[k] }
        return Self.split(result, damagedHeads)
    }

    // MARK: rebuilding

    /// What `reindex` did.
    public struct RebuildReport: Sendable {
        public var models: Int
        public var versions: Int
        public var events: Int
        /// Bytes of index files written.
        public var bytes: Int64
        public var seconds: Double
        /// Models left out because they cannot be read, each with its problem.
        public var damaged: [ModelDamage] = []
    }

    /// Deletes the index and rebuilds it from objects and refs (models in parallel).
    @discardableResult
    public func rebuild() throws -> RebuildReport {
        let start = Date()
        IndexFileSystem.removeTree(directory)
        let (heads, damagedHeads) = heads()
        // A model that cannot be read is left out (and reported); the others are indexed.
        let results = try Parallel.map(Array(heads.indices), width: Self.readWidth) { i -> Result<(IndexSegment, Int, Int), ModelDamage> in
            let (model, head) = heads[i]
            do {
                let builder = try catchUp(model: model, head: head, from: nil)
                guard let payload = try builder.encode() else { throw Self.noEvents(model) }
                let size = try IndexFile.write(recordPath(model), kind: .model, payload: payload, shared: shared)
                let record = try ModelRecord(file: IndexFile.inMemory(payload, kind: .model))
                return .success((record.segment, builder.events.count, size))
            } catch {
                return .failure(ModelDamage(model: model, error: error))
            }
        }
        let (built, damaged) = Self.split(results, damagedHeads)
        var bytes = Int64(built.reduce(0) { $0 + $1.2 })
        if !built.isEmpty {
            bytes += Int64(try IndexFile.write(snapshotPath, kind: .snapshot, payload: IndexSnapshot.encode(built.map(\.0)), shared: shared))
        }
        return RebuildReport(models: built.count, versions: built.reduce(0) { $0 + $1.0.liveRowCount },
                             events: built.reduce(0) { $0 + $1.1 }, bytes: bytes, seconds: Date().timeIntervalSince(start),
                             damaged: damaged)
    }
}

#if canImport(Glibc)
import Glibc
#endif
