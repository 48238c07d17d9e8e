import Foundation
import MregStore
import MregSupport
import SystemPackage
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The Python environment a model was trained in: its interpreter's version and every installed
/// distribution with its version, read from the `*.dist-info/METADATA` and `*.egg-info/PKG-INFO`
/// files of its site-packages (pip is never run: it is slow, and it imports code).
public struct PythonEnvironment: Sendable, Equatable {
    /// How the environment was found.
    public enum Kind: String, Sendable {
        /// A virtualenv (a `pyvenv.cfg` at its root): `VIRTUAL_ENV`, or `--python` inside one.
        case venv
        /// A conda environment (a `conda-meta/` folder at its root): `CONDA_PREFIX`, or `--python` inside one.
        case conda
        /// Any other interpreter (`python3` on `PATH`, pyenv, a system Python).
        case system
    }

    public var kind: Kind
    /// The environment's root folder (`sys.prefix`).
    public var prefix: String
    /// `3.11.7`, or `3.11` when only the `lib/python3.11` folder tells; nil when nothing does.
    public var version: String?
    /// Normalized distribution name (PEP 503: lowercase, runs of `-_.` as `-`) → version.
    public var packages: [String: String]
    /// Metadata files or folders that could not be read (missing, unreadable, no Name or Version): skipped.
    public var skipped: [String]

    /// Distributions also listed on their own, as "frameworks" (normalized names).
    public static let frameworks: Set<String> = [
        "torch", "torchvision", "torchaudio", "tensorflow", "tensorflow-cpu", "tensorflow-gpu", "keras", "jax", "jaxlib", "flax",
        "transformers", "tokenizers", "accelerate", "datasets", "peft", "diffusers", "sentence-transformers",
        "scikit-learn", "xgboost", "lightgbm", "catboost", "onnx", "onnxruntime", "onnxruntime-gpu", "safetensors",
        "numpy", "scipy", "pandas", "lightning", "pytorch-lightning", "mlx", "vllm",
    ]

    /// How much of a METADATA/PKG-INFO file is read: its Name and Version headers come first.
    static let metadataReadLimit = 16 * 1024
    /// How long the interpreter may take, when it has to be asked for its version and prefix.
    static let interpreterTimeout: Duration = .seconds(3)

    /// The frameworks among `packages`.
    public var frameworkVersions: [String: String] { packages.filter { Self.frameworks.contains($0.key) } }

    /// Finds and reads the environment: `python` (an interpreter, or an environment's folder)
    /// when given, else `VIRTUAL_ENV`, else `CONDA_PREFIX`, else `python3` on `PATH`; nil when
    /// there is no Python at all (not an error). A `python` that is not there is bad input.
    public static func capture(python: String?, environment: [String: String], directory: String) throws -> PythonEnvironment? {
        if let python {
            let path = python.hasPrefix("/") ? python : directory + "/" + python
            if FileSystem.isDirectory(FilePath(path)) {
                if let env = fromPrefix(path) { return env }
                throw RegistryError.badInput(.unusablePath(action: "read the Python environment", path: python,
                    problem: "it is a folder with neither a pyvenv.cfg nor a conda-meta/; name the interpreter (…/bin/python) or pass --env none"))
            }
            guard FileSystem.exists(FilePath(path)) else {
                throw RegistryError.badInput(.unusablePath(action: "read the Python environment", path: python,
                    problem: "no such interpreter; name a python executable or a virtualenv/conda folder, or pass --env none"))
            }
            return try fromInterpreter(path, explicit: true)
        }
        if let venv = environment["VIRTUAL_ENV"], !venv.isEmpty, let env = fromPrefix(venv) { return env }
        if let conda = environment["CONDA_PREFIX"], !conda.isEmpty, let env = fromPrefix(conda) { return env }
        guard let found = Self.onPath("python3", path: environment["PATH"] ?? "") else { return nil }
        let interpreter = pyenvTarget(found, environment: environment, directory: directory) ?? found
        return try fromInterpreter(interpreter, explicit: false)
    }

    /// For a pyenv shim (`…/shims/python3`, a script), the interpreter it runs: that of the version
    /// `PYENV_VERSION`, a `.python-version` in the folder or above it, or `$PYENV_ROOT/version` names
    /// (read as pyenv does, without running it: a shim takes a second). Nil for anything else,
    /// and for pyenv's `system` version.
    static func pyenvTarget(_ path: String, environment: [String: String], directory: String) -> String? {
        guard path.contains("/shims/"), let head = readPrefix(path, count: 2), head == Array("#!".utf8) else { return nil }
        let root = environment["PYENV_ROOT"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (((path as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent)
        func firstWord(_ file: String) -> String? {
            guard let bytes = readSmall(file, limit: 64 * 1024) else { return nil }
            return String(decoding: bytes, as: UTF8.self).split(whereSeparator: { $0.isWhitespace || $0 == ":" }).first.map(String.init)
        }
        var version = environment["PYENV_VERSION"].flatMap { $0.split(separator: ":").first.map(String.init) }
        var folder = directory
        while version == nil {
            version = firstWord(folder + "/.python-version")
            if folder == "/" || folder.isEmpty { break }
            folder = (folder as NSString).deletingLastPathComponent
        }
        guard let version = version ?? firstWord(root + "/version"), version != "system" else { return nil }
        let target = "\(root)/versions/\(version)/bin/python3"
        return FileSystem.exists(FilePath(target)) ? target : nil
    }

    /// The environment rooted at `prefix` when it is a virtualenv or a conda environment.
    static func fromPrefix(_ prefix: String) -> PythonEnvironment? {
        let root = prefix.count > 1 && prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix
        if let cfg = readSmall(root + "/pyvenv.cfg", limit: 64 * 1024) {
            return read(kind: .venv, prefix: root, version: venvVersion(String(decoding: cfg, as: UTF8.self)))
        }
        if FileSystem.isDirectory(FilePath(root + "/conda-meta")) {
            return read(kind: .conda, prefix: root, version: condaVersion(root))
        }
        return nil
    }

    /// The environment of the interpreter at `path`: its virtualenv or conda environment when
    /// it sits in one (`PREFIX/bin/python`), else what the interpreter says (run once, with a timeout).
    static func fromInterpreter(_ path: String, explicit: Bool) throws -> PythonEnvironment? {
        let bin = (path as NSString).deletingLastPathComponent
        if let env = fromPrefix((bin as NSString).deletingLastPathComponent) { return env }
        // An interpreter at PREFIX/bin/pythonX.Y (links followed) with a PREFIX/lib/pythonX.Y: read, not run.
        let real = realPath(path) ?? path
        let prefix = ((real as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent
        if (real as NSString).lastPathComponent.hasPrefix("python"),
           FileSystem.listDirectory(prefix + "/lib").contains(where: { $0.hasPrefix("python3") }) {
            return read(kind: .system, prefix: prefix, version: patchLevel(prefix))
        }
        let script = "import sys; print(sys.version.split()[0]); print(sys.prefix)"
        let out = try? ProcessRunner.run(path, ["-I", "-S", "-c", script], timeout: interpreterTimeout)
        guard let out, out.status == 0, !out.timedOut else {
            if !explicit { return nil }
            let why = out?.timedOut == true ? "it did not answer within 3 s" : "it does not run as a Python interpreter"
            throw RegistryError.badInput(.unusablePath(action: "read the Python environment", path: path, problem: "\(why); name another with --python, or pass --env none"))
        }
        let lines = out.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        // A program that runs and exits 0 but does not print a version and a prefix (`/bin/true`) is not Python.
        guard lines.count >= 2, lines[0].first?.isNumber == true, lines[1].hasPrefix("/") else {
            if !explicit { return nil }
            throw RegistryError.badInput(.unusablePath(action: "read the Python environment", path: path,
                problem: "it does not answer as a Python interpreter (no version and prefix); name another with --python, or pass --env none"))
        }
        if let env = fromPrefix(lines[1]) { return env }
        return read(kind: .system, prefix: lines[1], version: lines[0])
    }

    /// Reads the distributions under `prefix`.
    static func read(kind: Kind, prefix: String, version: String?) -> PythonEnvironment {
        var packages = [String: String]()
        var skipped = [String]()
        var libVersion: String?
        for dir in sitePackages(prefix, libVersion: &libVersion) {
            for name in FileSystem.listDirectory(dir).sorted() {
                let metadata: String
                if name.hasSuffix(".dist-info") {
                    metadata = "\(dir)/\(name)/METADATA"
                } else if name.hasSuffix(".egg-info") {
                    metadata = FileSystem.isDirectory(FilePath("\(dir)/\(name)")) ? "\(dir)/\(name)/PKG-INFO" : "\(dir)/\(name)"
                } else {
                    continue
                }
                guard let (dist, ver) = nameAndVersion(metadata) else {
                    skipped.append("\(dir)/\(name)")
                    continue
                }
                let key = normalize(dist)
                if packages[key] == nil { packages[key] = ver }
            }
        }
        return PythonEnvironment(kind: kind, prefix: prefix, version: version ?? libVersion, packages: packages, skipped: skipped)
    }

    /// The site-packages folders of `prefix`, each once; `libVersion` is set from a `lib/pythonX.Y` folder's name.
    static func sitePackages(_ prefix: String, libVersion: inout String?) -> [String] {
        var out = [String]()
        var seen = Set<String>()
        func add(_ path: String) {
            guard FileSystem.isDirectory(FilePath(path)) else { return }
            let real = realPath(path) ?? path  // a venv's lib64 is a link to lib
            if seen.insert(real).inserted { out.append(path) }
        }
        var roots = [prefix]
        if prefix == "/usr" { roots.append("/usr/local") }  // Debian's pip installs system-wide into /usr/local
        for root in roots {
            for lib in ["lib", "lib64"] {
                for name in FileSystem.listDirectory("\(root)/\(lib)").sorted() where name.hasPrefix("python") {
                    let v = name.dropFirst("python".count)
                    if libVersion == nil, v.contains("."), v.allSatisfy({ $0.isNumber || $0 == "." }) { libVersion = String(v) }
                    add("\(root)/\(lib)/\(name)/site-packages")
                    add("\(root)/\(lib)/\(name)/dist-packages")
                }
            }
            add("\(root)/Lib/site-packages")  // Windows layout
        }
        return out
    }

    /// `Name` and `Version` from the headers of a METADATA or PKG-INFO file (its first 16 KiB); nil when
    /// either is missing, or the file is not a regular file. Plain system calls: this runs once per
    /// distribution (300 and more), where a `FilePath` per file was most of the cost.
    static func nameAndVersion(_ path: String) -> (String, String)? {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: metadataReadLimit) { buffer -> (String, String)? in
            guard let base = buffer.baseAddress else { return nil }
            var n = 0
            while n < buffer.count {
                let got = systemRead(fd, base + n, buffer.count - n)
                if got < 0 && errno == EINTR { continue }
                if got <= 0 { break }
                n += got
            }
            return headers(UnsafeBufferPointer(rebasing: buffer[..<n]))
        }
    }

    /// read(2), which the instance methods of the types here would otherwise shadow.
    static func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
        #if canImport(Glibc)
        return Glibc.read(fd, buffer, count)
        #else
        return Darwin.read(fd, buffer, count)
        #endif
    }

    /// `Name` and `Version` among RFC 822-style headers, which end at the first empty line.
    static func headers(_ bytes: UnsafeBufferPointer<UInt8>) -> (String, String)? {
        var name: String?, version: String?
        var start = 0
        while start < bytes.count, name == nil || version == nil {
            var end = start
            while end < bytes.count && bytes[end] != 0x0a { end += 1 }
            var stop = end
            if stop > start && bytes[stop - 1] == 0x0d { stop -= 1 }
            if stop == start { break }  // the end of the headers
            let line = UnsafeBufferPointer(rebasing: bytes[start..<stop])
            func value(after key: StaticString) -> String? {
                let k = UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount)
                guard line.count >= k.count, line.prefix(k.count).elementsEqual(k) else { return nil }
                return String(decoding: line.dropFirst(k.count), as: UTF8.self).trimmingCharacters(in: .whitespaces)
            }
            if name == nil, let v = value(after: "Name:") { name = v } else if version == nil, let v = value(after: "Version:") { version = v }
            start = end + 1
        }
        guard let name, !name.isEmpty, let version, !version.isEmpty else { return nil }
        return (name, version)
    }

    /// A distribution name as PEP 503 compares them: lowercase, each run of `-`, `_` and `.` as one `-`.
    public static func normalize(_ name: String) -> String {
        PackageVersion.normalizeName(name)
    }

    /// `version` (or uv's `version_info`) from a `pyvenv.cfg`.
    static func venvVersion(_ cfg: String) -> String? {
        var found: String?
        for line in cfg.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { continue }
            if parts[0] == "version" { return parts[1] }
            if parts[0] == "version_info" {
                // uv writes `3.12.4` (or `3.12.4.final.0`): the first three parts.
                found = parts[1].split(separator: ".").prefix(3).joined(separator: ".")
            }
        }
        return found
    }

    /// The Python version of a conda environment, from its `conda-meta/python-X.Y.Z-BUILD.json` record.
    static func condaVersion(_ prefix: String) -> String? {
        for name in FileSystem.listDirectory(prefix + "/conda-meta") where name.hasPrefix("python-") && name.hasSuffix(".json") {
            let rest = name.dropFirst("python-".count)
            guard let dash = rest.firstIndex(of: "-") else { continue }
            let v = rest[..<dash]
            if let first = v.first, first.isNumber { return String(v) }
        }
        return nil
    }

    /// `PY_VERSION` of `PREFIX/include/pythonX.Y/patchlevel.h` (there when the headers are installed).
    static func patchLevel(_ prefix: String) -> String? {
        for name in FileSystem.listDirectory(prefix + "/include").sorted() where name.hasPrefix("python3") {
            guard let bytes = readSmall("\(prefix)/include/\(name)/patchlevel.h", limit: 64 * 1024) else { continue }
            let text = String(decoding: bytes, as: UTF8.self)
            guard let r = text.range(of: "#define PY_VERSION") else { continue }
            let rest = text[r.upperBound...].drop { $0 == " " || $0 == "\t" || $0 == "\"" }
            let v = rest.prefix { $0 != "\"" && !$0.isNewline }
            if !v.isEmpty { return String(v) }
        }
        return nil
    }

    /// `path` with every symbolic link resolved (realpath(3)), or nil.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// The first `count` bytes of a file, or nil.
    static func readPrefix(_ path: String, count: Int) -> [UInt8]? {
        guard let file = try? OpenFile.forReadingRegularFile(FilePath(path)) else { return nil }
        defer { file.close() }
        var buffer = [UInt8](repeating: 0, count: count)
        guard let n = try? buffer.withUnsafeMutableBytes({ try file.readFully(into: $0) }) else { return nil }
        return Array(buffer[..<n])
    }

    /// The first `name` on the colon-separated `path` that is an executable file.
    static func onPath(_ name: String, path: String) -> String? {
        for dir in path.split(separator: ":") where !dir.isEmpty {
            let candidate = "\(dir)/\(name)"
            if access(candidate, X_OK) == 0, !FileSystem.isDirectory(FilePath(candidate)) { return candidate }
        }
        return nil
    }

    /// A small file's bytes, or nil when it is missing, not a regular file, or larger than `limit`.
    static func readSmall(_ path: String, limit: Int) -> [UInt8]? {
        guard let file = try? OpenFile.forReadingRegularFile(FilePath(path)) else { return nil }
        defer { file.close() }
        return (try? file.readToEnd(limit: limit)) ?? nil
    }
}
