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
            Archived → archived). Importing again adds only what is new. A version whose artefacts \
            are not found locally is imported without files and reported; the exit code is then 1 \
            unless --allow-missing.
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
            let missing = imported.filter { $0.missing != nil }
            if output.json {
                output.emit(.object([
                    "store": .object(["kind": .string(store.kind.rawValue), "path": .string(store.path), "schema": JSONValue(store.schemaVersion)]),
                    "dry_run": .bool(dryRun),
                    "versions": .array(imported.map { v in
                        .object(["model": .string(v.model), "mlflow_version": .int(v.mlflowVersion), "run_id": JSONValue(v.runID),
                                 "version": .int(v.version), "added": .bool(v.added), "files": v.added ? .int(Int64(v.files)) : .null,
                                 "tags": .array(v.tags.map { .string($0) }), "stage": JSONValue(v.stage), "missing": JSONValue(v.missing)])
                    }),
                ]))
            } else {
                if imported.isEmpty { Terminal.line("no registered model versions in \(Names.escaped(trackingURI))") }
                for v in imported {
                    var line = "\(Names.escaped(v.model)) v\(v.version) from MLflow version \(v.mlflowVersion)"
                    if !v.added {
                        line += " (already imported)"
                    } else {
                        line += dryRun ? " would be imported" : " imported"
                        line += v.missing == nil ? " (\(v.files) file\(v.files == 1 ? "" : "s"))" : " without files"
                    }
                    if !v.tags.isEmpty { line += "; tagged \(v.tags.map { Names.escaped($0) }.joined(separator: ", "))" }
                    if let stage = v.stage { line += "; \(stage)" }
                    if let why = v.missing { line += "; artefacts missing: \(Names.escaped(why))" }
                    Terminal.line(line)
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
