import Foundation
import MregStore

extension Registry {
    /// The store's index (see `RegistryIndex`).
    public var index: RegistryIndex { RegistryIndex(registry: self) }

    /// Every model's summary, sorted by name, from the index.
    public func modelSummaries() throws -> [ModelSummary] {
        try index.summaries()
    }

    /// A model's events, newest first, from its index record (empty for an unknown model).
    /// Falls back to reading the chain from objects when the index cannot answer.
    public func indexedEvents(of model: String) throws -> [(id: ObjectID, event: Event)] {
        do {
            guard let record = try index.record(model: model) else { return [] }
            return try record.events().reversed()
        } catch {
            return try events(of: model)
        }
    }

    /// The events of several models merged newest first (by time, then model, then sequence),
    /// as `log` without a model shows them. The order is decided from each record's event
    /// times, so only the events returned are parsed.
    func mergedLog(of names: [String], stage: String?, limit: Int?, until: Date?) throws -> [LogEntry] {
        let index = self.index
        let records = try Parallel.map(names, width: RegistryIndex.readWidth) { try index.record(model: $0) }
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
            let (id, event) = try records[o.model]!.event(at: e.at, length: e.length)
            if let stage, event.stage != stage { continue }
            out.append(LogEntry(id: id, event: event))
        }
        return out
    }

    /// A model's state from its index record; nil when the model has no head.
    func indexedState(of model: String, asOf: Date?) throws -> ModelState? {
        guard let record = try index.record(model: model) else { return nil }
        return try record.state(asOf: asOf)
    }

    /// Deletes and rebuilds the index (`mreg reindex`).
    public func reindex() throws -> RegistryIndex.RebuildReport {
        try index.rebuild()
    }
}
