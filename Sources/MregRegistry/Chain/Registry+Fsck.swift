import MregStore
import MregSupport

extension Registry {
    /// The object types whose payload names other objects.
    public static let linkedTypes: Set<ObjectType> = [.manifest, .event, .chunks]

    /// The ids an object names: in mreg's JSON objects, every 64-hex string
    /// under a key called `object`, `parent` or `manifest`, at any depth.
    public static func links(type: ObjectType, payload: [UInt8]) throws -> [ObjectID] {
        guard linkedTypes.contains(type) else { return [] }
        return links(in: try JSONValue.parse(payload))
    }

    /// The ids an event, manifest or chunk list names, after checking that it decodes as one
    /// (its fields, their types and ranges): what `fsck` reports of each such object.
    public static func checkedLinks(type: ObjectType, payload: [UInt8]) throws -> [ObjectID] {
        guard linkedTypes.contains(type) else { return [] }
        let json = try JSONValue.parse(payload)
        switch type {
        case .event: _ = try Event(json: json)
        case .manifest: _ = try Manifest(json: json)
        case .chunks: _ = try ChunkList(json: json)
        default: break
        }
        return links(in: json)
    }

    /// Every 64-hex string under a key called `object`, `parent` or `manifest`, at any depth.
    static func links(in json: JSONValue) -> [ObjectID] {
        var out = [ObjectID]()
        func walk(_ value: JSONValue, key: String?) {
            switch value {
            case .string(let s):
                if let key, ["object", "parent", "manifest"].contains(key), let id = ObjectID(parsing: s) { out.append(id) }
            case .array(let items): for item in items { walk(item, key: key) }
            case .object(let o): for (k, v) in o { walk(v, key: k) }
            default: break
            }
        }
        walk(json, key: nil)
        return out
    }

    /// Store-level checks, then each model's head, event chain and derived refs.
    ///
    /// Every problem found is reported (up to `FsckReport.maximumFindings` of a severity, the
    /// rest counted): a damaged model does not stop the checks of the others.
    public func fsck(repair: Bool = false) throws -> FsckReport {
        // Repairs go first (stale locks, old temp files, derived refs), so that the report
        // describes the store as the repair left it.
        let repairs = repair ? self.repair() : []
        var report = repository.fsck(links: Self.checkedLinks, linkedTypes: Self.linkedTypes)
        report.findings.insert(contentsOf: repairs, at: 0)
        for name in Self.listModels(root: repository.root) {
            checkModel(name, repair: false, report: &report)
        }
        reportRemovedFiles(&report)
        return report
    }

    /// A removed version's files are reclaimable, not missing: a `missing` finding for an
    /// object that only removed versions name is dropped, and each removed version whose
    /// files are still (partly) there is reported once as reclaimable (info).
    func reportRemovedFiles(_ report: inout FsckReport) {
        var live = Set<ObjectID>()
        var removed = [(label: String, objects: Set<ObjectID>)]()
        func objects(of manifest: ObjectID) -> Set<ObjectID> {
            guard let payload = try? store.read(manifest, as: .manifest),
                  let links = try? Self.links(type: .manifest, payload: payload) else { return [] }
            var out = Set<ObjectID>()
            for id in links where (try? store.header(of: id).type) != .manifest {  // not a base version's manifest
                out.insert(id)
                if let chunks = try? store.read(id, as: .chunks), let more = try? Self.links(type: .chunks, payload: chunks) {
                    out.formUnion(more)
                }
            }
            return out
        }
        var states = [ModelState]()
        for name in Self.listModels(root: repository.root) {
            guard let events = try? self.events(of: name.rawValue) else { continue }
            var state = ModelState(model: name.rawValue)
            for (id, event) in events.reversed() { state.apply(event, id: id) }
            states.append(state)
        }
        // Only when something was removed; then every model's live versions count (dedup
        // shares files across models: one a live version of another model needs is not reclaimable).
        guard states.contains(where: { !$0.removed.isEmpty }) else { return }
        for state in states {
            for info in state.versions.values { live.formUnion(objects(of: info.manifest)) }
            for r in state.removed.values.sorted(by: { $0.number < $1.number }) {
                removed.append(("\(state.model)@\(r.number)", objects(of: r.manifest)))
            }
        }
        let removedOnly = removed.reduce(into: Set<ObjectID>()) { $0.formUnion($1.objects) }.subtracting(live)
        report.findings.removeAll { $0.kind == "missing" && $0.id.map(removedOnly.contains) == true }
        for (label, objects) in removed {
            let present = objects.subtracting(live).filter { store.contains($0) }
            guard !present.isEmpty else { continue }
            report.add(.info, "reclaimable", "\(label) was removed: \(present.count) of its object(s) are reclaimable by 'mreg gc'")
        }
    }

    /// One model's checks: its head, its chain (from objects, not the index), its derived refs.
    func checkModel(_ name: ModelName, repair: Bool, report: inout FsckReport) {
        let model = name.rawValue
        guard let head = try? name.headRef else { return }  // a valid model name always has one
        let prefix = "refs/models/\(model)/"
        let headID: ObjectID?
        do {
            headID = try self.head(of: model)
        } catch {
            // Garbage in the head was reported by the store-level walk; a folder or a FIFO was not.
            if !report.findings.contains(where: { $0.ref == head.rawValue }) {
                report.add(.error, "badref", "\(error): model \(model) cannot be read", ref: head.rawValue)
            }
            return
        }
        guard let headID else {
            let left = refs.names(prefix: prefix)
            if let first = left.first {
                report.add(.error, "badref", "model \(model) has \(left.count) ref(s) (\(first)\(left.count > 1 ? ", …" : "")) but no head ref \(head): "
                           + "its history cannot be read; restore the head (from a remote or a backup) or remove \(prefix)", ref: head.rawValue)
            }
            return
        }
        let events: [(id: ObjectID, event: Event)]
        do {
            events = try self.events(of: model)
        } catch RegistryError.corrupt(let c) where c.object == "event chain of \(model)" {
            report.add(.error, "chain", "event chain of \(model) is broken: \(c.reason)")
            return
        } catch {
            report.add(.error, "chain", "event chain of \(model) is broken: \(error)")
            return
        }
        var expected = Int64(events.count)
        for (id, event) in events {
            if event.sequence != expected {
                report.add(.error, "chain", "event \(id.abbreviated()) of \(model) has sequence \(event.sequence), expected \(expected)", id: id)
            }
            expected -= 1
        }
        var state = ModelState(model: model)
        for (id, event) in events.reversed() { state.apply(event, id: id) }
        let wanted: [(RefName, ObjectID)]
        do {
            wanted = try derivedRefs(of: state)
        } catch {
            report.add(.error, "chain", "event chain of \(model) names refs that cannot exist: \(error)")
            return
        }
        let problems = derivedProblems(model: model, head: head, wanted: wanted)
        guard !problems.isEmpty else { return }
        // A damaged derived ref is reported once, as a derived ref that repair rewrites.
        let damaged = Set(problems.map(\.ref.rawValue))
        report.findings.removeAll { $0.kind == "badref" && $0.ref.map(damaged.contains) == true }
        if repair {
            var failure: (any Error)?
            do { try syncDerivedRefs(model: model) } catch { failure = error }
            let left = derivedProblems(model: model, head: head, wanted: wanted)
            if left.count < problems.count {
                report.add(.info, "derived", "repaired \(problems.count - left.count) derived ref(s) of \(model) from its event chain")
            }
            for p in left {
                report.add(.error, "derived", "\(p.message) (per the event chain of \(model)); repair failed: \(failure.map { "\($0)" } ?? "it is still wrong")", ref: p.ref.rawValue)
            }
        } else {
            for p in problems {
                report.add(.error, "derived", "\(p.message) (per the event chain of \(model))", ref: p.ref.rawValue)
            }
        }
    }

    /// The refs under a model's folder (its head aside) that differ from what its chain implies.
    func derivedProblems(model: String, head: RefName, wanted: [(RefName, ObjectID)]) -> [(ref: RefName, message: String)] {
        var have = [RefName: ObjectID?]()  // nil: a damaged ref
        for entry in refs.scan(prefix: "refs/models/\(model)/") {
            switch entry {
            case .ref(let name, let id) where name != head: have[name] = .some(id)
            case .corrupt(let name, _) where name != head: have[name] = .some(nil)
            default: continue
            }
        }
        var out = [(ref: RefName, message: String)]()
        let wantedNames = Set(wanted.map(\.0))
        for (name, id) in wanted {
            switch have[name] {
            case .some(.some(let current)) where current == id: continue
            case .some(.some): out.append((name, "\(name) should be \(id.abbreviated())"))
            case .some(.none): out.append((name, "\(name) is damaged (it holds no object id); it should be \(id.abbreviated())"))
            case .none: out.append((name, "\(name) is missing; it should be \(id.abbreviated())"))
            }
        }
        for name in have.keys.sorted() where !wantedNames.contains(name) {
            out.append((name, "\(name) should not exist"))
        }
        return out
    }

}
