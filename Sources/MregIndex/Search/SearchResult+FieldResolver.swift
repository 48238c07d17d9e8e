import Foundation
import MregStore
import MregSupport
import MregFilter
import MregRegistry
/// A search hit's fields for the filter language, read from its index row: what
/// `FilterEvaluator` sees when it judges the row the way `SegmentMatcher` does.
extension SearchResult.Hit: FieldResolver {
    public func resolve(_ field: FilterField) -> FieldValues {
        let s = segment
        switch field {
        case .model: return .one(.text(model))
        case .version: return .one(.number(Double(version), exact: version))
        case .created: return .one(.time(s.created(row), text: created))
        case .author: return .one(.text(s.string(s.author(row))))
        case .message: return .one(.text(s.string(s.message(row))))
        case .parameters: return s.parameters(row).map { .one(.number(Double($0), exact: $0)) } ?? .missing
        case .removed: return .one(.bool(s.isRemoved(row)))
        case .stage: return .set(stages.map { .text($0) })
        case .tag: return .set(tags.map { .text($0) })
        case .format: return .set(values(of: .format).map(FieldValue.init))
        case .param, .metric, .environment: return FieldValues(values(of: field).first)
        case .card(let k):
            guard let key = s.find(k) else { return .missing }
            var items = [FieldValue]()
            for f in s.fields(row) where s.fieldKey(f) == key {
                switch s.fieldNamespace(f) {
                case IndexSegment.Namespace.card.rawValue: return .one(FieldValue(s.value(f)))
                case IndexSegment.Namespace.cardItem.rawValue: items.append(FieldValue(s.value(f)))
                default: continue
                }
            }
            return items.isEmpty ? .missing : .set(items)
        }
    }
}
