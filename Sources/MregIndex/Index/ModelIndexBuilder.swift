import MregStore
import MregSupport
import MregRegistry
import MregFilter

/// Builds a model's index record by applying events oldest first, like `ModelState`,
/// while collecting each version's searchable fields.
struct ModelIndexBuilder {
    var state: ModelState
    var events: [RawEvent] = []
    var rows: [Int64: VersionFields] = [:]

    init(model: String) { state = ModelState(model: model) }

    /// Starts from an existing record (to catch up from its head).
    init(record: ModelRecord) throws {
        state = ModelState(model: record.model)
        events = try record.rawEvents()
        for raw in events { state.apply(try raw.event(), id: raw.id) }
        let segment = record.segment
        for row in 0..<segment.rowCount {
            let f = segment.versionFields(row)
            rows[f.version] = f
        }
        guard state.head == record.head, rows.count == state.versions.count + state.removed.count else { throw IndexCorrupt("record disagrees with itself") }
    }

    /// Applies one event; `fields` gives the manifest-derived fields of a registered manifest.
    mutating func apply(_ raw: RawEvent, _ event: Event, fields: (ObjectID) throws -> ManifestFields) throws {
        state.apply(event, id: raw.id)
        events.append(raw)
        // Versions are whatever the replayed state holds (as `ModelState` defines it).
        if event.action == .register, let v = event.version, let info = state.versions[v], info.event == raw.id {
            rows[v] = VersionFields(version: v, manifest: info.manifest, author: info.registeredBy, created: info.registeredAt,
                                    content: try fields(info.manifest))
        }
        // A removed version stays, flagged: search skips it unless the query names `removed`.
        if event.action == .remove, let v = event.version, let removal = state.removed[v], removal.event == raw.id {
            rows[v]?.removal = RemovalFields(by: removal.removedBy, at: removal.removedAt, reason: removal.reason)
        }
    }

    var summary: ModelSummary? {
        guard let head = state.head else { return nil }
        return ModelSummary(model: state.model, head: head, eventCount: state.eventCount, versionCount: state.versions.count,
                            latestVersion: state.latestLiveVersion, stages: state.stages, tags: state.tags, lastChange: state.lastChange)
    }

    /// The record's payload (nil for a model without events).
    func encode() throws -> [UInt8]? {
        guard let summary else { return nil }
        guard let payload = ModelRecord.encode(summary: summary, rows: rows.keys.sorted().compactMap { rows[$0] }, events: events) else {
            throw RegistryError.corrupt(.init(object: "index record of \(summary.model)",
                                              reason: "its versions hold more metadata text than an index record can address (4 GiB)"))
        }
        return payload
    }
}
