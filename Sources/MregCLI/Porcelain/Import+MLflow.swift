import ArgumentParser
import Foundation
import MregRegistry
import MregSupport

extension MregCommand.Import {
    /// `mreg import mlflow TRACKING_URI`: the registered model versions of an MLflow store.
    struct MLflow: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mlflow",
            abstract: "Import the registered models of an MLflow store (SQLite mlflow.db or an mlruns folder).",
            discussion: """
            Each registered model version becomes a version of the model of the same name: its \
            artefacts' files, its run's params and latest metrics, its tags (params mlflow.tag.KEY) \
            and description (the card), its MLflow ids (params mlflow.model, mlflow.version, \
            mlflow.run_id; the register event's imported field, with MLflow's user and time). \
            Aliases become tags, legacy stages stages (Staging → staging, Production → production, \
            Archived → archived). Importing again adds only what is new and follows MLflow: moved or \
            removed aliases move or remove their tags, changed stages promote or demote (events \
            marked imported), changed MLflow tags and descriptions and deleted versions are \
            reported (nothing is removed here). A version whose artefacts are not found locally is \
            imported without files and reported (the exit code is then 1 unless --allow-missing); \
            once they are back, importing again adds a version with them.
            Examples: mreg import mlflow sqlite:///home/ada/mlflow.db
                      mreg import mlflow ./mlruns --model fraud-detector --dry-run
            """)

        @Argument(help: "The store: sqlite:///PATH, a path to mlflow.db, or an mlruns folder (file:///PATH).")
        var trackingURI: String

        @Option(name: .customLong("model"), help: "Import only this registered model (repeatable).")
        var models: [String] = []

        @Flag(name: .long, help: "Say what would be imported; write nothing.")
        var dryRun = false

        @Flag(name: .long, help: "Succeed (exit 0) even when some versions' artefacts were not found.")
        var allowMissing = false

        @OptionGroup var output: OutputOptions

        func run() throws {
            let registry = try Store.registry()
            let (store, imported) = try registry.importMLflow(uri: trackingURI, models: models, dryRun: dryRun,
                                                              arguments: ["mreg"] + CommandLine.arguments.dropFirst())
            // Only versions registered now count for the exit code (one imported before without files was reported then).
            let missing = imported.filter { $0.added && !$0.missing.isEmpty }
            if output.json {
                output.emit(.object([
                    "store": .object(["kind": .string(store.kind.rawValue), "path": .string(store.path), "schema": JSONValue(store.schemaVersion)]),
                    "dry_run": .bool(dryRun),
                    "versions": .array(imported.map { v in
                        .object(["model": .string(v.model), "mlflow_version": .int(v.mlflowVersion), "run_id": JSONValue(v.runID),
                                 "version": .int(v.version), "added": .bool(v.added), "files": v.added ? .int(Int64(v.files)) : .null,
                                 "tags": .array(v.tags.map { .string($0) }), "stage": JSONValue(v.stage),
                                 "missing": .array(v.missing.map(\.json)), "completes": v.completes.map { .int($0) } ?? .null,
                                 "deleted_in_mlflow": .bool(v.deleted), "changes": .array(v.changes.map(\.json))])
                    }),
                ]))
            } else {
                if imported.isEmpty { Terminal.line("no registered model versions in \(Names.escaped(trackingURI))") }
                for v in imported {
                    var line = "\(Names.escaped(v.model)) v\(v.version) from MLflow version \(v.mlflowVersion)"
                    if !v.added {
                        line += " (already imported)"
                        if v.deleted { line += "; deleted in MLflow, kept here" }
                        for change in v.changes { line += "; " + change.text }
                        if !v.missing.isEmpty { line += "; still without files: \(Names.escaped(v.missing.map(\.text).joined(separator: ", ")))" }
                    } else {
                        line += dryRun ? " would be imported" : " imported"
                        line += v.missing.isEmpty ? " (\(v.files) file\(v.files == 1 ? "" : "s"))" : " without files"
                        if let old = v.completes { line += ", completing v\(old) (imported without files)" }
                        if !v.tags.isEmpty { line += "; tagged \(v.tags.map { Names.escaped($0) }.joined(separator: ", "))" }
                        if let stage = v.stage { line += "; \(stage)" }
                        for change in v.changes { line += "; " + change.text }
                        if !v.missing.isEmpty { line += "; artefacts missing: \(Names.escaped(v.missing.map(\.text).joined(separator: ", ")))" }
                    }
                    Terminal.line(line)
                }
            }
            for v in imported {
                let name = Names.escaped(v.model)
                if v.deleted {
                    Terminal.warning("\(name) v\(v.version) (MLflow version \(v.mlflowVersion)) is deleted in MLflow; mreg keeps it: remove it with 'mreg rm \(name)@\(v.version) --reason \"deleted in MLflow\"'")
                } else if v.added && v.version != v.mlflowVersion {
                    Terminal.warning("\(name) MLflow version \(v.mlflowVersion) \(dryRun ? "would be" : "is") mreg v\(v.version): the numbers differ (the MLflow number is kept: param mlflow.version, shown by 'mreg show')")
                }
            }
            if !missing.isEmpty && !allowMissing {
                // A dry run predicts the real run's exit code, so CI can use it as a check.
                let n = missing.count
                let what = dryRun ? (n == 1 ? " would be" : "s would be") : (n == 1 ? " was" : "s were")
                let named = output.json ? "(see \"missing\")" : "(named above)"
                throw CommandFailure(.negative, message: "mreg: error: \(n) version\(what) imported without \(n == 1 ? "its" : "their") artefacts \(named): they are not local or not there; pass --allow-missing to accept that")
            }
        }
    }
}
