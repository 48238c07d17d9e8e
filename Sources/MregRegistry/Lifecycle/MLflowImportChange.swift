import MregSupport

/// One thing `mreg import mlflow` changed on (or found different about) a version it imported
/// before: an alias that became, moved or stopped being a tag, a legacy stage that changed, or
/// an MLflow tag or description changed since (reported only: a manifest never changes).
public struct MLflowImportChange: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// An MLflow alias set or moved: the tag now names this version.
        case tag
        /// An MLflow alias gone: the tag it had become is removed.
        case untag
        /// An MLflow legacy stage: this version put in the stage.
        case promote
        /// No MLflow version is in the stage any more: the stage emptied (`mlflowStage`: this version's MLflow stage now).
        case demote
        /// A version tag added, changed or removed in MLflow (`name`: its key).
        case mlflowTag = "mlflow_tag"
        /// The version's description changed in MLflow.
        case description
        /// The registered model's description changed in MLflow.
        case modelDescription = "model_description"
    }

    public var kind: Kind
    /// The tag, stage or MLflow tag key; nil for a description.
    public var name: String?
    /// For `mlflow_tag` and the descriptions: the text imported before and MLflow's now.
    public var old: String?
    public var new: String?
    /// For `tag`, `untag`, `promote`, `demote`: the mreg version the tag named or the stage held
    /// before, and after (nil: none).
    public var oldVersion: Int64?
    public var newVersion: Int64?
    /// For `demote`: the version's MLflow stage now (`None`, `Archived`, `deleted`); for `promote`, MLflow's stage.
    public var mlflowStage: String?
    /// True when it is (with `--dry-run`: would be) recorded as an event marked imported; false
    /// when it is only reported (MLflow tags and descriptions live in the immutable manifest; a
    /// tag or stage left on a version not imported from this store).
    public var recorded: Bool

    public init(kind: Kind, name: String? = nil, old: String? = nil, new: String? = nil,
                oldVersion: Int64? = nil, newVersion: Int64? = nil, mlflowStage: String? = nil, recorded: Bool) {
        self.kind = kind
        self.name = name
        self.old = old
        self.new = new
        self.oldVersion = oldVersion
        self.newVersion = newVersion
        self.mlflowStage = mlflowStage
        self.recorded = recorded
    }

    /// One clause of `import mlflow`'s output line: `tagged champion (moved from v2)`.
    public var text: String {
        let n = name.map { Names.escaped($0) } ?? ""
        let before = oldVersion.map { "v\($0)" }
        switch kind {
        case .tag where !recorded: return "not tagged \(n) (it names \(before ?? "another version"), not imported from this MLflow store)"
        case .tag: return "tagged \(n)" + (before.map { " (moved from \($0))" } ?? "")
        case .untag: return "untagged \(n) (no longer an MLflow alias)"
        case .promote where !recorded: return "not promoted to \(n) (it holds \(before ?? "another version"), not imported from this MLflow store)"
        case .promote: return "promoted to \(n)" + (before.map { " (was \($0))" } ?? "")
        case .demote: return "demoted from \(n) (MLflow stage now \(mlflowStage ?? "None"))"
        case .mlflowTag:
            let what: String
            switch (old, new) {
            case (nil, let v?): what = "added (\(Names.escaped(v)))"
            case (let o?, nil): what = "removed (was \(Names.escaped(o)))"
            default: what = "changed from \(Names.escaped(old ?? "")) to \(Names.escaped(new ?? ""))"
            }
            return "MLflow tag \(n) \(what), not recorded"
        case .description: return "MLflow description changed, not recorded"
        case .modelDescription: return "MLflow model description changed, not recorded"
        }
    }

    /// `{"kind", "name", "old", "new", "recorded"}` (COMMANDS.md, import mlflow --json): for the
    /// tag and stage kinds `old`/`new` are mreg version numbers (or null) and `mlflow_stage` is
    /// added; for the others they are the texts (or null).
    public var json: JSONValue {
        var o: [String: JSONValue] = ["kind": .string(kind.rawValue), "name": JSONValue(name), "recorded": .bool(recorded)]
        switch kind {
        case .tag, .untag, .promote, .demote:
            o["old"] = oldVersion.map { .int($0) } ?? .null
            o["new"] = newVersion.map { .int($0) } ?? .null
            if kind == .promote || kind == .demote { o["mlflow_stage"] = JSONValue(mlflowStage) }
        case .mlflowTag, .description, .modelDescription:
            o["old"] = JSONValue(old)
            o["new"] = JSONValue(new)
        }
        return .object(o)
    }
}
