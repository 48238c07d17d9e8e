import Crypto
import MregStore
import MregSupport
import Synchronization

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
    /// The software environment the version was registered from (`EnvironmentCapture`):
    /// `{system, nvidia, python, packages, frameworks, files}`, or null when not captured
    /// (`--env none`, or a manifest older than the key), and then absent from the JSON.
    /// Not part of `contentKey`: the same files and metadata from another environment are the same version.
    public var environment: JSONValue

    public init(model: String, message: String = "", files: [ManifestFile] = [], params: [String: JSONValue] = [:],
                metrics: [String: JSONValue] = [:], datasets: [JSONValue] = [], provenance: [String: JSONValue] = [:],
                base: JSONValue = .null, card: JSONValue = .null, environment: JSONValue = .null) {
        self.model = model
        self.message = message
        self.files = files
        self.params = params
        self.metrics = metrics
        self.datasets = datasets
        self.provenance = provenance
        self.base = base
        self.card = card
        self.environment = environment
    }

    public var json: JSONValue {
        var o: [String: JSONValue] = [
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
        ]
        if environment != .null { o["environment"] = environment }
        return .object(o)
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

    /// The canonical bytes of `json` and the `contentKey`, computed together: each part is
    /// encoded once (params of 50 MB are encoded once, not twice). Equal to `json.canonicalBytes`
    /// and `contentKey`.
    public var encoded: (bytes: [UInt8], contentKey: String) {
        let (bytes, contentKey, _) = encodedWithParamTexts()
        return (bytes, contentKey)
    }

    /// `encoded`, with the canonical text of each param that is a list or a map (what the
    /// index stores for it; `remember` hands them to it): each is computed once, on all cores.
    public func encodedWithParamTexts() -> (bytes: [UInt8], contentKey: String, paramTexts: [String: String]) {
        func part(_ value: JSONValue) -> [UInt8] { value.canonicalBytes }
        let paramTexts = Self.compositeTexts(params)
        var git = [String: JSONValue]()
        if let g = provenance["git"]?.objectValue {
            git["commit"] = g["commit"] ?? .null
            git["dirty"] = g["dirty"] ?? .null
        }
        var shared: [(String, [UInt8])] = [
            ("base", part(base)), ("card", part(card)), ("datasets", part(.array(datasets))), ("files", ManifestFile.canonicalBytes(files)),
            ("git", part(.object(git))), ("message", part(.string(message))), ("metrics", part(.object(metrics))),
            ("model", part(.string(model))), ("params", Self.canonicalBytes(params, compositeTexts: paramTexts)),
            ("provenance", part(.object(provenance))), ("schema", part(.string(Self.schema))),
        ]
        // `environment` (only in the manifest, and only when captured) sorts between `datasets` and `files`.
        if environment != .null { shared.insert(("environment", part(environment)), at: 3) }
        // Keys in canonical (UTF-8) order; `git` is only in the content key; `environment`, `provenance` and `schema` only in the manifest.
        var bytes = [UInt8]()
        bytes.reserveCapacity(shared.reduce(16) { $0 + $1.1.count + $1.0.utf8.count + 4 })
        var hasher = SHA256()
        var firstInManifest = true, firstInKey = true
        for (key, value) in shared {
            let label = Array("\"\(key)\":".utf8)
            if key != "git" {
                bytes.append(firstInManifest ? 0x7b : 0x2c)
                bytes.append(contentsOf: label)
                bytes.append(contentsOf: value)
                firstInManifest = false
            }
            if key != "provenance" && key != "schema" && key != "environment" {
                hasher.update(data: [firstInKey ? 0x7b : 0x2c] + label)
                hasher.update(data: value)
                firstInKey = false
            }
        }
        bytes.append(0x7d)
        hasher.update(data: [0x7d])
        return (bytes, "sha256:" + Hex.encode(hasher.finalize()), paramTexts)
    }

    /// The canonical text of each value of `map` that is a list or a map, on all cores.
    static func compositeTexts(_ map: [String: JSONValue]) -> [String: String] {
        var keys = [String](), values = [JSONValue]()
        for (k, v) in map {
            switch v {
            case .array, .object: keys.append(k); values.append(v)
            default: continue
            }
        }
        return Dictionary(zip(keys, JSONValue.canonicalTexts(values)), uniquingKeysWith: { a, _ in a })
    }

    /// `JSONValue.object(map).canonicalBytes`, with the canonical texts of its list and map values given.
    static func canonicalBytes(_ map: [String: JSONValue], compositeTexts: [String: String]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(compositeTexts.values.reduce(map.count * 32) { $0 + $1.utf8.count })
        out.append(0x7b)
        for (i, key) in JSONValue.sortedByUTF8(map.keys).enumerated() {
            if i > 0 { out.append(0x2c) }
            JSONValue.string(key).writeCanonical(to: &out)
            out.append(0x3a)
            if let text = compositeTexts[key] {
                out.append(contentsOf: text.utf8)
            } else {
                map[key]?.writeCanonical(to: &out)
            }
        }
        out.append(0x7d)
        return out
    }

    /// The manifest a register is writing (`remember` … `forget`): reading it back, as the index
    /// does right after the register appends its event, does not decode it again.
    /// With `paramTexts`, the canonical text of its list and map params (`encodedWithParamTexts`).
    private static let lastWritten = Mutex<(id: ObjectID, manifest: Manifest, paramTexts: [String: String])?>(nil)

    /// Notes that `manifest` was just stored as `id`, until `forget(id)`; `paramTexts`, the
    /// canonical texts of its list and map params, spare the index computing them again.
    public static func remember(_ manifest: Manifest, as id: ObjectID, paramTexts: [String: String] = [:]) {
        lastWritten.withLock { $0 = (id, manifest, paramTexts) }
    }

    /// The canonical texts of the list and map params of the manifest `id`, if it is the one
    /// remembered (else nil): each is `params[key].canonical`.
    public static func rememberedParamTexts(of id: ObjectID) -> [String: String]? {
        lastWritten.withLock { $0?.id == id ? $0?.paramTexts : nil }
    }

    /// Ends `remember(_:as: id)`: later reads of `id` read the store.
    public static func forget(_ id: ObjectID) {
        lastWritten.withLock { if $0?.id == id { $0 = nil } }
    }

    public init(json: JSONValue) throws {
        guard case .object(let o) = json, o["schema"]?.stringValue == Self.schema, let model = o["model"]?.stringValue else {
            throw RegistryError.corrupt(.init(object: "manifest", reason: "it is not an mreg manifest (schema \(Self.schema))"))
        }
        self.model = model
        message = o["message"]?.stringValue ?? ""
        files = try (o["files"]?.arrayValue ?? []).map(ManifestFile.init(json:))
        // Sizes read from an object are checked here, once, so that their sum (`totalSize`) cannot overflow.
        _ = try Self.checkedSum(files.map(\.size), object: "manifest", reason: "its file sizes add up to more than a version can hold")
        if let v = ManifestPath.violation(in: files.map { ManifestPath.Entry(path: $0.path, target: $0.target) }) {
            throw RegistryError.corrupt(.init(object: "manifest", reason: "its entry \(v)"))
        }
        params = o["params"]?.objectValue ?? [:]
        metrics = o["metrics"]?.objectValue ?? [:]
        datasets = o["datasets"]?.arrayValue ?? []
        provenance = o["provenance"]?.objectValue ?? [:]
        base = o["base"] ?? .null
        card = o["card"] ?? .null
        environment = o["environment"] ?? .null
        guard environment == .null || environment.objectValue != nil else {
            throw RegistryError.corrupt(.init(object: "manifest", reason: "its environment is not a JSON object"))
        }
    }

    /// Reads a manifest from the store; a damaged one throws `RegistryError.corrupt` naming it.
    public static func load(_ id: ObjectID, from store: ObjectStore) throws -> Manifest {
        if let last = lastWritten.withLock({ $0?.id == id ? $0?.manifest : nil }) { return last }
        let bytes: [UInt8]
        do {
            bytes = try store.read(id, as: .manifest)
        } catch let e as StoreError where e.code == .notFound {
            throw RegistryError.corrupt(.init(object: "manifest \(id.abbreviated())", reason: "it is missing from the store"))
        }
        do {
            return try Manifest(json: JSONValue.parse(bytes))
        } catch RegistryError.corrupt(let c) {
            throw RegistryError.corrupt(.init(object: "manifest \(id.abbreviated())", reason: c.reason))
        } catch {
            // A parse error, or any other refusal of the JSON reader (a limit): named as this object's.
            throw RegistryError.corrupt(.init(object: "manifest \(id.abbreviated())", reason: "its JSON cannot be read (\(error))"))
        }
    }

    public var totalSize: Int64 { files.reduce(0) { $0 + $1.size } }

    /// The sum of sizes read from an object, or `RegistryError.corrupt` naming `object` when it
    /// overflows: checked once at decode, so later sums over the same sizes cannot trap.
    static func checkedSum(_ sizes: [Int64], object: String, reason: String) throws -> Int64 {
        var total: Int64 = 0
        for size in sizes {
            let (sum, overflow) = total.addingReportingOverflow(size)
            guard !overflow else { throw RegistryError.corrupt(.init(object: object, reason: reason)) }
            total = sum
        }
        return total
    }
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

    /// `JSONValue.array(files.map(\.json)).canonicalBytes`, written directly (equal bytes,
    /// tested): building and sorting a map per file was a tenth of registering 100,000 files.
    public static func canonicalBytes(_ files: [ManifestFile]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(files.count * 256 + 2)
        out.append(0x5b)
        for (i, file) in files.enumerated() {
            if i > 0 { out.append(0x2c) }
            file.writeCanonical(to: &out)
        }
        out.append(0x5d)
        return out
    }

    /// Appends `json.canonicalBytes` to `out`: its keys in canonical (byte) order.
    func writeCanonical(to out: inout [UInt8]) {
        func key(_ name: StaticString, first: Bool = false) {
            out.append(first ? 0x7b : 0x2c)
            out.append(0x22)
            name.withUTF8Buffer { out.append(contentsOf: $0) }
            out.append(contentsOf: [0x22, 0x3a])
        }
        key("details", first: true); details.writeCanonical(to: &out)
        key("digest"); JSONValue.string(digest).writeCanonical(to: &out)
        key("format"); JSONValue(format).writeCanonical(to: &out)
        key("mode"); JSONValue.string(mode).writeCanonical(to: &out)
        key("object"); JSONValue.string(object.hex).writeCanonical(to: &out)
        key("path"); JSONValue.string(path).writeCanonical(to: &out)
        key("size"); JSONValue.int(size).writeCanonical(to: &out)
        if let target { key("target"); JSONValue.string(target).writeCanonical(to: &out) }
        out.append(0x7d)
    }

    public init(json: JSONValue) throws {
        guard let path = json["path"]?.stringValue, let size = json["size"]?.intValue, size >= 0,
              let digest = json["digest"]?.stringValue, let object = json["object"]?.stringValue.flatMap({ ObjectID(parsing: $0) }) else {
            throw RegistryError.corrupt(.init(object: "manifest", reason: "a file entry is incomplete"))
        }
        guard size >= 0 else {
            throw RegistryError.corrupt(.init(object: "manifest", reason: "file '\(path)' has a negative size (\(size))"))
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
