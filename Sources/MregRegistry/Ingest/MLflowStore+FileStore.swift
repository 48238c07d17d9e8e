import Foundation
import MregStore
import MregSupport
import SystemPackage
import Yams

extension MLflowStore {
    /// The largest `meta.yaml`, param or metric file read (1 MiB): anything larger is no MLflow file.
    static let maximumFileBytes = 1 << 20

    /// Reads a file store (`mlruns/`: `models/NAME/version-N/meta.yaml`, `EXPERIMENT/RUN/meta.yaml`,
    /// `params/`, `metrics/`), the layout MLflow's `FileStore` writes.
    static func readFileStore(_ root: String, shown: String) throws -> MLflowStore {
        let entries = FileSystem.listDirectory(root)
        guard entries.contains("models") || entries.contains(where: { FileManager.default.fileExists(atPath: "\(root)/\($0)/meta.yaml") }) else {
            throw notAStore(shown, "a folder without models/ or EXPERIMENT/meta.yaml")
        }
        var models = [Model]()
        let modelsRoot = root + "/models"
        for folder in FileSystem.listDirectory(modelsRoot).sorted() {
            let base = "\(modelsRoot)/\(folder)"
            guard let meta = try yaml(base + "/meta.yaml", shown: shown) else { continue }
            let name = meta["name"]?.stringValue ?? folder
            var aliases = [Int64: [String]]()
            for alias in FileSystem.listDirectory(base + "/aliases").sorted() {
                if let text = small(base + "/aliases/" + alias), let v = Int64(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                    aliases[v, default: []].append(alias)
                }
            }
            var versions = [Version]()
            for entry in FileSystem.listDirectory(base) where entry.hasPrefix("version-") {
                guard let v = try yaml("\(base)/\(entry)/meta.yaml", shown: shown),
                      let number = v["version"].flatMap(wholeNumber) ?? Int64(entry.dropFirst("version-".count)) else { continue }
                if v["current_stage"]?.stringValue == "Deleted_Internal" { continue }
                var version = Version(model: name, version: number, creationTime: v["creation_timestamp"].flatMap(wholeNumber),
                                      user: nonEmpty(v["user_id"]?.stringValue), description: nonEmpty(v["description"]?.stringValue),
                                      source: nonEmpty(v["source"]?.stringValue), storageLocation: nonEmpty(v["storage_location"]?.stringValue),
                                      runID: nonEmpty(v["run_id"]?.stringValue), stage: nonEmpty(v["current_stage"]?.stringValue),
                                      tags: keyValues("\(base)/\(entry)/tags"), aliases: aliases[number] ?? [])
                if let source = version.source, source.hasPrefix("models:/") {
                    version.loggedModelLocation = loggedModel(String(source.dropFirst("models:/".count)), in: root, shown: shown)
                }
                versions.append(version)
            }
            versions.sort { $0.version < $1.version }
            models.append(Model(name: name, description: nonEmpty(meta["description"]?.stringValue), versions: versions))
        }
        var runs = [String: Run]()
        let runIDs = Set(models.flatMap { $0.versions.compactMap(\.runID) })
        let experiments = FileSystem.listDirectory(root).filter { $0 != "models" && $0 != ".trash" }.sorted()
        for id in runIDs.sorted() {
            guard let experiment = experiments.first(where: { FileManager.default.fileExists(atPath: "\(root)/\($0)/\(id)/meta.yaml") }) else { continue }
            let folder = "\(root)/\(experiment)/\(id)"
            let meta = try yaml(folder + "/meta.yaml", shown: shown)
            var run = Run(id: id, artifactURI: nonEmpty(meta?["artifact_uri"]?.stringValue), user: nonEmpty(meta?["user_id"]?.stringValue))
            run.params = keyValues(folder + "/params")
            for (key, text) in keyValues(folder + "/metrics", trim: false) {
                // Lines of `TIMESTAMP VALUE STEP`: the latest is the highest step, then the latest time.
                var best: (step: Int64, time: Int64, value: Double)?
                for line in text.split(whereSeparator: \.isNewline) {
                    let f = line.split(separator: " ")
                    guard f.count >= 2, let time = Int64(f[0]), let value = Double(f[1]) else { continue }
                    let step = f.count > 2 ? Int64(f[2]) ?? 0 : 0
                    if best == nil || (step, time) >= (best?.step ?? 0, best?.time ?? 0) { best = (step, time, value) }
                }
                if let best, best.value.isFinite { run.metrics[key] = best.value }
            }
            runs[id] = run
        }
        var store = MLflowStore(kind: .file, path: root, schemaVersion: nil, models: models, runs: runs)
        for experiment in experiments + [".trash"] {
            for id in FileSystem.listDirectory("\(root)/\(experiment)") where FileManager.default.fileExists(atPath: "\(root)/\(experiment)/\(id)/meta.yaml") {
                store.allRunIDs.insert(id)
            }
        }
        return store
    }

    /// The artifact location of logged model `id` (MLflow 3: `EXPERIMENT/models/ID/meta.yaml`).
    private static func loggedModel(_ id: String, in root: String, shown: String) -> String? {
        for experiment in FileSystem.listDirectory(root).sorted() {
            let meta = "\(root)/\(experiment)/models/\(id)/meta.yaml"
            if FileManager.default.fileExists(atPath: meta), let m = try? yaml(meta, shown: shown) {
                return m["artifact_location"]?.stringValue
            }
        }
        return nil
    }

    /// A `meta.yaml` as a mapping; nil when the file is not there.
    /// - Throws: `.badInput` naming the file when it is no YAML mapping.
    static func yaml(_ path: String, shown: String) throws -> [String: JSONValue]? {
        guard let text = small(path) else { return nil }
        let node: Yams.Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw RegistryError.badInput(.malformedFile(path: path, problem: "it is not valid YAML, so \(shown) is no MLflow file store mreg can read"))
        }
        guard let mapping = node?.mapping else {
            throw RegistryError.badInput(.malformedFile(path: path, problem: "it is not a YAML mapping, so \(shown) is no MLflow file store mreg can read"))
        }
        var out = [String: JSONValue]()
        for (k, v) in mapping {
            guard let key = k.string else { continue }
            guard let scalar = v.scalar else { continue }
            let null = scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
            out[key] = null ? .null : .string(scalar.string)
        }
        return out
    }

    /// Each file under `folder` (nested keys `a/b` joined with `/`) and its text.
    static func keyValues(_ folder: String, prefix: String = "", trim: Bool = true) -> [String: String] {
        var out = [String: String]()
        for name in FileSystem.listDirectory(folder).sorted() {
            let path = "\(folder)/\(name)"
            if FileSystem.isDirectory(FilePath(path)) {
                out.merge(keyValues(path, prefix: prefix + name + "/", trim: trim)) { a, _ in a }
            } else if let text = small(path) {
                out[prefix + name] = trim ? text.trimmingCharacters(in: .newlines) : text
            }
        }
        return out
    }

    /// The text of a small file (at most `maximumFileBytes`), nil if it cannot be read.
    static func small(_ path: String) -> String? {
        PythonEnvironment.readSmall(path, limit: maximumFileBytes).map { String(decoding: $0, as: UTF8.self) }
    }

    /// A whole number from YAML text (`1700000000000`).
    static func wholeNumber(_ value: JSONValue) -> Int64? {
        value.stringValue.flatMap { Int64($0) } ?? value.intValue
    }
}
