import MregStore
import MregSupport
import MregRegistry
import MregFilter

/// The searchable fields of one version: what `mreg search` filters and sorts on.
///
/// `version`, `author` and `created` come from the version's `register` event; the
/// rest from its manifest, so they can be reused for any chain naming that manifest.
public struct VersionFields: Sendable, Equatable {
    public var version: Int64
    public var manifest: ObjectID
    /// The register event's actor (`Name <email>`).
    public var author: String
    /// The register event's time (RFC 3339 UTC).
    public var created: String
    public var message: String
    public var params: [String: JSONValue]
    public var metrics: [String: JSONValue]
    /// The detected formats of the version's files, sorted, without repeats.
    public var formats: [String]
    /// Total parameter count from the files' safetensors/GGUF details; nil when none has one.
    public var parameters: Int64?
    /// The model card's recorded fields.
    public var card: [String: JSONValue]
    /// The captured environment's search fields (`environment.KEY`).
    public var environment: [String: JSONValue]
    /// A removed version (kept in the index for `search 'removed = true'`): who removed it,
    /// when and why; nil for a live version.
    public var removal: RemovalFields?

    public init(version: Int64, manifest: ObjectID, author: String, created: String, content: ManifestFields) {
        self.version = version
        self.manifest = manifest
        self.author = author
        self.created = created
        message = content.message
        params = content.params
        metrics = content.metrics
        formats = content.formats
        parameters = content.parameters
        card = content.card
        environment = content.environment
    }

    /// The manifest-derived part.
    public var content: ManifestFields {
        ManifestFields(message: message, params: params, metrics: metrics, formats: formats, parameters: parameters, card: card, environment: environment)
    }
}
