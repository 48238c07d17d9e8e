import ArgumentParser
import Foundation
import MregRegistry
import MregFilter
import MregRemote
import MregGovernance
import MregIndex
import MregSupport
import MregStore

extension MregCommand {
    struct Register: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a new version of a model from files and folders.",
            discussion: """
            Stores the files (folders recursively, relative paths and modes kept), the params and \
            metrics, dataset digests and provenance (git commit, branch, remote and dirty state, \
            user, host, time, command line), the software environment (OS, GPUs, the Python \
            environment's packages, dependency files at the work tree's root; --env none to \
            skip), and prints the new version. Registering the same artefacts and metadata again \
            (from any environment) reports the existing version and changes nothing.

            Examples:
              mreg register fraud-detector out/ -m "more trees" \\
                --params params.yaml --metrics metrics.json
              mreg register fraud-detector model.safetensors -p lr=0.01 -M auc=0.93 \\
                --dataset train=data/train.csv
            """)

        @Argument(help: "The model's name (letters, digits, '.', '_', '-').", completion: StoreCompletions.models)
        var model: String

        @Argument(help: "Files and folders to store.")
        var paths: [String]

        @Option(name: .shortAndLong, help: "What changed in this version.")
        var message: String = ""

        @Option(name: .long, help: ArgumentHelp("A YAML, JSON or TOML file of hyperparameters (nested keys become a.b).", valueName: "file"))
        var params: [String] = []

        @Option(name: .customShort("p"), help: ArgumentHelp("A hyperparameter, typed as YAML would (lr=0.01, optimizer=adam).", valueName: "key=value"))
        var param: [String] = []

        @Option(name: .long, help: ArgumentHelp("A YAML, JSON or TOML file of metrics.", valueName: "file"))
        var metrics: [String] = []

        @Option(name: .customShort("M"), help: ArgumentHelp("A metric (auc=0.93).", valueName: "key=value"))
        var metric: [String] = []

        @Option(name: .long, help: ArgumentHelp("A dataset file or folder to record by digest, size and file count.", valueName: "[name=]path"))
        var dataset: [String] = []

        @Flag(name: .long, help: "Store the datasets' files too, not only their digests.")
        var storeDatasets = false

        @Flag(name: .long, help: "Store the files and folders that symbolic links inside the folders point to, instead of the links (as cp -L).")
        var dereference = false

        @Option(name: .long, help: ArgumentHelp("The version this one was fine-tuned or derived from.", valueName: "model@rev"))
        var base: String?

        @Option(name: .long, help: ArgumentHelp("Read license, base_model, datasets, tags… from this Hugging Face-style card (its YAML front matter); register the file itself as a PATH to keep its text.", valueName: "file"))
        var card: String?

        @Option(name: .long, help: ArgumentHelp("Record the software environment (OS, GPUs, Python packages, dependency files): 'auto' (the default) or 'none'.", valueName: "auto|none"))
        var env: String = "auto"

        @Option(name: .long, help: ArgumentHelp("The Python interpreter (or virtualenv/conda folder) whose packages to record, instead of $VIRTUAL_ENV, $CONDA_PREFIX or python3 on PATH.", valueName: "path"))
        var python: String?

        @Flag(name: .long, help: "Do not read metrics and params from trainer outputs in the folders (Hugging Face Trainer, Lightning, Keras history).")
        var noAuto = false

        @Option(name: .long, help: "Tag the new version.")
        var tag: [String] = []

        @Option(name: .long, help: "Promote the new version to this stage.")
        var stage: String?

        @OptionGroup var output: OutputOptions

        func validate() throws {
            guard env == "auto" || env == "none" else {
                throw ValidationError("--env takes 'auto' or 'none', not '\(env)'")
            }
            if env == "none" && python != nil { throw ValidationError("--python names the environment to record: drop it, or drop --env none") }
        }

        func run() throws {
            let registry = try Store.registry()
            var request = RegisterRequest(model: model, paths: paths, directory: FileManager.default.currentDirectoryPath)
            request.message = message
            request.paramFiles = params
            request.params = param
            request.metricFiles = metrics
            request.metrics = metric
            request.datasets = dataset
            request.storeDatasets = storeDatasets
            request.dereference = dereference
            request.base = base
            request.cardFile = card
            request.tags = tag
            request.stage = stage
            request.readTrainerOutputs = !noAuto
            request.captureEnvironment = env != "none"
            request.python = python
            request.variables = ProcessInfo.processInfo.environment
            request.arguments = ["mreg"] + CommandLine.arguments.dropFirst()
            let progress = ByteProgress(verb: "storing")
            let result = try registry.register(request, observer: progress.enabled ? progress : nil)
            for w in result.warnings { Terminal.warning(w) }
            if output.json {
                output.emit([
                    "model": .string(result.model), "version": .int(result.version), "manifest": .string(result.manifestID.hex),
                    "existing": .bool(result.existing), "files": .int(Int64(result.fileCount)), "bytes": .int(result.totalBytes),
                    "new_bytes": .int(result.newBytes), "tags": .array(result.tags.map { .string($0) }), "stage": JSONValue(result.stage),
                    "warnings": .array(result.warnings.map { .string($0) }), "environment": JSONValue(result.environmentSummary),
                    "read": .array(result.trainerOutputs.map(\.json)),
                ])
                return
            }
            let head = "\(Terminal.paint(result.model, .bold)) \(Terminal.paint("v\(result.version)", .green)) \(result.manifestID.abbreviated())"
            if let near = result.similarModels.first {
                Terminal.warning("'\(result.model)' is a new model; did you mean '\(near)'?")
            }
            if result.existing {
                Terminal.line("\(head) (already registered: identical files and metadata; nothing changed)")
            } else {
                Terminal.line(head + (result.version == 1 ? " (new model)" : ""))
                Terminal.line("  \(result.fileCount) file\(result.fileCount == 1 ? "" : "s"), \(Format.bytes(result.totalBytes)) (\(Self.newBytes(result.newBytes, of: result.totalBytes)))")
            }
            if !result.existing { for source in result.trainerOutputs { Terminal.line("  \(Names.escaped(source.summary))") } }
            if let env = result.environmentSummary, !result.existing { Terminal.line("  environment: \(Names.escaped(env))") }
            if !result.tags.isEmpty { Terminal.line("  tagged \(result.tags.joined(separator: ", "))") }
            if let s = result.stage { Terminal.line("  promoted to \(s)") }
        }

        /// "X new to the store": the stored bytes the version added (compressed files, chunk
        /// lists, manifest, event, environment). When that exceeds the files' total (files that
        /// do not compress), the line says the difference is metadata rather than showing a
        /// part larger than its whole.
        static func newBytes(_ new: Int64, of total: Int64) -> String {
            guard new > total else { return "\(Format.bytes(new)) new to the store" }
            return "\(Format.bytes(new)) new to the store: more than the files, with the version's metadata"
        }
    }
}
