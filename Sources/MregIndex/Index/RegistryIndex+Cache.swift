import Foundation
import MregStore
import MregSupport
import MregRegistry
import MregFilter

/// The index as the registry core's `ChainCache`: stateless, so a registry can carry it;
/// each call opens the index of the registry it is given.
public struct IndexCache: ChainCache {
    public init() {}

    public func state(of model: String, asOf: Date?, in registry: Registry) throws -> ModelState? {
        try RegistryIndex(registry: registry).state(of: model, asOf: asOf)
    }

    public func events(of model: String, in registry: Registry) throws -> [(id: ObjectID, event: Event)] {
        try RegistryIndex(registry: registry).events(of: model)
    }

    public func mergedLog(of models: [String], stage: String?, limit: Int?, until: Date?, in registry: Registry) throws -> [LogEntry] {
        try RegistryIndex(registry: registry).mergedLog(of: models, stage: stage, limit: limit, until: until)
    }

    public func headMoved(model: String, in registry: Registry) {
        try? RegistryIndex(registry: registry).update(model: model)
    }
}

extension RegistryIndex {
    /// Every model's summary, sorted by name; throws the first damaged model's `ModelDamage`.
    public func modelSummaries() throws -> [ModelSummary] {
        let (summaries, damaged) = try summaries()
        if let first = damaged.first { throw first }
        return summaries
    }

    /// The summaries of the models that can be read, sorted by name, and the models that
    /// cannot (a damaged head or chain), each with its problem.
    public func modelSummariesAndDamage() throws -> (summaries: [ModelSummary], damaged: [ModelDamage]) {
        try summaries()
    }

    /// A model's events, newest first, from its record (empty for an unknown model).
    /// Falls back to reading the chain from objects when the record cannot answer.
    public func events(of model: String) throws -> [(id: ObjectID, event: Event)] {
        do {
            guard let record = try record(model: model) else { return [] }
            return try record.events().reversed()
        } catch {
            return try registry.events(of: model)
        }
    }

    /// The events of several models merged newest first (by time, then model, then sequence),
    /// as `log` without a model shows them. The order is decided from each record's event
    /// times, so only the events returned are parsed.
    public func mergedLog(of names: [String], stage: String?, limit: Int?, until: Date?) throws -> [LogEntry] {
        let records = try Parallel.map(names, width: RegistryIndex.readWidth) { try self.record(model: $0) }
        let events = try records.map { try $0?.eventIndex() ?? [] }
        let latest = until.map { Int64($0.timeIntervalSince1970.rounded(.down)) }
        var order = [(seconds: Int64, model: Int, sequence: Int64, event: Int)]()
        order.reserveCapacity(events.reduce(0) { $0 + $1.count })
        for (m, list) in events.enumerated() {
            for (i, e) in list.enumerated() where latest.map({ e.seconds <= $0 }) ?? true {
                order.append((e.seconds, m, e.sequence, i))
            }
        }
        order.sort { ($0.seconds, $0.model, $0.sequence) > ($1.seconds, $1.model, $1.sequence) }
        var out = [LogEntry]()
        for o in order {
            if let limit, out.count >= limit { break }
            let e = events[o.model][o.event]
            guard let record = records[o.model] else { continue }
            let (id, event) = try record.event(at: e.at, length: e.length)
            if let stage, event.stage != stage { continue }
            out.append(LogEntry(id: id, event: event))
        }
        return out
    }

    /// A model's state from its record; nil when the model has no head.
    public func state(of model: String, asOf: Date?) throws -> ModelState? {
        guard let record = try record(model: model) else { return nil }
        return try record.state(asOf: asOf)
    }

    /// Deletes and rebuilds the index (`mreg reindex`).
    public func reindex() throws -> RebuildReport {
        try rebuild()
    }
}
