import MregStore
import MregSupport
/// The searchable fields a manifest alone determines.
public struct ManifestFields: Sendable, Equatable {
    public var message: String
    public var params: [String: JSONValue]
    public var metrics: [String: JSONValue]
    public var formats: [String]
    public var parameters: Int64?
    /// The model card's recorded fields (FORMAT.md §1.4); an empty list is not kept.
    public var card: [String: JSONValue]
    /// The captured environment's search fields (`EnvironmentSummary.searchFields`): `python`, `packages.torch`, ….
    public var environment: [String: JSONValue]

    public init(message: String, params: [String: JSONValue], metrics: [String: JSONValue], formats: [String], parameters: Int64?,
                card: [String: JSONValue] = [:], environment: [String: JSONValue] = [:]) {
        self.message = message
        self.params = params
        self.metrics = metrics
        self.formats = formats
        self.parameters = parameters
        self.card = card.filter { $0.value != .array([]) }
        self.environment = environment
    }

    public init(_ manifest: Manifest) {
        message = manifest.message
        params = manifest.params
        metrics = manifest.metrics
        formats = Array(Set(manifest.files.compactMap(\.format))).sorted()
        var total: Int64?
        for file in manifest.files {
            if let p = file.details["parameters"]?.intValue { total = (total ?? 0) &+ p }
        }
        parameters = total
        card = (manifest.card.objectValue ?? [:]).filter { $0.value != .array([]) }
        environment = EnvironmentSummary(manifest.environment).searchFields
    }
}
