import Foundation
import MregStore
import MregSupport
import SystemPackage

/// What `mreg import mlflow` did (or, with `--dry-run`, would do) for one MLflow model version.
public struct ImportedMLflowVersion: Sendable {
    /// The MLflow registered model's name (also the mreg model's).
    public var model: String
    /// MLflow's version number (kept: mreg numbers its versions itself, so they may differ).
    public var mlflowVersion: Int64
    public var runID: String?
    /// The mreg version: the one it was imported as, or (a dry run) the number it would get.
    public var version: Int64
    /// True when this run registered it (or, a dry run, would); false when it was imported before
    /// (recognised by its MLflow model name, version, run id and creation time).
    public var added: Bool
    /// The tags it holds after the import, and its stage (the real values, for every version).
    public var tags: [String]
    public var stage: String?
    public var files: Int
    /// Why its artefacts were not imported (empty when they were); for a version imported
    /// before without files, why they are still missing.
    public var missing: [MLflowStore.MissingArtefacts] = []
    /// The mreg version imported before without files that this one, with the files, completes.
    public var completes: Int64?
    /// Imported before, but no longer in MLflow (deleted there): kept here, reported.
    public var deleted = false
    /// What changed in MLflow since it was imported, and what was recorded of it.
    public var changes: [MLflowImportChange] = []
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

    /// What an earlier import left in one model's chain.
    private struct MLflowImportHistory {
        /// Every register event imported from an MLflow version of this model name (from any store),
        /// oldest first: the mreg version and the event's `imported`.
        var records: [(version: Int64, imported: [String: JSONValue])] = []
        /// Tags and stages whose newest event came from an import (so a later import may undo them).
        var importedTags = Set<String>()
        var importedStages = Set<String>()
    }

    /// Imports the registered model versions of an MLflow store (`MLflowStore.read`), oldest first
    /// per model: each becomes a version with its artefacts' files, its run's params and latest
    /// metrics, its tags (params `mlflow.tag.KEY`) and description (the card), its MLflow ids as
    /// params (`mlflow.model`, `mlflow.version`, `mlflow.run_id`) and, in its register event,
    /// `imported` (MLflow's ids, user and creation time, and what was missing); aliases become
    /// tags (`mlflow-ALIAS` when ALIAS is no valid tag), legacy stages stages.
    ///
    /// Importing again adds what is new and follows MLflow: a version imported before (the same
    /// MLflow model and version, found in the `imported` fields of the model's chain) is not
    /// imported again, but its tags and stage follow MLflow's aliases and stages (moved, set, or
    /// removed when the tag or stage was last set by an import), each an event marked imported;
    /// MLflow tags and descriptions changed since are reported (`changes`), a version deleted in
    /// MLflow reported (`deleted`) and kept. A version imported without files whose artefacts are
    /// back is imported again as a new version with them (`completes`). A version removed here
    /// stays removed, its tags and stage left alone.
    /// Everything about the store is read and checked before the first version is written; an
    /// interrupted import is completed by running it again. `dryRun` writes nothing.
    public func importMLflow(uri: String, models wanted: [String], dryRun: Bool, arguments: [String]) throws -> (store: MLflowStore, versions: [ImportedMLflowVersion]) {
        let source = try MLflowStore.read(uri, models: wanted)
        func tagName(_ alias: String) throws -> String {
            if (try? validateNewTag(alias)) != nil { return alias }
            try validateNewTag("mlflow-" + alias)
            return "mlflow-" + alias
        }
        func fromMLflow(_ event: Event) -> [String: JSONValue]? {
            guard case .object(let o)? = event.imported, o["from"]?.stringValue == "mlflow" else { return nil }
            return o
        }
        // Check everything first: names, aliases, what was imported before.
        var plans = [(model: MLflowStore.Model, history: MLflowImportHistory, state: ModelState)]()
        for model in source.models {
            try Names.validateModel(model.name)
            for version in model.versions { for alias in version.aliases { _ = try tagName(alias) } }
            let state = try state(of: model.name)
            var history = MLflowImportHistory()
            if let head = state.head {
                for (_, event) in try events(from: head, until: nil, model: model.name) {
                    let imported = fromMLflow(event)
                    switch event.action {
                    case .register:
                        guard let o = imported, o["model"]?.stringValue == model.name, let v = o["version"]?.intValue,
                              let mine = event.version else { continue }
                        _ = v
                        history.records.append((mine, o))
                    case .tag, .untag:
                        guard let tag = event.tag else { continue }
                        if imported != nil { history.importedTags.insert(tag) } else { history.importedTags.remove(tag) }
                    case .promote, .demote:
                        guard let stage = event.stage else { continue }
                        if imported != nil { history.importedStages.insert(stage) } else { history.importedStages.remove(stage) }
                    default:
                        continue
                    }
                }
            }
            plans.append((model, history, state))
        }
        if !dryRun { _ = try identity() }
        let directory = FileManager.default.currentDirectoryPath

        var out = [ImportedMLflowVersion]()
        for (model, history, state) in plans {
            var next = (state.latestVersion ?? 0) + 1
            var items = [ImportedMLflowVersion]()
            // MLflow version → the live mreg version that stands for it now.
            var mine = [Int64: Int64]()
            // The mreg versions imported from this store's versions (matched by identity, not number):
            // only these follow MLflow's aliases and stages.
            var ours = Set<Int64>()
            // The newest record of an import of `version` from this store (same model, number, run
            // and creation time): a version of another store with the same name and number is no match.
            func matches(_ o: [String: JSONValue], _ version: MLflowStore.Version) -> Bool {
                guard o["version"]?.intValue == version.version, o["run"]?.stringValue == version.runID else { return false }
                if let time = o["time"]?.stringValue, let ms = version.creationTime,
                   time != Timestamp.format(secondsSince1970: ms / 1000) { return false }
                return true
            }
            func record(of version: MLflowStore.Version) -> (version: Int64, imported: [String: JSONValue])? {
                history.records.last { matches($0.imported, version) }
            }
            func ids(_ version: Int64, run: String?) -> [String: JSONValue] {
                var o: [String: JSONValue] = ["from": .string("mlflow"), "model": .string(model.name), "version": .int(version)]
                if let run { o["run"] = .string(run) }
                return o
            }
            for version in model.versions {
                let run = version.runID.flatMap { source.runs[$0] }
                var item = ImportedMLflowVersion(model: model.name, mlflowVersion: version.version, runID: version.runID,
                                                 version: 0, added: false, tags: [], stage: nil, files: 0)
                var found: (path: String?, location: String?, missing: MLflowStore.MissingArtefacts?)?
                if let previous = record(of: version) {
                    item.version = previous.version
                    ours.insert(previous.version)
                    // Removed here since: left removed, its tags and stage left alone.
                    if state.removed[previous.version] != nil {
                        items.append(item)
                        continue
                    }
                    let wasMissing = previous.imported["missing"]?.arrayValue?.isEmpty == false
                    if wasMissing {
                        let now = source.artifacts(of: version)
                        if now.path != nil {
                            found = now
                            item.completes = previous.version
                        } else {
                            item.missing = now.missing.map { [$0] } ?? []
                        }
                    }
                    if found == nil {
                        if let info = state.versions[previous.version] {
                            item.changes += try metadataChanges(of: version, model: model, manifest: info.manifest)
                        }
                        mine[version.version] = previous.version
                        items.append(item)
                        continue
                    }
                }
                let artefacts = found ?? source.artifacts(of: version)
                item.missing = artefacts.missing.map { [$0] } ?? []
                item.added = true
                var request = RegisterRequest(model: model.name, paths: artefacts.path.map { [$0] } ?? [], directory: directory)
                request.arguments = arguments
                request.message = "imported from MLflow: \(model.name) version \(version.version)" + (version.runID.map { " (run \($0))" } ?? "")
                    + (item.completes.map { ", with the artefacts v\($0) was imported without" } ?? "")
                request.presetParams = Self.mlflowParams(version: version, run: run)
                request.presetMetrics = (run?.metrics ?? [:]).mapValues { JSONValue.double($0) }
                var card = [String: JSONValue]()
                if let d = version.description { card["description"] = .string(d) }
                if let d = model.description { card["model_description"] = .string(d) }
                request.presetCard = card.isEmpty ? nil : .object(card)
                var provenance = ids(version.version, run: version.runID)
                if let user = version.user ?? run?.user { provenance["user"] = .string(user) }
                if let ms = version.creationTime { provenance["time"] = .string(Timestamp.format(secondsSince1970: ms / 1000)) }
                // Where the files were read (beside a moved store), and what MLflow recorded when that differs.
                if let path = artefacts.path {
                    provenance["artifacts"] = .string(path)
                    if let location = artefacts.location, MLflowStore.localPath(location) != path { provenance["location"] = .string(location) }
                } else if let location = artefacts.location {
                    provenance["location"] = .string(location)
                }
                if !item.missing.isEmpty { provenance["missing"] = .array(item.missing.map(\.json)) }
                if let old = item.completes { provenance["completes"] = .int(old) }
                request.imported = .object(provenance)
                if dryRun {
                    item.version = next
                    next += 1
                    if let path = artefacts.path { item.files = (try? FileWalker.walk([path]).count) ?? 0 }
                } else {
                    let result = try register(request)
                    item.version = result.version
                    item.added = !result.existing
                    item.files = result.fileCount
                }
                mine[version.version] = item.version
                ours.insert(item.version)
                items.append(item)
            }
            // Imported before from this store (its run is still in it), gone from MLflow since: kept here, reported.
            var gone = [Int64: (version: Int64, imported: [String: JSONValue])]()
            for r in history.records {
                if model.versions.contains(where: { matches(r.imported, $0) }) {
                    ours.insert(r.version)
                    continue
                }
                guard let number = r.imported["version"]?.intValue, let run = r.imported["run"]?.stringValue,
                      source.allRunIDs.contains(run) else { continue }
                gone[number] = r
            }
            for (number, previous) in gone.sorted(by: { $0.key < $1.key }) where state.versions[previous.version] != nil {
                ours.insert(previous.version)
                var item = ImportedMLflowVersion(model: model.name, mlflowVersion: number, runID: previous.imported["run"]?.stringValue,
                                                 version: previous.version, added: false, tags: [], stage: nil, files: 0)
                item.deleted = true
                items.append(item)
            }
            func index(of version: Int64) -> Int? { items.firstIndex { $0.version == version && !$0.deleted } ?? items.firstIndex { $0.version == version } }

            // Aliases → tags: what MLflow names now; a tag an import set whose alias is gone is removed.
            var tags = state.tags
            var wantedTags = [String: (version: Int64, alias: String, mlflow: MLflowStore.Version)]()
            for version in model.versions {
                guard let v = mine[version.version] else { continue }
                for alias in version.aliases {
                    let name = try tagName(alias)
                    wantedTags[name] = (v, alias, version)
                }
            }
            for (name, v) in state.tags.sorted(by: { $0.key < $1.key }) where wantedTags[name] == nil && history.importedTags.contains(name) && ours.contains(v) {
                if !dryRun {
                    var o: [String: JSONValue] = ["from": .string("mlflow"), "model": .string(model.name)]
                    if let number = mine.first(where: { $0.value == v })?.key { o["version"] = .int(number) }
                    try untag(model: model.name, tag: name, reason: "no longer an MLflow alias", imported: .object(o))
                }
                tags[name] = nil
                if let i = index(of: v), !items[i].added { items[i].changes.append(MLflowImportChange(kind: .untag, name: name, oldVersion: v, recorded: true)) }
            }
            for (name, want) in wantedTags.sorted(by: { $0.key < $1.key }) {
                let old = tags[name]
                if old == want.version { continue }
                // The tag names a version not imported from this store (another store's, or registered here): left alone.
                if let old, !ours.contains(old) {
                    if let i = index(of: want.version) {
                        items[i].changes.append(MLflowImportChange(kind: .tag, name: name, oldVersion: old, newVersion: old, recorded: false))
                    }
                    continue
                }
                if !dryRun {
                    try tag(model: model.name, version: want.version, tag: name, force: true,
                            imported: .object(ids(want.mlflow.version, run: want.mlflow.runID).merging(["alias": .string(want.alias)]) { a, _ in a }))
                }
                tags[name] = want.version
                if let i = index(of: want.version), !items[i].added {
                    items[i].changes.append(MLflowImportChange(kind: .tag, name: name, oldVersion: old, newVersion: want.version, recorded: true))
                }
            }

            // Legacy stages: each goes to the newest version MLflow has in it (an mreg stage holds
            // one); a stage an import filled that MLflow no longer uses is emptied.
            var stages = state.stages
            var wantedStages = [String: (version: Int64, original: String, mlflow: MLflowStore.Version)]()
            for version in model.versions {
                guard let v = mine[version.version], let original = version.stage, let stage = Self.mlflowStage(original) else { continue }
                wantedStages[stage] = (v, original, version)
            }
            for (stage, v) in state.stages.sorted(by: { $0.key < $1.key })
            where wantedStages[stage] == nil && history.importedStages.contains(stage) && Self.mlflowStage(stage) != nil && ours.contains(v) {
                let number = mine.first(where: { $0.value == v })?.key
                let now = number.flatMap { n in model.versions.first { $0.version == n } }
                let mlflowStage = now == nil ? "deleted" : (now?.stage ?? "None")
                if !dryRun {
                    var o: [String: JSONValue] = ["from": .string("mlflow"), "model": .string(model.name), "stage": .string(mlflowStage)]
                    if let number { o["version"] = .int(number) }
                    try demote(model: model.name, stage: stage, reason: "MLflow has no version in \(stage) now", version: v, imported: .object(o))
                }
                stages[stage] = nil
                if let i = index(of: v), !items[i].added {
                    items[i].changes.append(MLflowImportChange(kind: .demote, name: stage, oldVersion: v, mlflowStage: mlflowStage, recorded: true))
                }
            }
            for (stage, want) in wantedStages.sorted(by: { $0.key < $1.key }) {
                let old = stages[stage]
                if old == want.version { continue }
                // The stage holds a version not imported from this store: left alone.
                if let old, !ours.contains(old) {
                    if let i = index(of: want.version) {
                        items[i].changes.append(MLflowImportChange(kind: .promote, name: stage, oldVersion: old, newVersion: old, mlflowStage: want.original, recorded: false))
                    }
                    continue
                }
                if !dryRun {
                    var o = ids(want.mlflow.version, run: want.mlflow.runID)
                    o["stage"] = .string(want.original)
                    try promote(model: model.name, version: want.version, stage: stage, reason: "MLflow stage \(want.original)", imported: .object(o))
                }
                stages[stage] = want.version
                if let i = index(of: want.version), !items[i].added {
                    items[i].changes.append(MLflowImportChange(kind: .promote, name: stage, oldVersion: old, newVersion: want.version, mlflowStage: want.original, recorded: true))
                }
            }
            // The real tags and stage of every version, after the import.
            for i in items.indices where state.removed[items[i].version] == nil {
                items[i].tags = tags.filter { $0.value == items[i].version }.map(\.key).sorted()
                items[i].stage = stages.filter { $0.value == items[i].version }.map(\.key).min()
            }
            // MLflow's order (a deleted version among the others).
            out += items.enumerated().sorted { ($0.element.mlflowVersion, $0.offset) < ($1.element.mlflowVersion, $1.offset) }.map(\.element)
        }
        return (source, out)
    }

    /// The MLflow version tags, description and registered model description that differ from those imported in `manifest`.
    private func metadataChanges(of version: MLflowStore.Version, model: MLflowStore.Model, manifest id: ObjectID) throws -> [MLflowImportChange] {
        let manifest = try Manifest.load(id, from: store)
        var changes = [MLflowImportChange]()
        var before = [String: String]()
        for (key, value) in manifest.params where key.hasPrefix("mlflow.tag.") {
            before[String(key.dropFirst("mlflow.tag.".count))] = value.stringValue ?? value.displayText
        }
        let now = version.tags.filter { Self.validParamKey($0.key) }
        for key in Set(before.keys).union(now.keys).sorted() where before[key] != now[key] {
            changes.append(MLflowImportChange(kind: .mlflowTag, name: key, old: before[key], new: now[key], recorded: false))
        }
        let description = manifest.card["description"]?.stringValue
        if description != version.description {
            changes.append(MLflowImportChange(kind: .description, old: description, new: version.description, recorded: false))
        }
        let modelDescription = manifest.card["model_description"]?.stringValue
        if modelDescription != model.description {
            changes.append(MLflowImportChange(kind: .modelDescription, old: modelDescription, new: model.description, recorded: false))
        }
        return changes
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
