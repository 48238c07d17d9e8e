import Foundation
import MregStore
import MregSupport
import SystemPackage

/// An MLflow tracking and model registry store, read for `mreg import mlflow`: a SQLite
/// database (`mlflow.db`, given as a path or `sqlite:///path`) or a file store (`mlruns/`).
/// Only reads: the store is opened read-only and nothing in it is changed.
public struct MLflowStore: Sendable {
    /// How the store keeps its data.
    public enum Kind: String, Sendable {
        case sqlite
        case file
    }

    /// One run: what a registered version's params, metrics and artefacts come from.
    public struct Run: Sendable, Equatable {
        public var id: String
        /// `file:///…/artifacts`, a path, or another scheme (`s3://`, `mlflow-artifacts:`).
        public var artifactURI: String?
        /// Who ran it (MLflow's `user_id`).
        public var user: String?
        public var params: [String: String] = [:]
        /// The latest value of each metric (the highest step, then the latest time); NaN is left out.
        public var metrics: [String: Double] = [:]
    }

    /// One registered model version.
    public struct Version: Sendable, Equatable {
        public var model: String
        public var version: Int64
        /// Milliseconds since 1970, as MLflow stores it.
        public var creationTime: Int64?
        public var user: String?
        public var description: String?
        /// `runs:/RUN/PATH`, `models:/m-ID`, `file:///…` or a path.
        public var source: String?
        /// Where MLflow 3 put the version's files (`file:///…/artifacts`), if recorded.
        public var storageLocation: String?
        public var runID: String?
        /// The legacy stage: `None`, `Staging`, `Production` or `Archived`.
        public var stage: String?
        public var tags: [String: String] = [:]
        /// The aliases (`champion`) that name this version.
        public var aliases: [String] = []
        /// The artefact location of the logged model `source` names (`models:/m-ID`), if any.
        public var loggedModelLocation: String?
    }

    /// One registered model, with its versions, oldest first.
    public struct Model: Sendable, Equatable {
        public var name: String
        public var description: String?
        public var versions: [Version]
    }

    public var kind: Kind
    /// The database file or the `mlruns` folder.
    public var path: String
    /// The alembic revision of a SQLite store (nil for a file store).
    public var schemaVersion: String?
    /// Registered models, sorted by name.
    public var models: [Model]
    public var runs: [String: Run]
    /// The ids of every run the store holds (deleted ones too): a version imported before whose
    /// run is among them came from this store.
    public var allRunIDs: Set<String> = []

    /// The MLflow SQLite schema revisions (alembic) this reader knows, oldest first: MLflow 2.0's
    /// head (`97727af70f4d`) and every migration after it through MLflow 3.17's (`dc11669786a5`).
    public static let supportedSchemas = [
        "97727af70f4d", "3500859a5d39", "7f2a7d5fae7d", "2d6e25af4d3e", "acf3f17fdcc7", "867495a8f9d4",
        "5b0e9adcef9c", "4465047574b1", "f5a4f2784254", "0584bdc529eb", "400f98739977", "6953534de441",
        "bda7b8c39065", "cbc13b556ace", "770bee3ae1dd", "a1b2c3d4e5f6", "de4033877273", "1a0cddfcaa16",
        "534353b11cbc", "71994744cf8e", "3da73c924c2f", "bf29a5ff90ea", "1bd49d398cd23", "b7c8d9e0f1a2",
        "5d2d30f0abce", "c9d4e5f6a7b8", "2c33131f4dae", "d3e4f5a6b7c8", "d0e1f2a3b4c5", "c8d9e0f1a2b3",
        "1b5f0d9ad7c1", "e1f2a3b4c5d6", "76601a5f987d", "c3d6457b6d8a", "a5b4c3d2e1f0", "ae8bbe7743c9",
        "7d34483879f0", "da6fb0208061", "89d3d66ed43f", "b7e4c1a90f23", "a8b9c0d1e2f3", "c1d2e3f4a5b6",
        "c3d9e7f1a2b4", "6f8d9c3b2a1e", "1971f2d9a75b", "17e22815139b", "b7e2c1a4d9f3", "75868b020152",
        "dc11669786a5",
    ]

    /// Opens `uri` (`sqlite:///path`, `file:///path`, or a path to a database file or an
    /// `mlruns` folder) and reads its registry; `models` (when not empty) keeps only those.
    /// - Throws: `RegistryError.notFound` when nothing is at the path, `.badInput` when it is no
    ///   MLflow store or one of an unknown schema version, or a named model is not in it.
    public static func read(_ uri: String, models wanted: [String] = []) throws -> MLflowStore {
        let path: String
        if uri.hasPrefix("sqlite:///") {
            // As SQLAlchemy (and so MLflow) reads it: `sqlite:///mlflow.db` is relative to the
            // current folder, `sqlite:////abs/mlflow.db` absolute.
            path = String(uri.dropFirst("sqlite:///".count))
        } else if uri.hasPrefix("file://") {
            path = URL(string: uri)?.path ?? String(uri.dropFirst("file://".count))
        } else if uri == "databricks" || uri.hasPrefix("databricks://") || uri.hasPrefix("databricks-uc") {
            throw RegistryError.badInput(.unusablePath(action: "import", path: uri,
                problem: "only local MLflow stores can be read (sqlite:///PATH, a path to mlflow.db or to an mlruns folder), not Databricks"))
        } else if let colon = uri.firstIndex(of: ":"), uri[..<colon].allSatisfy({ $0.isLetter || $0 == "+" }), uri[..<colon].count > 1 {
            throw RegistryError.badInput(.unusablePath(action: "import", path: uri,
                problem: "only local MLflow stores can be read (sqlite:///PATH, a path to mlflow.db or to an mlruns folder), not \(uri[..<colon]):"))
        } else {
            path = uri
        }
        let absolute = Repository.absolute(path)
        var store: MLflowStore
        if FileSystem.isDirectory(FilePath(absolute)) {
            // An experiment folder (`mlruns/0`: meta.yaml with an experiment_id) is no store.
            if FileManager.default.fileExists(atPath: absolute + "/meta.yaml"), !FileManager.default.fileExists(atPath: absolute + "/models"),
               (try? MLflowStore.yaml(absolute + "/meta.yaml", shown: uri))??["experiment_id"] != nil {
                let parent = (absolute as NSString).deletingLastPathComponent
                throw RegistryError.badInput(.unusablePath(action: "import", path: uri,
                    problem: "it looks like an MLflow experiment folder, not a store; give the mlruns folder that holds it (\(parent))"))
            }
            store = try readFileStore(absolute, shown: uri)
        } else if FileManager.default.fileExists(atPath: absolute) {
            store = try readSQLite(absolute, shown: uri)
        } else {
            throw RegistryError.notFound(.init(.importFolder, uri))
        }
        if !wanted.isEmpty {
            let names = Set(store.models.map(\.name))
            for name in wanted where !names.contains(name) {
                throw RegistryError.notFound(.init(.mlflowModel, name, remote: uri, suggestions: names.sorted()))
            }
            store.models = store.models.filter { wanted.contains($0.name) }
        }
        return store
    }

    /// The error for a path that holds something other than an MLflow store.
    static func notAStore(_ shown: String, _ why: String) -> RegistryError {
        .badInput(.unusablePath(action: "import", path: shown,
            problem: "it is not an MLflow store (\(why)); give an mlflow.db SQLite file, sqlite:///PATH, or an mlruns folder"))
    }

    /// Why a version's artefacts were not imported: the path looked at (the current one, beside
    /// the store, when MLflow recorded a path under a moved store's old folder) and the reason.
    public struct MissingArtefacts: Sendable, Equatable {
        public var path: String
        public var reason: String

        public init(path: String, reason: String) {
            self.path = path
            self.reason = reason
        }

        /// `PATH does not exist`.
        public var text: String { "\(path) \(reason)" }
        /// `{"path", "reason"}`, as `imported.missing` records it (FORMAT.md §1.5).
        public var json: JSONValue { .object(["path": .string(path), "reason": .string(reason)]) }

        /// Reads one entry of `imported.missing`; nil when it is not `{"path", "reason"}`.
        public init?(json: JSONValue) {
            guard let path = json["path"]?.stringValue, let reason = json["reason"]?.stringValue else { return nil }
            self.init(path: path, reason: reason)
        }
    }

    /// The local folder or file a version's artefacts are in, or why there is none: the version's
    /// storage location, else its source, else its run's artifacts; each a path, `file://`,
    /// `runs:/RUN/PATH` (in its run's artifacts) or `models:/m-ID` (at its logged model's
    /// location). A path that is not there is looked for again under the store's own folder by
    /// its part from the last `mlruns` or `mlartifacts` folder on (a store copied elsewhere with
    /// its artefacts). `location` is what MLflow recorded; a folder without files counts as missing.
    public func artifacts(of version: Version) -> (path: String?, location: String?, missing: MissingArtefacts?) {
        let runArtifacts = version.runID.flatMap { runs[$0]?.artifactURI }
        let candidates = [version.storageLocation, version.source, runArtifacts].compactMap { $0 }.filter { !$0.isEmpty }
        guard let first = candidates.first else {
            return (nil, nil, MissingArtefacts(path: "", reason: "MLflow records no artefact location for it"))
        }
        var problem: MissingArtefacts?
        for candidate in candidates {
            let found = local(candidate, of: version)
            if let path = found.path {
                if FileSystem.isDirectory(FilePath(path)), FileSystem.listDirectory(path).isEmpty {
                    problem = problem ?? MissingArtefacts(path: path, reason: "holds no files")
                    continue
                }
                return (path, candidate, nil)
            }
            problem = problem ?? found.problem
        }
        return (nil, first, problem)
    }

    /// The existing local path `location` names, or why there is none.
    private func local(_ location: String, of version: Version) -> (path: String?, problem: MissingArtefacts?) {
        var uri = location
        if location.hasPrefix("runs:/") {
            let rest = location.dropFirst("runs:/".count).split(separator: "/", maxSplits: 1).map(String.init)
            guard let base = rest.first.flatMap({ runs[$0]?.artifactURI }) else {
                return (nil, MissingArtefacts(path: location, reason: "names a run the store does not hold"))
            }
            uri = rest.count > 1 ? base + "/" + rest[1] : base
        } else if location.hasPrefix("models:/") {
            guard let logged = version.loggedModelLocation else {
                return (nil, MissingArtefacts(path: location, reason: "names a logged model the store records no location for"))
            }
            uri = logged
        }
        guard let path = Self.localPath(uri) else {
            return (nil, MissingArtefacts(path: uri, reason: "is not a local path (only file:// and plain paths are read)"))
        }
        if FileManager.default.fileExists(atPath: path) { return (path, nil) }
        // A moved store: its artefacts are looked for (and named) beside it, not at the old path.
        guard let moved = relocated(path) else { return (nil, MissingArtefacts(path: path, reason: "does not exist")) }
        if FileManager.default.fileExists(atPath: moved) { return (moved, nil) }
        return (nil, MissingArtefacts(path: moved, reason: "does not exist"))
    }

    /// The path of a `file://` URI or a plain path; nil for any other scheme.
    static func localPath(_ location: String) -> String? {
        if location.hasPrefix("file://") {
            return URL(string: location)?.path ?? String(location.dropFirst("file://".count))
        }
        if location.hasPrefix("/") { return location }
        if location.contains(":") { return nil }
        return location
    }

    /// `path` moved under this store's folder, from its last `mlruns` or `mlartifacts` component on.
    func relocated(_ path: String) -> String? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        guard let at = parts.lastIndex(where: { $0 == "mlruns" || $0 == "mlartifacts" }) else { return nil }
        // The database's folder, or the folder holding a file store's `mlruns` folder.
        let base = (self.path as NSString).deletingLastPathComponent
        return base + "/" + parts[at...].joined(separator: "/")
    }
}
