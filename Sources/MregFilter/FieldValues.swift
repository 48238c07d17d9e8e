import MregSupport
/// What a field holds for one subject (a version): nothing, one value, or a set of values.
public enum FieldValues: Sendable, Equatable {
    /// Absent: the field matches no comparison, not even `!=` or `NOT IN` (SQL's rule); only `IS NULL`.
    case missing
    /// One value (`.one(.null)` counts as missing).
    case one(FieldValue)
    /// A set (stages, tags, formats, a card field holding a list): a positive operator holds
    /// when some value satisfies it, a negated one (`!=`, `NOT IN`, `NOT LIKE`, `NOT ILIKE`)
    /// when none satisfies its positive form; `IS NULL` holds when the set is empty.
    case set([FieldValue])

    /// A JSON value as a field: absent, null and the empty list are missing, a non-empty
    /// list is the set of its items, anything else one value. (Model-card fields.)
    public init(listOrValue json: JSONValue?) {
        switch json {
        case nil, .null?: self = .missing
        case .array(let items)?: self = items.isEmpty ? .missing : .set(items.map(FieldValue.init))
        case let v?: self = .one(FieldValue(v))
        }
    }

    /// A JSON value as a field that is never a set: absent is missing, a list is its JSON text. (Params, metrics.)
    public init(_ json: JSONValue?) {
        self = json.map { .one(FieldValue($0)) } ?? .missing
    }

    /// The values as a person reads them: `0.93`, `[safetensors, json]`, `absent`.
    public var displayText: String {
        switch self {
        case .missing: return "absent"
        case .one(let v): return v.displayText
        case .set(let items): return "[" + items.map(\.displayText).joined(separator: ", ") + "]"
        }
    }
}
