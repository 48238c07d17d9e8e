import Foundation
import MregStore
import MregSupport
import SystemPackage

/// What `mreg import mlflow` did (or, with `--dry-run`, would do) for one MLflow model version.
public struct ImportedMLflowVersion: Sendable {
    /// The MLflow registered model's name (also the mreg model's).
    public var model: String
    /// MLflow's version number.
    public var mlflowVersion: Int64
    public var runID: String?
    /// The mreg version: the one it was imported as, or (a dry run) the number it would get.
    public var version: Int64
    /// False when it was imported before (recognised by its MLflow model name and version).
    public var added: Bool
    /// The tags set or moved on it (its aliases), and the stage it was put in, if any.
    public var tags: [String]
    public var stage: String?
    public var files: Int
    /// Why its artefacts were not imported (nil when they were, or it was imported before).
    public var missing: String?
}

extension Registry {
    /// The mreg stage of an MLflow legacy stage (`Staging` → `staging`); nil for `None`.
    public static func mlflowStage(_ stage: String?) -> String? {
        switch stage?.lowercased() {
        case "staging": return "staging"
        case "production": return "production"
        case "archived": return "archived"
        default: return nil
        }
    }

    /// Imports the registered model versions of an MLflow store (`MLflowStore.read`), oldest first
    /// per model: each becomes a version with its artefacts' files, its run's params and latest
    /// metrics, its tags (params `mlflow.tag.KEY`) and description (the card), its MLflow ids as
    /// params (`mlflow.model`, `mlflow.version`, `mlflow.run_id`) and, in its register event,
    /// `imported` (MLflow's ids, user and creation time); aliases become tags (`mlflow-ALIAS`
    /// when ALIAS is no valid tag), legacy stages stages. A version imported before (the same
    /// MLflow model and version, found in the `imported` fields of the model's chain) is not
    /// imported again, but its tags and stage are brought up to date; a stage is set, never emptied.
    /// A version whose artefacts cannot be found is imported without files (`missing` says why).
    /// Everything about the store is read and checked before the first version is written; an
    /// interrupted import is completed by running it again. `dryRun` writes nothing.
    public func importMLflow(uri: String, models wanted: [String], dryRun: Bool, arguments: [String]) throws -> (store: MLflowStore, versions: [ImportedMLflowVersion]) {
        let source = try MLflowStore.read(uri, models: wanted)
        func tagName(_ alias: String) throws -> String {
            if (try? validateNewTag(alias)) != nil { return alias }
            try validateNewTag("mlflow-" + alias)
            return "mlflow-" + alias
        }
        // Check everything first: names, aliases, what was imported before.
        var plans = [(model: MLflowStore.Model, imported: [Int64: Int64], state: ModelState)]()
        for model in source.models {
            try Names.validateModel(model.name)
            for version in model.versions { for alias in version.aliases { _ = try tagName(alias) } }
            let state = try state(of: model.name)
            var imported = [Int64: Int64]()
            if let head = state.head {
                for (_, event) in try events(from: head, until: nil, model: model.name) where event.action == .register {
                    guard case .object(let o)? = event.imported, o["from"]?.stringValue == "mlflow",
                          o["model"]?.stringValue == model.name, let v = o["version"]?.intValue, let mine = event.version else { continue }
                    imported[v] = mine
                }
            }
            plans.append((model, imported, state))
        }
        if !dryRun { _ = try identity() }
        let directory = FileManager.default.currentDirectoryPath

        var out = [ImportedMLflowVersion]()
        for (model, imported, state) in plans {
            var next = (state.latestVersion ?? 0) + 1
            for version in model.versions {
                var ids: [String: JSONValue] = ["from": .string("mlflow"), "model": .string(model.name), "version": .int(version.version)]
                if let run = version.runID { ids["run"] = .string(run) }
                let run = version.runID.flatMap { source.runs[$0] }
                var item = ImportedMLflowVersion(model: model.name, mlflowVersion: version.version, runID: version.runID,
                                                 version: 0, added: false, tags: [], stage: nil, files: 0, missing: nil)
                if let mine = imported[version.version] {
                    item.version = mine
                    // Removed here since: left removed, its tags and stage left alone.
                    if state.removed[mine] != nil {
                        out.append(item)
                        continue
                    }
                } else {
                    var found = source.artifacts(of: version)
                    if let path = found.path, FileSystem.isDirectory(FilePath(path)), FileSystem.listDirectory(path).isEmpty {
                        found = (nil, found.location, "\(found.location ?? path) holds no files")
                    }
                    item.missing = found.missing
                    item.added = true
                    var request = RegisterRequest(model: model.name, paths: found.path.map { [$0] } ?? [], directory: directory)
                    request.arguments = arguments
                    request.message = "imported from MLflow: \(model.name) version \(version.version)" + (version.runID.map { " (run \($0))" } ?? "")
                    request.presetParams = Self.mlflowParams(version: version, run: run)
                    request.presetMetrics = (run?.metrics ?? [:]).mapValues { JSONValue.double($0) }
                    var card = [String: JSONValue]()
                    if let d = version.description { card["description"] = .string(d) }
                    if let d = model.description { card["model_description"] = .string(d) }
                    request.presetCard = card.isEmpty ? nil : .object(card)
                    var provenance = ids
                    if let user = version.user ?? run?.user { provenance["user"] = .string(user) }
                    if let ms = version.creationTime { provenance["time"] = .string(Timestamp.format(secondsSince1970: ms / 1000)) }
                    if let location = found.location { provenance["artifacts"] = .string(location) }
                    request.imported = .object(provenance)
                    if dryRun {
                        item.version = next
                        next += 1
                        if let path = found.path { item.files = (try? FileWalker.walk([path]).count) ?? 0 }
                    } else {
                        let result = try register(request)
                        item.version = result.version
                        item.added = !result.existing
                        item.files = result.fileCount
                    }
                }
                for alias in version.aliases {
                    let name = try tagName(alias)
                    if dryRun {
                        if state.tags[name] != item.version { item.tags.append(name) }
                    } else if try tag(model: model.name, version: item.version, tag: name, force: true,
                                      imported: .object(ids.merging(["alias": .string(alias)]) { a, _ in a })).changed {
                        item.tags.append(name)
                    }
                }
                out.append(item)
            }
            // Each legacy stage goes to the newest version MLflow has in it (an mreg stage holds one).
            var stages = [String: (item: Int, stage: String)]()
            for (i, item) in out.enumerated() where item.model == model.name && state.removed[item.version] == nil {
                let original = model.versions.first { $0.version == item.mlflowVersion }?.stage
                if let stage = Self.mlflowStage(original), let original { stages[stage] = (i, original) }
            }
            for (stage, pick) in stages.sorted(by: { $0.key < $1.key }) {
                let item = out[pick.item]
                if dryRun {
                    if state.stages[stage] != item.version { out[pick.item].stage = stage }
                    continue
                }
                var ids: [String: JSONValue] = ["from": .string("mlflow"), "model": .string(model.name), "version": .int(item.mlflowVersion),
                                                "stage": .string(pick.stage)]
                if let run = item.runID { ids["run"] = .string(run) }
                let change = try promote(model: model.name, version: item.version, stage: stage,
                                         reason: "MLflow stage \(pick.stage)", imported: .object(ids))
                if change.changed { out[pick.item].stage = stage }
            }
        }
        return (source, out)
    }

    /// A version's params: its run's (typed as `-p` types them), its tags as `mlflow.tag.KEY`, and its MLflow ids.
    static func mlflowParams(version: MLflowStore.Version, run: MLflowStore.Run?) -> [String: JSONValue] {
        var params = [String: JSONValue]()
        for (key, value) in run?.params ?? [:] where validParamKey(key) {
            params[key] = ParamsLoader.typedScalar(value)
        }
        for (key, value) in version.tags where validParamKey(key) { params["mlflow.tag." + key] = .string(value) }
        params["mlflow.model"] = .string(version.model)
        params["mlflow.version"] = .int(version.version)
        if let run = version.runID { params["mlflow.run_id"] = .string(run) }
        return params
    }

    /// A key `-p` would take (MLflow allows `/` and spaces; empty parts and overlong keys are left out).
    static func validParamKey(_ key: String) -> Bool {
        !key.isEmpty && !key.hasPrefix(".") && !key.hasSuffix(".") && !key.contains("..")
            && key.utf8.count <= ParamsLoader.maximumKeyBytes && !key.unicodeScalars.contains(where: { $0.value < 0x20 })
    }
}
