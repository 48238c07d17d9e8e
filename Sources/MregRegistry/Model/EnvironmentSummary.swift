import MregStore
import MregSupport

/// A manifest's `environment` read for people and for search: the Python version, packages,
/// frameworks, GPUs and dependency files (FORMAT.md §1.4). Missing parts are empty, never an error.
public struct EnvironmentSummary: Sendable, Equatable {
    /// One dependency file recorded at the root of the work tree.
    public struct File: Sendable, Equatable {
        public var path: String
        public var size: Int64
        /// `sha256:…`; nil when the file was too large to store.
        public var digest: String?
        /// The blob holding it; nil when it was too large to store.
        public var object: ObjectID?
    }

    public var python: String?
    /// `venv`, `conda` or `system`.
    public var pythonKind: String?
    public var packages: [String: String]
    public var frameworks: [String: String]
    public var system: [String: JSONValue]
    public var gpus: [String]
    public var cuda: String?
    public var driver: String?
    public var files: [File]
    /// False for a manifest without an environment (`--env none`, or older than the key).
    public var captured: Bool

    public init(_ json: JSONValue) {
        captured = json.objectValue != nil
        python = json["python"]?["version"]?.stringValue
        pythonKind = json["python"]?["kind"]?.stringValue
        packages = (json["packages"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
        frameworks = (json["frameworks"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
        system = json["system"]?.objectValue ?? [:]
        gpus = (json["nvidia"]?["gpus"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        cuda = json["nvidia"]?["cuda"]?.stringValue
        driver = json["nvidia"]?["driver"]?.stringValue
        files = (json["files"]?.arrayValue ?? []).compactMap { f in
            guard let path = f["path"]?.stringValue else { return nil }
            return File(path: path, size: f["size"]?.intValue ?? 0, digest: f["digest"]?.stringValue,
                        object: f["object"]?.stringValue.flatMap(ObjectID.init(parsing:)))
        }
    }

    /// The GPUs as `2× NVIDIA A100 (driver 550.54, CUDA 12.4)`; nil without any.
    public var gpuLine: String? {
        guard !gpus.isEmpty else { return nil }
        var counts = [(String, Int)]()
        for g in gpus {
            if let i = counts.firstIndex(where: { $0.0 == g }) { counts[i].1 += 1 } else { counts.append((g, 1)) }
        }
        var line = counts.map { $0.1 > 1 ? "\($0.1)× \($0.0)" : $0.0 }.joined(separator: ", ")
        let extra = [driver.map { "driver \($0)" }, cuda.map { "CUDA \($0)" }].compactMap { $0 }
        if !extra.isEmpty { line += " (\(extra.joined(separator: ", ")))" }
        return line
    }

    /// The frameworks as `torch 2.3.1, transformers 4.44.0`, by name.
    public var frameworksLine: String {
        frameworks.keys.sorted().map { "\($0) \(frameworks[$0] ?? "")" }.joined(separator: ", ")
    }

    /// The Python part: `python 3.11.7 (venv), 214 packages`; nil without a Python environment.
    public var pythonLine: String? {
        guard python != nil || pythonKind != nil || !packages.isEmpty else { return nil }
        var line = "python \(python ?? "?")"
        if let pythonKind { line += " (\(pythonKind))" }
        return line + ", \(packages.count) package\(packages.count == 1 ? "" : "s")"
    }

    /// One line for `register`'s output: python, frameworks, GPUs, dependency files.
    public var line: String {
        var parts = [pythonLine ?? "no Python environment"]
        if !frameworks.isEmpty { parts.append(frameworksLine) }
        if let gpu = gpuLine { parts.append(gpu) }
        if !files.isEmpty { parts.append(files.map(\.path).joined(separator: ", ")) }
        return parts.joined(separator: "; ")
    }

    /// The fields search filters on, as `environment.KEY`: `python`, `python_kind`, `os`, `kernel`,
    /// `arch`, `cores`, `memory`, `cuda`, `driver`, `gpus` (a count), `gpu` (the first's name) and
    /// `packages.NAME` (normalized names). Empty when nothing was captured.
    public var searchFields: [String: JSONValue] {
        guard captured else { return [:] }
        var out = [String: JSONValue]()
        if let python { out["python"] = .string(python) }
        if let pythonKind { out["python_kind"] = .string(pythonKind) }
        for key in ["os", "kernel", "arch", "cores", "memory"] { if let v = system[key], v != .null { out[key] = v } }
        if let cuda { out["cuda"] = .string(cuda) }
        if let driver { out["driver"] = .string(driver) }
        out["gpus"] = .int(Int64(gpus.count))
        if let first = gpus.first { out["gpu"] = .string(first) }
        for (name, version) in packages { out["packages." + name] = .string(version) }
        return out
    }

    /// The fields `diff` compares: the search fields (but `python_kind`), and `files.PATH` (its digest).
    public var diffFields: [String: JSONValue] {
        var out = searchFields
        out["python_kind"] = nil
        for f in files { out["files." + f.path] = f.digest.map(JSONValue.string) ?? .int(f.size) }
        return out
    }

    /// Diff keys that differ between machines rather than environments: shown by `diff --all` only.
    public static func isMachineDetail(_ key: String) -> Bool {
        key == "kernel" || key == "cores" || key == "memory"
    }
}
