import MregStore
import MregSupport

/// What the reachability walk needs from one object: its type and the ids it names, read
/// from its payload once (`init(type:payload:)`) or from the link cache (`LinkCache`).
///
/// Objects are content-addressed and never change, so a node computed once for an id holds
/// for as long as the object exists.
public struct LinkNode: Sendable, Equatable {
    public var type: ObjectType
    /// An event: its parent, model, version, action and manifest (each nil when absent).
    public var parent: ObjectID?
    public var model: String?
    public var version: Int64?
    public var action: String?
    public var manifest: ObjectID?
    /// A manifest with a `base`: the base's version (when named) and the ids it links.
    public var baseKey: Reachability.VersionKey?
    public var baseLinks: [ObjectID]
    /// A manifest: the ids its files and datasets name; a chunk list: its chunks; empty for
    /// an event or an object that names nothing (a blob).
    public var links: [ObjectID]

    public init(type: ObjectType, parent: ObjectID? = nil, model: String? = nil, version: Int64? = nil, action: String? = nil,
                manifest: ObjectID? = nil, baseKey: Reachability.VersionKey? = nil, baseLinks: [ObjectID] = [], links: [ObjectID] = []) {
        self.type = type
        self.parent = parent
        self.model = model
        self.version = version
        self.action = action
        self.manifest = manifest
        self.baseKey = baseKey
        self.baseLinks = baseLinks
        self.links = links
    }

    /// The node of an object read from the store: `payload` is nil for a type that names
    /// nothing (a blob).
    ///
    /// - Throws: `RegistryError.corrupt` naming `id` when the payload is not JSON.
    public init(id: ObjectID, type: ObjectType, payload: [UInt8]?) throws {
        self.init(type: type)
        guard let payload else { return }
        let body: JSONValue
        do {
            body = try JSONValue.parse(payload)
        } catch {
            throw RegistryError.corrupt(.init(object: "\(type) \(id.hex)", reason: "it cannot be read (\(error))"))
        }
        switch type {
        case .event:
            parent = body["parent"]?.stringValue.flatMap(ObjectID.init(parsing:))
            model = body["model"]?.stringValue
            version = body["version"]?.intValue
            action = body["action"]?.stringValue
            manifest = body["manifest"]?.stringValue.flatMap(ObjectID.init(parsing:))
        case .manifest:
            if let base = body["base"], base != .null {
                baseKey = base["model"]?.stringValue.flatMap { model in
                    base["version"]?.intValue.map { Reachability.VersionKey(model: model, version: $0) }
                }
                baseLinks = Registry.links(in: base)
            }
            // The environment's dependency files (FORMAT.md §1.4) are the version's files too.
            links = Registry.links(in: .array([body["files"] ?? .null, body["datasets"] ?? .null, body["environment"]?["files"] ?? .null]))
        default:
            links = Registry.links(in: body)
        }
    }
}
