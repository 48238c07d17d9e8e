import MregSupport

/// One thing `mreg import mlflow` changed on (or found different about) a version it imported
/// before: an alias that became, moved or stopped being a tag, a legacy stage that changed, or
/// an MLflow tag or description changed since (reported only: a manifest never changes).
public struct MLflowImportChange: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// An MLflow alias set or moved: the tag now names this version (`old`: the version it named).
        case tag
        /// An MLflow alias gone: the tag it had become is removed.
        case untag
        /// An MLflow legacy stage: this version put in the stage (`old`: the version it held).
        case promote
        /// No MLflow version is in the stage any more: the stage emptied (`new`: this version's MLflow stage now).
        case demote
        /// A version tag added, changed or removed in MLflow (`name`: its key).
        case mlflowTag = "mlflow_tag"
        /// The version's description changed in MLflow.
        case description
    }

    public var kind: Kind
    /// The tag, stage or MLflow tag key; nil for a description.
    public var name: String?
    public var old: String?
    public var new: String?
    /// True when it is (with `--dry-run`: would be) recorded as an event marked imported; false
    /// when it is only reported (MLflow tags and descriptions live in the immutable manifest).
    public var recorded: Bool

    public init(kind: Kind, name: String? = nil, old: String? = nil, new: String? = nil, recorded: Bool) {
        self.kind = kind
        self.name = name
        self.old = old
        self.new = new
        self.recorded = recorded
    }

    /// One clause of `import mlflow`'s output line: `tagged champion (moved from v2)`.
    public var text: String {
        let n = name.map { Names.escaped($0) } ?? ""
        switch kind {
        case .tag: return "tagged \(n)" + (old.map { " (moved from \($0))" } ?? "")
        case .untag: return "untagged \(n) (no longer an MLflow alias)"
        case .promote: return "promoted to \(n)" + (old.map { " (was \($0))" } ?? "")
        case .demote: return "demoted from \(n) (MLflow stage now \(new ?? "None"))"
        case .mlflowTag:
            let what: String
            switch (old, new) {
            case (nil, let v?): what = "added (\(Names.escaped(v)))"
            case (let o?, nil): what = "removed (was \(Names.escaped(o)))"
            default: what = "changed from \(Names.escaped(old ?? "")) to \(Names.escaped(new ?? ""))"
            }
            return "MLflow tag \(n) \(what), not recorded"
        case .description: return "MLflow description changed, not recorded"
        }
    }

    /// `{"kind", "name", "old", "new", "recorded"}` (COMMANDS.md, import mlflow --json).
    public var json: JSONValue {
        .object(["kind": .string(kind.rawValue), "name": JSONValue(name), "old": JSONValue(old), "new": JSONValue(new),
                 "recorded": .bool(recorded)])
    }
}
