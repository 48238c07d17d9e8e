import MregStore
import MregSupport
import MregRegistry
import MregFilter

/// What `mreg search` found.
public struct SearchResult: Sendable {
    /// One matching version, read from the index on demand.
    public struct Hit: Sendable {
        public let model: String
        public let version: Int64
        public let stages: [String]
        public let tags: [String]
        let segment: IndexSegment
        let row: Int

        init(segment: IndexSegment, row: Int) {
            self.segment = segment
            self.row = row
            model = segment.model
            version = segment.version(row)
            stages = segment.stages(ofRow: row)
            tags = segment.tags(ofRow: row)
        }

        /// Everything indexed about the version.
        public var fields: VersionFields { segment.versionFields(row) }

        /// The registration time (RFC 3339).
        public var created: String { segment.string(segment.createdText(row)) }

        /// `{"model", "version", "manifest", "stages", "tags", "created", "author", "message",
        /// "formats", "parameters", "params", "metrics", "card"}` (schema in `Docs/COMMANDS.md`);
        /// a removed version also has `"removed": true`, `"removed_by"`, `"removed_at"` and
        /// `"removal_reason"` (null when none was given).
        public var json: JSONValue {
            let fields = self.fields
            var object: [String: JSONValue] = [
                "model": .string(model), "version": .int(fields.version), "manifest": .string(fields.manifest.hex),
                "stages": .array(stages.map { .string($0) }), "tags": .array(tags.map { .string($0) }),
                "created": .string(fields.created), "author": .string(fields.author), "message": .string(fields.message),
                "formats": .array(fields.formats.map { .string($0) }), "parameters": JSONValue(fields.parameters),
                "params": .object(fields.params), "metrics": .object(fields.metrics), "card": .object(fields.card),
            ]
            if let removal = fields.removal {
                object["removed"] = .bool(true)
                object["removed_by"] = .string(removal.by)
                object["removed_at"] = .string(removal.at)
                object["removal_reason"] = JSONValue(removal.reason)
            }
            return .object(object)
        }

        /// The values of a field for this version (several for stage, tag and format; none when missing).
        public func values(of field: SearchField) -> [JSONValue] {
            switch field {
            case .model: return [.string(model)]
            case .version: return [.int(version)]
            case .stage: return stages.map { .string($0) }
            case .tag: return tags.map { .string($0) }
            case .author: return [.string(segment.string(segment.author(row)))]
            case .created: return [.string(created)]
            case .message: return [.string(segment.string(segment.message(row)))]
            case .format:
                return segment.fields(row).filter { segment.fieldNamespace($0) == IndexSegment.Namespace.format.rawValue }
                    .map { .string(segment.string(segment.fieldKey($0))) }
            case .parameters: return segment.parameters(row).map { [.int($0)] } ?? []
            case .removed: return [.bool(segment.isRemoved(row))]
            case .param(let k), .metric(let k), .environment(let k):
                let ns: IndexSegment.Namespace = {
                    switch field {
                    case .param: return .param
                    case .metric: return .metric
                    default: return .environment
                    }
                }()
                guard let key = segment.find(k), let f = segment.field(row, ns, key) else { return [] }
                return [segment.value(f)]
            case .card(let k):
                guard let key = segment.find(k) else { return [] }
                return segment.fields(row).filter {
                    segment.fieldKey($0) == key && [IndexSegment.Namespace.card.rawValue, IndexSegment.Namespace.cardItem.rawValue].contains(segment.fieldNamespace($0))
                }.map { segment.value($0) }
            }
        }
    }

    public var query: SearchQuery
    public var order: [SearchOrder]
    /// The matches, sorted, at most `limit` of them.
    public var hits: [Hit]
    /// How many versions matched before `limit`.
    public var total: Int
    /// How many versions were searched.
    public var searched: Int
    /// Models that could not be searched (a damaged head or chain), each with its problem.
    public var damaged: [ModelDamage] = []

    /// Fields worth a column beside model, version, stages, tags and created: those the
    /// query and the order name.
    public var extraColumns: [SearchField] {
        var out = [SearchField]()
        for f in query.fields + order.map(\.field) where ![.model, .version, .stage, .tag, .created].contains(f) && !out.contains(f) {
            out.append(f)
        }
        return out
    }
}
