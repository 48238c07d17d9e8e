/// Everything `mreg register` was asked to record.
public struct RegisterRequest: Sendable {
    public var model: String
    public var paths: [String]
    public var message: String = ""
    public var paramFiles: [String] = []
    public var params: [String] = []
    public var metricFiles: [String] = []
    public var metrics: [String] = []
    /// `[NAME=]PATH` each.
    public var datasets: [String] = []
    public var storeDatasets = false
    /// Store what symbolic links inside the folders point to, instead of the links (as `cp -L`).
    public var dereference = false
    public var base: String?
    public var cardFile: String?
    public var tags: [String] = []
    public var stage: String?
    public var reason: String?
    /// Read metrics and params from trainer outputs in the inputs (`TrainerOutputs`): the command
    /// line's default (`--no-auto` turns it off), off for the library's callers unless they ask.
    public var readTrainerOutputs = false
    /// Capture the software environment (`EnvironmentCapture`): the command line's default,
    /// off for the library's callers unless they ask.
    public var captureEnvironment = false
    /// The Python interpreter (or virtualenv/conda folder) to read, instead of finding one.
    public var python: String?
    /// The process environment the capture reads (`VIRTUAL_ENV`, `CONDA_PREFIX`, `PATH`, `PYENV_*`).
    public var variables: [String: String] = [:]
    /// Params and metrics given as values (an importer's), below trainer outputs and files:
    /// `params`/`paramFiles` and `metrics`/`metricFiles` win over them.
    public var presetParams: [String: JSONValue] = [:]
    public var presetMetrics: [String: JSONValue] = [:]
    /// The model card as a value (an importer's), instead of `cardFile` or a registered README.md.
    public var presetCard: JSONValue?
    /// Import provenance recorded in the register event (`Event.imported`).
    public var imported: JSONValue?
    /// The command line, recorded as provenance.
    public var arguments: [String] = []
    public var directory: String
    /// A test seam passed to `Ingester.readHook`.
    var readHook: (@Sendable (_ path: String, _ offset: Int64) -> Void)?

    public init(model: String, paths: [String], directory: String) {
        self.model = model
        self.paths = paths
        self.directory = directory
    }
}

/// What `mreg register` did.
public struct RegisterResult: Sendable {
    public var model: String
    public var version: Int64
    public var manifestID: ObjectID
    /// True when an identical version existed and nothing was added.
    public var existing: Bool
    public var fileCount: Int
    public var totalBytes: Int64
    public var newBytes: Int64
    public var warnings: [String]
    /// What the environment capture recorded (python version, counts), for the output; nil when off.
    public var environmentSummary: String?
    /// What was read from trainer outputs, one per file (`TrainerOutputs.Source.summary` says it in a line).
    public var trainerOutputs: [TrainerOutputs.Source] = []
    public var tags: [String]
    public var stage: String?
    /// For the first version of a new model: existing models whose names are close to its
    /// name (a likely typo), closest first.
    public var similarModels: [String] = []
}

import MregStore
import MregSupport
