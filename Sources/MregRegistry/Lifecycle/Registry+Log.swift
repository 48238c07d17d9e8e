import Foundation
import MregStore
import MregSupport

/// One line of history.
public struct LogEntry: Sendable {
    public var id: ObjectID
    public var event: Event

    public init(id: ObjectID, event: Event) {
        self.id = id
        self.event = event
    }

    public var json: JSONValue {
        var o = event.json.objectValue ?? [:]
        o["id"] = .string(id.hex)
        o["schema"] = nil
        return .object(o)
    }
}

extension Registry {
    /// Events, newest first: of one model, or of all models merged by time.
    ///
    /// - Throws: the first damaged model's `ModelDamage` (see `logAndDamage` to go on past it).
    public func log(model: String?, stage: String? = nil, limit: Int? = nil, until: Date? = nil) throws -> [LogEntry] {
        let (entries, damaged) = try logAndDamage(model: model, stage: stage, limit: limit, until: until)
        if let first = damaged.first { throw first }
        return entries
    }

    /// Events, newest first, of one model or of all models merged by time; over all models,
    /// the events of the models that can be read and the models that cannot (a damaged head or
    /// chain). A named model that cannot be read throws its error.
    public func logAndDamage(model: String?, stage: String? = nil, limit: Int? = nil,
                             until: Date? = nil) throws -> (entries: [LogEntry], damaged: [ModelDamage]) {
        if let stage { try Names.validateStage(stage) }
        var entries = [LogEntry]()
        let names: [String]
        var damaged = [ModelDamage]()
        if let model {
            _ = try existingState(of: model)
            names = [model]
        } else {
            names = try models()
            damaged = damagedModels()
            if names.count > 1, let cache, let merged = try? cache.mergedLog(of: names, stage: stage, limit: limit, until: until, in: self) {
                return (merged, damaged)
            }
        }
        for name in names {
            do {
                entries += try cachedEvents(of: name).map { LogEntry(id: $0.id, event: $0.event) }
            } catch where model == nil {
                damaged.append(ModelDamage(model: name, error: error))
            }
        }
        if names.count > 1 {
            entries.sort { ($0.event.time, $0.event.model, $0.event.sequence) > ($1.event.time, $1.event.model, $1.event.sequence) }
        }
        if let stage { entries = entries.filter { $0.event.stage == stage } }
        if let until { entries = entries.filter { (Timestamp.parse($0.event.time) ?? .distantPast) <= until } }
        if let limit { entries = Array(entries.prefix(limit)) }
        return (entries, damaged.sorted { $0.model < $1.model })
    }

    /// A model's events newest first, from the cache when it can answer, else from the chain.
    public func cachedEvents(of model: String) throws -> [(id: ObjectID, event: Event)] {
        if let cache, let events = try? cache.events(of: model, in: self) { return events }
        return try events(of: model)
    }

    /// A short human summary of an event: `promote v3 to production (was v2)`.
    public static func summary(of e: Event) -> String {
        let v = e.version.map { "v\($0)" } ?? ""
        switch e.action {
        case .register: return "register \(v)"
        case .tag: return "tag \(v) as '\(e.tag ?? "")'" + (e.previous.map { " (moved from v\($0))" } ?? "")
        case .untag: return "untag '\(e.tag ?? "")' (was \(v))"
        case .promote: return "promote \(v) to \(e.stage ?? "")" + (e.previous.map { " (was v\($0))" } ?? "")
        case .demote: return "demote \(v) from \(e.stage ?? "")"
        case .remove: return "remove \(v)"
        case .approve: return "approve \(v) for \(e.stage ?? "")"
        case .unapprove: return "revoke the approval of \(v) for \(e.stage ?? "")"
        }
    }
}
