import MregStore
import MregSupport
import MregRegistry
/// The searchable fields a manifest alone determines.
public struct ManifestFields: Sendable, Equatable {
    public var message: String
    public var params: [String: JSONValue]
    public var metrics: [String: JSONValue]
    public var formats: [String]
    public var parameters: Int64?

    public init(message: String, params: [String: JSONValue], metrics: [String: JSONValue], formats: [String], parameters: Int64?) {
        self.message = message
        self.params = params
        self.metrics = metrics
        self.formats = formats
        self.parameters = parameters
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
    }
}
