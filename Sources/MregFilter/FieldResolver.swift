import MregSupport
/// What one context of the filter language looks at: the values of each field for one
/// subject. A policy gate resolves fields from a version's manifest and its model's state;
/// `mreg search` from an index row. The same filter must give the same answer over both.
public protocol FieldResolver {
    /// The values of `field` for the subject.
    func resolve(_ field: FilterField) -> FieldValues
}
