import Foundation
import MregStore
import MregSupport
import SystemPackage

/// The software environment of a registration, read before anything is written: the machine,
/// its GPUs, the Python environment and the dependency files at the root of the work tree
/// (FORMAT.md §1.4, `environment`). `store(in:)` then writes the dependency files as blobs.
public struct EnvironmentCapture: Sendable {
    /// The dependency files read at the root (names), in this order of preference when listed.
    public static let fileNames: Set<String> = [
        "pyproject.toml", "uv.lock", "poetry.lock", "Pipfile", "Pipfile.lock", "environment.yml", "environment.yaml",
        "conda-lock.yml", "conda-lock.yaml", "setup.cfg",
    ]
    /// The largest dependency file stored; a larger one is recorded by name and size only, with a warning.
    public static let fileSizeLimit: Int64 = 8 << 20

    /// The `environment` object, its dependency files without their `object` yet.
    public var json: [String: JSONValue]
    /// The dependency files' bytes, by name, to store.
    var contents: [(name: String, bytes: [UInt8])]
    /// What the user should know: skipped distributions, dependency files too large to store.
    public var warnings: [String]

    /// Whether `name` is a dependency file: `requirements*.txt` or one of `fileNames`.
    public static func isDependencyFile(_ name: String) -> Bool {
        fileNames.contains(name) || (name.hasPrefix("requirements") && name.hasSuffix(".txt"))
    }

    /// Reads the environment. `python` is `--python`; `variables` the process environment
    /// (`VIRTUAL_ENV`, `CONDA_PREFIX`, `PATH`); `root` the folder whose dependency files are read
    /// (the git work tree's root, else the current folder); `directory` resolves a relative `python`.
    public static func read(python: String?, variables: [String: String], root: String, directory: String) throws -> EnvironmentCapture {
        var json: [String: JSONValue] = ["system": .object(SystemInfo.capture())]
        var warnings = [String]()
        if let gpu = SystemInfo.nvidia(path: variables["PATH"] ?? "") { json["nvidia"] = gpu }
        if let env = try PythonEnvironment.capture(python: python, environment: variables, directory: directory) {
            json["python"] = .object(["kind": .string(env.kind.rawValue), "prefix": .string(env.prefix), "version": JSONValue(env.version)])
            json["packages"] = .object(env.packages.mapValues { .string($0) })
            json["frameworks"] = .object(env.frameworkVersions.mapValues { .string($0) })
            if let first = env.skipped.first {
                let more = env.skipped.count > 1 ? " (and \(env.skipped.count - 1) more)" : ""
                warnings.append("skipped Python distribution metadata that cannot be read (no Name or Version): \(first)\(more)")
            }
        }
        var files = [JSONValue]()
        var contents = [(name: String, bytes: [UInt8])]()
        for name in FileSystem.listDirectory(root).filter(isDependencyFile).sorted() {
            let path = root + "/" + name
            guard let status = FileSystem.linkStatus(FilePath(path)), status.isRegularFile else { continue }
            if status.size > fileSizeLimit {
                files.append(.object(["path": .string(name), "size": .int(status.size), "skipped": .string("larger than \(fileSizeLimit >> 20) MiB")]))
                warnings.append("\(path) is \(status.size) bytes, more than \(fileSizeLimit >> 20) MiB: recorded by name and size, not stored")
                continue
            }
            guard let bytes = PythonEnvironment.readSmall(path, limit: Int(fileSizeLimit)) else {
                warnings.append("\(path) cannot be read: not recorded")
                continue
            }
            files.append(.object(["path": .string(name), "size": .int(Int64(bytes.count)), "digest": .string(Digest.sha256(bytes))]))
            contents.append((name, bytes))
        }
        if !files.isEmpty { json["files"] = .array(files) }
        return EnvironmentCapture(json: json, contents: contents, warnings: warnings)
    }

    /// Stores the dependency files as blobs: the `environment` object with each file's `object`,
    /// and the bytes new to the store.
    func store(in store: ObjectStore) throws -> (environment: JSONValue, newBytes: Int64) {
        var out = json
        var newBytes: Int64 = 0
        guard case .array(let files)? = json["files"] else { return (.object(out), 0) }
        var stored = [JSONValue]()
        for file in files {
            guard case .object(var entry) = file, let name = entry["path"]?.stringValue,
                  let bytes = contents.first(where: { $0.name == name })?.bytes else {
                stored.append(file)
                continue
            }
            let written = try store.write(type: .blob, bytes: bytes)
            newBytes += written.storedBytes
            entry["object"] = .string(written.id.hex)
            stored.append(.object(entry))
        }
        out["files"] = .array(stored)
        return (.object(out), newBytes)
    }
}
