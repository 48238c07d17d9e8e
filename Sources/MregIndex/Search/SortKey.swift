import MregStore
import MregSupport
import MregRegistry
import MregFilter
/// A value to sort search results by.
enum SortKey {
    case number(Double, exact: Int64?)
    case text(String)
    case missing

    /// The segment's string id of a params/metrics field's key.
    static func keyID(_ s: IndexSegment, _ field: SearchField) -> UInt32? {
        switch field {
        case .param(let key), .metric(let key), .card(let key), .environment(let key): return s.find(key)
        default: return nil
        }
    }

    /// - Parameter key: `keyID(s, field)`, looked up once per segment.
    init(_ s: IndexSegment, _ segmentIndex: Int, _ row: Int, _ field: SearchField, key: UInt32?) {
        func text(_ id: UInt32) -> SortKey { .text(s.string(id)) }
        switch field {
        case .model: self = .number(Double(segmentIndex), exact: Int64(segmentIndex))  // segments are sorted by model
        case .version: let v = s.version(row); self = .number(Double(v), exact: v)
        case .created: let t = s.created(row); self = .number(Double(t), exact: t)
        case .parameters: self = s.parameters(row).map { .number(Double($0), exact: $0) } ?? .missing
        case .removed: self = s.isRemoved(row) ? .number(1, exact: 1) : .number(0, exact: 0)
        case .author: self = text(s.author(row))
        case .message: self = text(s.message(row))
        case .stage: self = s.stages(ofRow: row).first.map { .text($0) } ?? .missing
        case .tag: self = s.tags(ofRow: row).first.map { .text($0) } ?? .missing
        case .format:
            self = .missing
            for f in s.fields(row) where s.fieldNamespace(f) == IndexSegment.Namespace.format.rawValue {
                self = text(s.fieldKey(f))
                break
            }
        case .param, .metric, .card, .environment:
            guard let id = key, let f = Self.field(s, row, field, id) else { self = .missing; return }
            let bits = s.fieldBits(f)
            switch s.fieldKind(f) {
            case .int: let i = Int64(bitPattern: bits); self = .number(Double(i), exact: i)
            case .double: self = .number(Double(bitPattern: bits), exact: nil)
            case .string, .json: self = text(UInt32(truncatingIfNeeded: bits))
            case .bool: self = .text(bits != 0 ? "true" : "false")
            case .null: self = .missing
            }
        }
    }

    /// The field of `row` a params/metrics/card key names (a card list's first item).
    private static func field(_ s: IndexSegment, _ row: Int, _ field: SearchField, _ id: UInt32) -> Int? {
        switch field {
        case .param: return s.field(row, .param, id)
        case .metric: return s.field(row, .metric, id)
        case .environment: return s.field(row, .environment, id)
        default:
            for f in s.fields(row) where s.fieldKey(f) == id {
                let ns = s.fieldNamespace(f)
                if ns == IndexSegment.Namespace.card.rawValue || ns == IndexSegment.Namespace.cardItem.rawValue { return f }
            }
            return nil
        }
    }

    /// Missing values last whatever the direction; numbers before text.
    static func compare(_ a: SortKey, _ b: SortKey, descending: Bool) -> Int {
        let c: Int
        switch (a, b) {
        case (.missing, .missing): return 0
        case (.missing, _): return 1
        case (_, .missing): return -1
        case (.number(let x, let ex), .number(let y, let ey)): c = ValueTest.compare((x, ex), (y, ey))
        case (.number, .text): return -1
        case (.text, .number): return 1
        case (.text(let x), .text(let y)):
            c = x.utf8.lexicographicallyPrecedes(y.utf8) ? -1 : (x.utf8.elementsEqual(y.utf8) ? 0 : 1)
        }
        return descending ? -c : c
    }
}
