import MregStore
import MregSupport
import MregRegistry
import MregFilter
/// Evaluating a gate against one version.
extension GateExpression {
    /// The values a gate can look at: one version's fields, as `mreg search` knows them
    /// (model, version, stages, tags, author, created, message, formats, parameters, params,
    /// metrics and model card). A field left nil (or empty) is absent.
    public struct Subject: Sendable, FieldResolver {
        public var model: String?
        public var version: Int64?
        /// The stages holding the version now (before the promotion being judged).
        public var stages: [String] = []
        public var tags: [String] = []
        /// The registering identity (`Name <email>`).
        public var author: String?
        /// The registration time (RFC 3339).
        public var created: String?
        public var message: String?
        public var metrics: [String: JSONValue]
        public var params: [String: JSONValue]
        public var card: [String: JSONValue]
        /// The captured environment's search fields (`environment.python`, `environment.packages.torch`).
        public var environment: [String: JSONValue] = [:]
        public var formats: [String]
        /// Total parameter count of the files that record one.
        public var parameters: Int64?

        public init(metrics: [String: JSONValue] = [:], params: [String: JSONValue] = [:],
                    card: [String: JSONValue] = [:], formats: [String] = []) {
            self.metrics = metrics
            self.params = params
            self.card = card
            self.formats = formats
        }

        /// The fields a manifest alone determines (as the index reads them: `ManifestFields`).
        public init(manifest: Manifest) {
            let fields = ManifestFields(manifest)
            self.init(metrics: fields.metrics, params: fields.params, card: fields.card, formats: fields.formats)
            model = manifest.model
            environment = fields.environment
            message = fields.message
            parameters = fields.parameters
        }

        /// Everything about `version` of `state`'s model whose manifest is `manifest`.
        ///
        /// - Parameter registration: the author and time of a version not registered yet
        ///   (`register --stage` judges it before its event exists).
        public init(manifest: Manifest, version: Int64, state: ModelState, registration: (author: String, created: String)? = nil) {
            self.init(manifest: manifest)
            model = state.model
            self.version = version
            stages = state.stages(of: version)
            tags = state.tags(of: version)
            let info = state.versions[version]
            author = info?.registeredBy ?? registration?.author
            created = info?.registeredAt ?? registration?.created
        }

        public func resolve(_ field: FilterField) -> FieldValues {
            switch field {
            case .model: return model.map { .one(.text($0)) } ?? .missing
            case .version: return version.map { .one(.number(Double($0), exact: $0)) } ?? .missing
            case .stage: return .set(stages.map { .text($0) })
            case .tag: return .set(tags.map { .text($0) })
            case .author: return author.map { .one(.text($0)) } ?? .missing
            // As the index stores it: seconds of the RFC 3339 text, 0 when unreadable.
            case .created: return created.map { .one(.time(EpochTime.seconds($0) ?? 0, text: $0)) } ?? .missing
            case .message: return message.map { .one(.text($0)) } ?? .missing
            case .format: return .set(formats.map { .text($0) })
            case .parameters: return parameters.map { .one(.number(Double($0), exact: $0)) } ?? .missing
            case .removed: return .one(.bool(false))  // a gate judges a live version
            case .param(let k): return FieldValues(params[k])
            case .metric(let k): return FieldValues(metrics[k])
            case .card(let k): return FieldValues(listOrValue: card[k])
            case .environment(let k): return FieldValues(environment[k])
            }
        }

        /// The field's value as a person reads it: `0.93`, `[safetensors, json]`, `absent`.
        public func display(_ field: FilterField) -> String {
            resolve(field).displayText
        }
    }

    /// Whether the subject satisfies the expression (the filter language's rules: FORMAT.md §7).
    public func evaluate(_ subject: Subject) -> Bool {
        FilterEvaluator(expression).matches(subject)
    }

    /// The conditions that were false, each with the field's actual value:
    /// `metrics.auc >= 0.90 is false (metrics.auc = 0.85)`.
    public func falseComparisons(_ subject: Subject) -> [String] {
        comparisons.filter { !FilterEvaluator.holds($0, subject.resolve($0.field)) }.map { c in
            "\(c.text) is false (\(c.field) = \(subject.display(c.field)))"
        }
    }

    /// The fields the expression reads with their values: `metrics.auc = 0.93, format = [safetensors]`.
    public func fieldValues(_ subject: Subject) -> String {
        var parts = [String]()
        for field in expression.fields {
            parts.append("\(field) = \(subject.display(field))")
        }
        return parts.joined(separator: ", ")
    }
}
