extension RegistryError {
    /// Something named that does not exist: what it is, where it was looked for, and what does exist.
    public struct NotFound: Sendable, Equatable, CustomStringConvertible {
        /// What kind of thing was not found.
        public enum Kind: String, Sendable, Equatable {
            case model, version, stage, tag, revision
            /// A version that was removed (`removal` says when, by whom and why).
            case removed
            /// A manifest that no version of its model names.
            case manifest
            case remote
            /// A folder that holds no store (a remote's path).
            case store
            /// A file inside a version.
            case file
            /// A file or folder given to register.
            case input
            /// A folder `mreg import` was given.
            case importFolder = "import folder"
            /// A registered model `--model` names that the MLflow store (`remote`: its URI) lacks.
            case mlflowModel = "MLflow model"
            case modelCard = "model card"
            case paramsFile = "params file"
            case dataset
            case signingKey = "signing key"
            /// A program mreg runs (ssh-keygen).
            case program
            /// The dependency files of a version's environment (`export --environment`); `name` says why there are none.
            case environmentFiles = "dependency files"
        }

        public var kind: Kind
        public var name: String
        /// The model it was looked for in (for a file: the version, as `model@vN`).
        public var model: String?
        /// The remote it was looked for on (its location), when not this store.
        public var remote: String?
        /// The time the lookup was made as of (`--as-of`), formatted.
        public var asOf: String?
        /// The model's newest version, for a missing version or revision.
        public var latest: Int64?
        /// Names that do exist (known models, remotes, tags, files), for hints; nearest first where that is known.
        public var suggestions: [String]
        /// For a removed version: its tombstone.
        public var removal: Removal?
        /// With `removal` (the newest): every version of the model was removed.
        public var everyVersionRemoved = false
        /// For an unknown revision: the stages that hold a version of the model (tags are in `suggestions`).
        public var stages: [String] = []

        public init(_ kind: Kind, _ name: String, model: String? = nil, remote: String? = nil, asOf: String? = nil,
                    latest: Int64? = nil, suggestions: [String] = []) {
            self.kind = kind
            self.name = name
            self.model = model
            self.remote = remote
            self.asOf = asOf
            self.latest = latest
            self.suggestions = suggestions
        }

        /// The error for naming a removed version: `fraud@3 was removed on DATE by WHO: REASON`.
        public static func removed(_ removal: Removal, model: String, asOf: String? = nil) -> NotFound {
            var n = NotFound(.removed, "\(removal.number)", model: model, asOf: asOf)
            n.removal = removal
            return n
        }

        /// The error for naming a model whose every version was removed, `last` the newest removal:
        /// `every version of fraud was removed (the last, v3, on DATE by WHO: REASON)`.
        public static func everyVersionRemoved(last: Removal, model: String, asOf: String? = nil) -> NotFound {
            var n = removed(last, model: model, asOf: asOf)
            n.everyVersionRemoved = true
            return n
        }

        public var description: String {
            let when = asOf.map { " as of \($0)" } ?? ""
            let of = model ?? "the model"
            func list(_ items: [String], max: Int) -> String {
                items.prefix(max).joined(separator: ", ") + (items.count > max ? ", …" : "")
            }
            switch kind {
            case .model:
                if let remote { return "\(remote) has no model '\(name)'" }
                let hint = suggestions.isEmpty ? "the store has no models yet" : "known models: \(list(suggestions, max: 8))"
                return "unknown model '\(name)' (\(hint))"
            case .version:
                if name == "latest" && latest == nil { return "\(of) has no versions\(when)" }
                return "\(of) has no version \(name)\(when) (latest: \(latest.map { "v\($0)" } ?? "none"))"
            case .removed:
                let reason = removal?.reason.map { ": \(Names.printable($0))" } ?? ""
                let by = removal.map { " on \($0.removedAt) by \($0.removedBy)" } ?? ""
                if everyVersionRemoved { return "every version of \(of) was removed\(when) (the last, v\(name),\(by)\(reason))" }
                return "\(of)@\(name) was removed\(by)\(reason)"
            case .stage:
                return "no version of \(of) is in stage '\(name)'\(when)"
            case .tag:
                return "\(of) has no tag '\(name)'" + (suggestions.isEmpty ? "" : " (tags: \(list(suggestions, max: 8)))")
            case .revision:
                guard let model else { return "'\(name)' is neither a model nor the id of a version" }
                let stages = self.stages.isEmpty ? "" : "; stages: \(list(self.stages, max: 8))"
                let tags = suggestions.isEmpty ? "" : "; tags: \(list(suggestions, max: 8))"
                let versions = latest.map { $0 == 1 ? "version 1" : "versions 1-\($0)" } ?? "no versions"
                return "\(model) has no version, stage or tag '\(name)'\(when) (\(versions)\(stages)\(tags))"
            case .manifest:
                return "manifest \(name) of \(of) is not a registered version"
            case .remote:
                if name.isEmpty { return "no remote configured" }
                return "no remote named '\(name)'" + (suggestions.isEmpty ? "" : " (remotes: \(list(suggestions, max: 8)))")
            case .store:
                return "'\(name)' is not an mreg store"
            case .file:
                return "\(of) has no file '\(name)'" + (suggestions.isEmpty ? "" : " (files: \(list(suggestions, max: 6)))")
            case .input:
                return "cannot register '\(name)': no such file or folder"
            case .importFolder:
                return "cannot import '\(name)': no such file or folder"
            case .mlflowModel:
                let has = suggestions.isEmpty ? "it has none" : "it has: \(list(suggestions, max: 8))"
                return "the MLflow store \(remote ?? "") has no registered model '\(name)' (\(has))"
            case .modelCard:
                return "cannot read model card '\(name)': no such file"
            case .paramsFile:
                return "cannot read params/metrics file '\(name)': no such file"
            case .dataset:
                return "dataset '\(name)' does not exist"
            case .signingKey:
                return "signing key '\(name)' does not exist"
            case .program:
                return "\(name) is not installed"
            case .environmentFiles:
                return "\(of) has no dependency files to export: \(name)"
            }
        }
    }
}
