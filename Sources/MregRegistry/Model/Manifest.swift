import MregStore
import MregSupport

/// One model version: its files, parameters, metrics, datasets, provenance,
/// lineage and model card. Stored as a `manifest` object in canonical JSON.
///
/// A manifest holds no version number (the event chain assigns those), so
/// renumbering a version on pull never changes its manifest's id.
public struct Manifest: Sendable, Equatable {
    public static let schema = "mreg.manifest/1"

    public var model: String
    public var message: String
    public var files: [ManifestFile]
    public var params: [String: JSONValue]
    public var metrics: [String: JSONValue]
    /// Each: `{name, path, digest, size, files}` (+ `objects` when stored).
    public var datasets: [JSONValue]
    /// `{git: {commit, branch, remote, dirty}, user, host, time, mreg_version, command}`.
    public var provenance: [String: JSONValue]
    /// `{model, version, manifest}` of the version this one was derived from.
    public var base: JSONValue
    /// Fields read from a Hugging Face-style model card.
    public var card: JSONValue

    public init(model: String, message: String = "", files: [ManifestFile] = [], params: [String: JSONValue] = [:],
                metrics: [String: JSONValue] = [:], datasets: [JSONValue] = [], provenance: [String: JSONValue] = [:],
                base: JSONValue = .null, card: JSONValue = .null) {
        self.model = model
        self.message = message
        self.files = files
        self.params = params
        self.metrics = metrics
        self.datasets = datasets
        self.provenance = provenance
        self.base = base
        self.card = card
    }

    public var json: JSONValue {
        .object([
            "schema": .string(Self.schema),
            "model": .string(model),
            "message": .string(message),
            "files": .array(files.map(\.json)),
            "params": .object(params),
            "metrics": .object(metrics),
            "datasets": .array(datasets),
            "provenance": .object(provenance),
            "base": base,
            "card": card,
        ])
    }

    /// The parts that make two registrations "the same": everything but when, where and by which command.
    public var contentKey: String {
        var prov = [String: JSONValue]()
        if let git = provenance["git"]?.objectValue {
            prov["commit"] = git["commit"] ?? .null
            prov["dirty"] = git["dirty"] ?? .null
        }
        let key: JSONValue = .object([
            "model": .string(model), "message": .string(message), "files": .array(files.map(\.json)),
            "params": .object(params), "metrics": .object(metrics), "datasets": .array(datasets),
            "base": base, "card": card, "git": .object(prov),
        ])
        return Digest.sha256(key.canonicalBytes)
    }

    public init(json: JSONValue) throws {
        guard case .object(let o) = json, o["schema"]?.stringValue == Self.schema, let model = o["model"]?.stringValue else {
            throw RegistryError.corrupt(.init(object: "manifest", reason: "it is not an mreg manifest (schema \(Self.schema))"))
        }
        self.model = model
        message = o["message"]?.stringValue ?? ""
        files = try (o["files"]?.arrayValue ?? []).map(ManifestFile.init(json:))
        if let v = ManifestPath.violation(in: files.map { ManifestPath.Entry(path: $0.path, target: $0.target) }) {
            throw RegistryError.corrupt(.init(object: "manifest", reason: "its entry \(v)"))
        }
        params = o["params"]?.objectValue ?? [:]
        metrics = o["metrics"]?.objectValue ?? [:]
        datasets = o["datasets"]?.arrayValue ?? []
        provenance = o["provenance"]?.objectValue ?? [:]
        base = o["base"] ?? .null
        card = o["card"] ?? .null
    }

    /// Reads a manifest from the store; a damaged one throws `RegistryError.corrupt` naming it.
    public static func load(_ id: ObjectID, from store: ObjectStore) throws -> Manifest {
        let bytes = try store.read(id, as: .manifest)
        do {
            return try Manifest(json: JSONValue.parse(bytes))
        } catch RegistryError.corrupt(let c) {
            throw RegistryError.corrupt(.init(object: "manifest \(id.abbreviated())", reason: c.reason))
        } catch let e as JSONValue.ParseError {
            throw RegistryError.corrupt(.init(object: "manifest \(id.abbreviated())", reason: "its JSON cannot be read (\(e))"))
        }
    }

    public var totalSize: Int64 { files.reduce(0) { $0 + $1.size } }
}

/// One file (or symbolic link) of a version.
public struct ManifestFile: Sendable, Equatable {
    /// The modes an entry may have: a file, an executable file, a symbolic link (as git writes them).
    public static let fileMode = "100644", executableMode = "100755", linkMode = "120000"

    /// Relative path with `/` separators (`ManifestPath` says which are valid).
    public var path: String
    /// `100644`, `100755`, or `120000` for a symbolic link, as git writes modes.
    public var mode: String
    public var size: Int64
    /// `sha256:<hex>` of the file's bytes.
    public var digest: String
    /// The `blob` (or `chunks`) object holding the bytes.
    public var object: ObjectID
    /// Detected format (`safetensors`, `gguf`, `onnx`, `pytorch`, `pickle`, …) or nil.
    public var format: String?
    /// Format details, e.g. `{tensors, parameters, dtypes}` for safetensors and GGUF.
    public var details: JSONValue
    /// For a symbolic link (mode `120000`): its target, as written in the link. The link's
    /// `object` is a blob of these bytes (`size`, `digest` are theirs), as git stores links,
    /// so a reader that does not know links sees a small file holding the target.
    public var target: String?

    public init(path: String, mode: String, size: Int64, digest: String, object: ObjectID, format: String? = nil, details: JSONValue = .null,
                target: String? = nil) {
        self.path = path
        self.mode = mode
        self.size = size
        self.digest = digest
        self.object = object
        self.format = format
        self.details = details
        self.target = target
    }

    /// True for a symbolic link.
    public var isSymbolicLink: Bool { mode == Self.linkMode }

    public var json: JSONValue {
        var fields: [String: JSONValue] = [
            "path": .string(path), "mode": .string(mode), "size": .int(size), "digest": .string(digest),
            "object": .string(object.hex), "format": JSONValue(format), "details": details,
        ]
        if let target { fields["target"] = .string(target) }
        return .object(fields)
    }

    public init(json: JSONValue) throws {
        guard let path = json["path"]?.stringValue, let size = json["size"]?.intValue, size >= 0,
              let digest = json["digest"]?.stringValue, let object = json["object"]?.stringValue.flatMap({ ObjectID(parsing: $0) }) else {
            throw RegistryError.corrupt(.init(object: "manifest", reason: "a file entry is incomplete"))
        }
        self.path = path
        self.mode = json["mode"]?.stringValue ?? Self.fileMode
        self.size = size
        self.digest = digest
        self.object = object
        self.format = json["format"]?.stringValue
        self.details = json["details"] ?? .null
        self.target = json["target"]?.stringValue
        let shown = ManifestPath.printable(path)
        guard [Self.fileMode, Self.executableMode, Self.linkMode].contains(mode) else {
            throw RegistryError.corrupt(.init(object: "manifest", reason: "its entry '\(shown)' has mode '\(ManifestPath.printable(mode))', not 100644, 100755 or 120000"))
        }
        guard (mode == Self.linkMode) == (target != nil) else {
            throw RegistryError.corrupt(.init(object: "manifest", reason: mode == Self.linkMode
                ? "its symbolic link '\(shown)' has no target" : "its entry '\(shown)' has a link target but is not a symbolic link (mode 120000)"))
        }
        if let target {
            let bytes = Array(target.utf8)
            guard Int64(bytes.count) == size, digest == Digest.sha256(bytes) else {
                throw RegistryError.corrupt(.init(object: "manifest", reason: "its symbolic link '\(shown)' records a size or digest that is not its target's"))
            }
        }
    }
}
