import MregStore
import MregSupport

extension Event {
    /// The other side's move that a replayed event deliberately replaced (`mreg pull --ours`),
    /// stored as the event's `overrides` field (FORMAT.md, events).
    public struct Override: Sendable, Equatable {
        /// The overridden event.
        public var event: ObjectID
        public var sequence: Int64
        public var action: Action
        /// The version the overridden move put in place (none for untag and demote).
        public var version: Int64?
        public var actor: String
        public var time: String

        public init(event: ObjectID, sequence: Int64, action: Action, version: Int64?, actor: String, time: String) {
            self.event = event
            self.sequence = sequence
            self.action = action
            self.version = version
            self.actor = actor
            self.time = time
        }

        /// The move of `other` (event `id`).
        public init(_ other: Event, id: ObjectID) {
            self.init(event: id, sequence: other.sequence, action: other.action,
                      version: other.action == .tag || other.action == .promote ? other.version : nil,
                      actor: other.actor, time: other.time)
        }

        public var json: JSONValue {
            var o: [String: JSONValue] = [
                "event": .string(event.hex), "seq": .int(sequence), "action": .string(action.rawValue),
                "actor": .string(actor), "time": .string(time),
            ]
            if let version { o["version"] = .int(version) }
            return .object(o)
        }

        public init(json: JSONValue) throws {
            guard case .object(let o) = json, let id = o["event"]?.stringValue.flatMap({ ObjectID(parsing: $0) }),
                  let seq = o["seq"]?.intValue, (1...Event.maximumNumber).contains(seq),
                  let action = o["action"]?.stringValue.flatMap({ Action(rawValue: $0) }),
                  let actor = o["actor"]?.stringValue, let time = o["time"]?.stringValue else {
                throw RegistryError.corrupt(.init(object: "event", reason: "its overrides field is not {event, seq, action, actor, time}"))
            }
            var version: Int64?
            if let v = o["version"], v != .null {
                guard let n = v.intValue, (1...Event.maximumNumber).contains(n) else {
                    throw RegistryError.corrupt(.init(object: "event", reason: "its overrides version is not a whole number from 1 to 2^53"))
                }
                version = n
            }
            self.init(event: id, sequence: seq, action: action, version: version, actor: actor, time: time)
        }

        /// `promote v5 to production by Ada <ada@example.com> at 2026-…` style text (without the stage or tag).
        public var summary: String {
            let what: String
            switch action {
            case .tag, .promote: what = version.map { "v\($0)" } ?? "?"
            case .untag: what = "its removal"
            case .demote: what = "its emptying"
            default: what = action.rawValue
            }
            return "\(what) by \(actor) at \(time) (#\(sequence) \(event.abbreviated()))"
        }
    }
}
