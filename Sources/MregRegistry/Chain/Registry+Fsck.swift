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
        // Repairs go first, so that the report describes the store as the repair left it.
        let repairs = repair ? self.repair() : []
        var report = repository.fsck(links: Self.links, linkedTypes: Self.linkedTypes)
        report.findings.insert(contentsOf: repairs, at: 0)
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
                let wrong = try derivedRefProblems(of: state)
                for w in wrong {
                    report.add(.error, "derived", "\(w) (per the event chain of \(model))")
                }
            } catch {
                report.add(.error, "chain", "event chain of \(model) is broken: \(error)")
            }
        }
        return report
    }
}
