import MregStore
import MregSupport
import MregRegistry
import MregFilter

/// An event as stored: its id and its object's payload (canonical JSON). The record keeps
/// the payload itself, so events read from the index are exactly those in the store,
/// whatever fields they carry. Its sequence number and time (seconds since 1970) are kept
/// beside it, so a merged log can pick the newest events before parsing any.
struct RawEvent: Sendable {
    var id: ObjectID
    var sequence: Int64
    var seconds: Int64
    var payload: [UInt8]

    init(id: ObjectID, sequence: Int64, seconds: Int64, payload: [UInt8]) {
        self.id = id
        self.sequence = sequence
        self.seconds = seconds
        self.payload = payload
    }

    /// An event read from the store.
    init(id: ObjectID, payload: [UInt8], event: Event) {
        self.init(id: id, sequence: event.sequence, seconds: EpochTime.seconds(event.time) ?? 0, payload: payload)
    }

    func event() throws -> Event { try Event(json: JSONValue.parse(payload)) }
}
