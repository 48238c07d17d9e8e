import MregStore
import MregSupport

extension Registry {
    /// The object types whose payload names other objects.
    public static let linkedTypes: Set<ObjectType> = [.manifest, .event, .chunks]

    /// The ids an object names: in mreg's JSON objects, every 64-hex string
    /// under a key called `object`, `parent` or `manifest`, at any depth.
    public static func links(type: ObjectType, payload: [UInt8]) throws -> [ObjectID] {
        guard linkedTypes.contains(type) else { return [] }
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
        walk(try JSONValue.parse(payload), key: nil)
        return out
    }

    /// Store-level checks, then each model's event chain and derived refs.
    public func fsck(repair: Bool = false) throws -> FsckReport {
        var report = repository.fsck(links: Self.links, linkedTypes: Self.linkedTypes)
        for model in try models() {
            do {
                let events = try self.events(of: model)
                var expected = Int64(events.count)
                for (id, event) in events {
                    if event.sequence != expected {
                        report.add(.error, "chain", "event \(id.abbreviated()) of \(model) has sequence \(event.sequence), expected \(expected)", id: id)
                    }
                    expected -= 1
                }
                let state = try self.state(of: model)
                let wanted = try derivedRefs(of: state)
                let head = try Self.headRef(model)
                let have = try refs.list(prefix: "refs/models/\(model)/").filter { $0.name != head }
                let wantedSet = Dictionary(wanted, uniquingKeysWith: { a, _ in a })
                var wrong = [String]()
                for (name, id) in wanted where (try? refs.read(name)) != id { wrong.append("\(name) should be \(id.abbreviated())") }
                for (name, _) in have where wantedSet[name] == nil { wrong.append("\(name) should not exist") }
                if !wrong.isEmpty {
                    if repair {
                        try syncDerivedRefs(model: model)
                        report.add(.info, "derived", "repaired \(wrong.count) derived ref(s) of \(model) from its event chain")
                    } else {
                        for w in wrong {
                            report.add(.error, "derived", "\(w) (per the event chain of \(model))")
                        }
                    }
                }
            } catch {
                report.add(.error, "chain", "event chain of \(model) is broken: \(error)")
            }
        }
        checkManifests(&report)
        return report
    }

    /// Every manifest a chain names must read as a version (FORMAT.md §1.4: its paths and
    /// links); a missing one is reported by the store-level checks already.
    func checkManifests(_ report: inout FsckReport) {
        var checked = Set<ObjectID>()
        for model in (try? models()) ?? [] {
            guard let state = try? self.state(of: model) else { continue }
            for version in state.versions.values.sorted(by: { $0.number < $1.number }) {
                guard checked.insert(version.manifest).inserted, store.contains(version.manifest) else { continue }
                do {
                    _ = try Manifest.load(version.manifest, from: store)
                } catch {
                    report.add(.error, "manifest", "\(model) v\(version.number): \(error)", id: version.manifest)
                }
            }
        }
    }
}
