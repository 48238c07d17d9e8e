import Foundation
import MregStore
import MregSupport
import MregRegistry
import MregFilter

/// One model's index record, `index/models/<model>`: the model's segment (summary and
/// searchable versions) followed by its whole event chain, oldest first.
///
/// The record reflects the head event named in its segment; it is fresh exactly when
/// that id equals `refs/models/<model>/head`.
struct ModelRecord: Sendable {
    let segment: IndexSegment
    private let eventsAt: Int

    var model: String { segment.model }
    var head: ObjectID { segment.head }

    init(file: IndexFile) throws {
        segment = try IndexSegment(file: file, offset: 0)
        eventsAt = segment.length
        var r = ByteReader(file.payload, offset: eventsAt)
        try r.need(8)
    }

    /// The record's events, oldest first, each with its object payload (canonical JSON).
    func rawEvents() throws -> [RawEvent] {
        var r = ByteReader(segment.file.payload, offset: eventsAt)
        let count = Int(try r.u32())
        _ = try r.u32()
        var out = [RawEvent]()
        out.reserveCapacity(count)
        for _ in 0..<count {
            let id = try r.id()
            let sequence = try r.i64()
            let seconds = try r.i64()
            let n = Int(try r.u32())
            try r.need(n)
            let payload = Array(UnsafeRawBufferPointer(rebasing: r.base[r.offset..<r.offset + n]))
            try r.skip(n)
            out.append(RawEvent(id: id, sequence: sequence, seconds: seconds, payload: payload))
        }
        return out
    }

    /// Where each event is in the record, oldest first, with its sequence number and time:
    /// enough to order events without copying or parsing them.
    func eventIndex() throws -> [(sequence: Int64, seconds: Int64, at: Int, length: Int)] {
        var r = ByteReader(segment.file.payload, offset: eventsAt)
        let count = Int(try r.u32())
        _ = try r.u32()
        var out = [(sequence: Int64, seconds: Int64, at: Int, length: Int)]()
        out.reserveCapacity(count)
        for _ in 0..<count {
            try r.skip(32)
            let sequence = try r.i64()
            let seconds = try r.i64()
            let n = Int(try r.u32())
            try r.need(n)
            out.append((sequence, seconds, r.offset, n))
            try r.skip(n)
        }
        return out
    }

    /// The event whose payload `eventIndex` placed at `at` (its id is the 32 bytes before the header).
    func event(at: Int, length: Int) throws -> (id: ObjectID, event: Event) {
        let base = segment.file.payload
        let idAt = at - 4 - 16 - 32
        guard idAt >= eventsAt, at + length <= base.count else { throw IndexCorrupt("bad event offset") }
        let id = ObjectID(bytes: Array(base[idAt..<idAt + 32]))
        return (id, try Event(json: JSONValue.parse(Array(base[at..<at + length]))))
    }

    /// The record's events, oldest first.
    func events() throws -> [(id: ObjectID, event: Event)] {
        try rawEvents().map { ($0.id, try $0.event()) }
    }

    /// The model's state as of its head (or of `asOf`), replayed from the record's events.
    func state(asOf: Date? = nil) throws -> ModelState {
        var state = ModelState(model: model)
        for (id, event) in try events() {
            if let asOf, let t = EpochTime.seconds(event.time), Double(t) > asOf.timeIntervalSince1970 { break }
            state.apply(event, id: id)
        }
        return state
    }

    // MARK: encoding

    /// The payload of a record file; nil when a count or offset passes its 32-bit field
    /// (a model whose metadata text adds up to more than 4 GiB).
    static func encode(summary: ModelSummary, rows: [VersionFields], events: [RawEvent]) -> [UInt8]? {
        var size = 0
        for e in events { size += 52 + e.payload.count }
        var w = ByteWriter(capacity: 4096 + rows.count * 400 + size)
        IndexSegment.encode(summary: summary, rows: rows, into: &w)
        w.u32(count: events.count)
        w.u32(0)
        for e in events {
            w.id(e.id)
            w.i64(e.sequence)
            w.i64(e.seconds)
            w.u32(count: e.payload.count)
            w.raw(e.payload)
        }
        w.align8()
        return w.overflowed ? nil : w.bytes
    }
}
