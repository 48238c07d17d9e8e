import MregStore
import MregSupport

/// One change to a model's registry state, stored as an `event` object.
///
/// Events form a hash chain per model: each names its parent, and
/// `refs/models/<model>/head` names the newest. The chain is the audit trail.
public struct Event: Sendable, Equatable {
    public static let schema = "mreg.event/1"

    public enum Action: String, Sendable, CaseIterable {
        case register, tag, untag, promote, demote
        /// A tombstone: the version is removed (see `Removal`); its number is never reused.
        case remove
        /// A signed approval of one manifest for one stage (`mreg approve`; see `Approval`).
        case approve
        /// The withdrawal of an approval by its own signer (`mreg approve --revoke`; `approval` names it).
        case unapprove
    }

    public var model: String
    /// 1 for the first event of a model, then +1 each.
    public var sequence: Int64

    /// The largest sequence or version number an event may hold (2^53: exact in every JSON reader).
    public static let maximumNumber: Int64 = 1 << 53
    public var parent: ObjectID?
    public var action: Action
    public var version: Int64?
    public var manifest: ObjectID?
    /// Content key of the registered manifest (register events).
    public var content: String?
    public var tag: String?
    public var stage: String?
    /// The version this promotion replaced in the stage, if any.
    public var previous: Int64?
    public var force: Bool
    public var actor: String
    public var time: String
    public var reason: String?
    /// The promotion policy's verdict, `{"passed", "policy", "rules": [{"rule", "passed", "detail"}]}`
    /// (promotions into a stage the policy names; see `PolicyVerdict`).
    public var verdict: JSONValue?
    /// The principal (an allowed-signers identity, e.g. an email) that signed this event.
    public var signer: String?
    /// An armored OpenSSH signature (`ssh-keygen -Y sign -n mreg-event`) over the event's
    /// canonical JSON without this field (see `Event.signedBytes`).
    public var signature: String?
    /// The other side's move this event deliberately replaced (`pull --ours`; tag, untag, promote, demote).
    public var overrides: Override?
    /// The number a replayed register event's version had before a pull renumbered it.
    public var renumberedFrom: Int64?
    /// An `unapprove` event: the id of the `approve` event it withdraws.
    public var approval: ObjectID?
    /// A promotion into a stage that requires approvals: the `approve` events it used, oldest first.
    public var approvals: [ObjectID]?
    /// An event recorded by an import (`mreg import mlflow`): where it came from, with the
    /// original's ids, user and time, `{"from": "mlflow", "model", "version", "run", "user", "time"}`.
    /// The event's own `actor` and `time` are the importer's.
    public var imported: JSONValue?

    public init(model: String, sequence: Int64, parent: ObjectID?, action: Action, version: Int64? = nil,
                manifest: ObjectID? = nil, content: String? = nil, tag: String? = nil, stage: String? = nil,
                previous: Int64? = nil, force: Bool = false, actor: String, time: String, reason: String? = nil,
                verdict: JSONValue? = nil, signer: String? = nil, signature: String? = nil) {
        self.model = model
        self.sequence = sequence
        self.parent = parent
        self.action = action
        self.version = version
        self.manifest = manifest
        self.content = content
        self.tag = tag
        self.stage = stage
        self.previous = previous
        self.force = force
        self.actor = actor
        self.time = time
        self.reason = reason
        self.verdict = verdict
        self.signer = signer
        self.signature = signature
    }

    public var json: JSONValue {
        var o: [String: JSONValue] = [
            "schema": .string(Self.schema), "model": .string(model), "seq": .int(sequence),
            "parent": JSONValue(parent?.hex), "action": .string(action.rawValue),
            "actor": .string(actor), "time": .string(time),
        ]
        if let version { o["version"] = .int(version) }
        if let manifest { o["manifest"] = .string(manifest.hex) }
        if let content { o["content"] = .string(content) }
        if let tag { o["tag"] = .string(tag) }
        if let stage { o["stage"] = .string(stage) }
        if let previous { o["previous"] = .int(previous) }
        if force { o["force"] = .bool(true) }
        if let reason { o["reason"] = .string(reason) }
        if let verdict { o["verdict"] = verdict }
        if let signer { o["signer"] = .string(signer) }
        if let signature { o["signature"] = .string(signature) }
        if let overrides { o["overrides"] = overrides.json }
        if let renumberedFrom { o["renumbered_from"] = .int(renumberedFrom) }
        if let approval { o["approval"] = .string(approval.hex) }
        if let approvals { o["approvals"] = .array(approvals.map { .string($0.hex) }) }
        if let imported { o["imported"] = imported }
        return .object(o)
    }

    public init(json: JSONValue) throws {
        guard case .object(let o) = json, o["schema"]?.stringValue == Self.schema,
              let model = o["model"]?.stringValue, let seq = o["seq"]?.intValue,
              let actionName = o["action"]?.stringValue, let action = Action(rawValue: actionName),
              let actor = o["actor"]?.stringValue, let time = o["time"]?.stringValue else {
            throw RegistryError.corrupt(.init(object: "event", reason: "it is not an mreg event (schema \(Self.schema))"))
        }
        // Numbers read from an object are range-checked here, once, so that no arithmetic on
        // them later (the next sequence or version number) can overflow.
        func inRange(_ name: String, _ value: Int64?) throws -> Int64? {
            guard let value else { return nil }
            guard (1...Self.maximumNumber).contains(value) else {
                throw RegistryError.corrupt(.init(object: "event", reason: "its \(name) \(value) is out of range (1 to 2^53)"))
            }
            return value
        }
        self.model = model
        sequence = try inRange("sequence number", seq) ?? seq
        if let p = o["parent"]?.stringValue {
            guard let id = ObjectID(parsing: p) else {
                throw RegistryError.corrupt(.init(object: "event", reason: "its parent '\(p)' is not an object id"))
            }
            parent = id
        } else {
            parent = nil
        }
        self.action = action
        // A field that is present must have its type: a version of 1.5 or 10^20, a manifest that
        // is no id, is damage (never read as "no version", which would hide the version).
        func whole(_ name: String, _ key: String) throws -> Int64? {
            guard let value = o[key], value != .null else { return nil }
            guard let n = value.intValue else {
                throw RegistryError.corrupt(.init(object: "event", reason: "its \(name) is not a whole number"))
            }
            return try inRange(name, n)
        }
        version = try whole("version", "version")
        if let m = o["manifest"], m != .null {
            guard let id = m.stringValue.flatMap({ ObjectID(parsing: $0) }) else {
                throw RegistryError.corrupt(.init(object: "event", reason: "its manifest is not an object id"))
            }
            manifest = id
        } else {
            manifest = nil
        }
        content = o["content"]?.stringValue
        tag = o["tag"]?.stringValue
        stage = o["stage"]?.stringValue
        previous = try whole("previous version", "previous")
        // What each action needs to mean anything.
        let needs: [String]
        switch action {
        case .register: needs = version == nil || manifest == nil ? ["a version and a manifest"] : []
        case .tag: needs = version == nil || tag == nil ? ["a version and a tag"] : []
        case .untag: needs = tag == nil ? ["a tag"] : []
        case .promote: needs = version == nil || stage == nil ? ["a version and a stage"] : []
        case .demote: needs = stage == nil ? ["a stage"] : []
        case .remove: needs = version == nil ? ["a version"] : []
        case .approve: needs = version == nil || manifest == nil || stage == nil ? ["a version, a manifest and a stage"] : []
        case .unapprove: needs = version == nil || stage == nil || o["approval"] == nil ? ["a version, a stage and an approval"] : []
        }
        if let missing = needs.first {
            throw RegistryError.corrupt(.init(object: "event", reason: "a \(actionName) event must name \(missing)"))
        }
        force = o["force"]?.boolValue ?? false
        self.actor = actor
        self.time = time
        reason = o["reason"]?.stringValue
        verdict = o["verdict"]
        signer = o["signer"]?.stringValue
        signature = o["signature"]?.stringValue
        if let value = o["overrides"], value != .null {
            overrides = try Override(json: value)
        } else {
            overrides = nil
        }
        renumberedFrom = try whole("renumbered_from version", "renumbered_from")
        func id(_ value: JSONValue, _ name: String) throws -> ObjectID {
            guard let id = value.stringValue.flatMap({ ObjectID(parsing: $0) }) else {
                throw RegistryError.corrupt(.init(object: "event", reason: "its \(name) is not an object id"))
            }
            return id
        }
        if let a = o["approval"], a != .null { approval = try id(a, "approval") } else { approval = nil }
        if let list = o["approvals"], list != .null {
            guard let items = list.arrayValue else {
                throw RegistryError.corrupt(.init(object: "event", reason: "its approvals are not a list of object ids"))
            }
            approvals = try items.map { try id($0, "approvals entry") }
        } else {
            approvals = nil
        }
        if let value = o["imported"], value != .null {
            guard case .object(let fields) = value, fields["from"]?.stringValue != nil else {
                throw RegistryError.corrupt(.init(object: "event", reason: "its imported field is not an object naming where it came from"))
            }
            imported = value
        } else {
            imported = nil
        }
    }

    /// Reads an event from the store; a damaged one throws `RegistryError.corrupt` naming it.
    /// A missing event is damage too (a chain or a ref names it): `RegistryError.corrupt`.
    public static func load(_ id: ObjectID, from store: ObjectStore) throws -> Event {
        let payload: [UInt8]
        do {
            payload = try store.read(id, as: .event)
        } catch let e as StoreError where e.code == .notFound {
            throw RegistryError.corrupt(.init(object: "event \(id.abbreviated())", reason: "it is missing from the store"))
        }
        return try decode(payload, id: id)
    }

    /// Reads the payload of event `id`; a damaged one throws `RegistryError.corrupt` naming it.
    public static func decode(_ payload: [UInt8], id: ObjectID) throws -> Event {
        do {
            return try Event(json: JSONValue.parse(payload))
        } catch RegistryError.corrupt(let c) {
            throw RegistryError.corrupt(.init(object: "event \(id.abbreviated())", reason: c.reason))
        } catch {
            // A parse error, or any other refusal of the JSON reader (a limit): named as this object's.
            throw RegistryError.corrupt(.init(object: "event \(id.abbreviated())", reason: "its JSON cannot be read (\(error))"))
        }
    }

    /// The error for an event found in the chain of a model it does not belong to.
    package static func wrongModel(_ id: ObjectID, in model: String, belongsTo other: String) -> RegistryError {
        .corrupt(.init(object: "event \(id.abbreviated())", reason: "it is in the chain of \(model) but belongs to \(other)"))
    }
}
