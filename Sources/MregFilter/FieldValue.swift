import MregSupport
/// One value of a field, as the filter language compares it.
public enum FieldValue: Sendable, Equatable {
    /// A JSON null: satisfies no operator, only `IS NULL`.
    case null
    /// Text, compared by its UTF-8 bytes.
    case text(String)
    /// A number; `exact` when it is an integer (compared exactly with whole literals).
    case number(Double, exact: Int64?)
    case bool(Bool)
    /// A moment (seconds since 1970), compared with date spans; `LIKE` matches its RFC 3339 text.
    case time(Int64, text: String)

    /// A JSON value: integers are exact numbers, doubles are not (even whole ones), and
    /// arrays and objects are their canonical JSON text (`'[64,32]'`).
    public init(_ json: JSONValue) {
        switch json {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .number(Double(i), exact: i)
        case .double(let d): self = .number(d, exact: nil)
        case .string(let s): self = .text(s)
        case .array, .object: self = .text(json.canonical)
        }
    }

    /// The value as a person reads it: `0.93`, `adam`, `true`, `2026-03-01T09:00:00Z`.
    public var displayText: String {
        switch self {
        case .null: return "null"
        case .text(let s): return s
        case .number(let d, let exact): return exact.map(String.init) ?? JSONValue.double(d).displayText
        case .bool(let b): return b ? "true" : "false"
        case .time(_, let text): return text
        }
    }
}
