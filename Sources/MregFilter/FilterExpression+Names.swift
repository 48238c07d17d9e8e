import MregSupport
extension FilterExpression {
    /// Refuses a name that cannot exist: `stage = 'prod'` (or MLflow's `'Production'`) would
    /// otherwise silently match nothing.
    ///
    /// - Parameters:
    ///   - field: the field whose `=`, `!=`, `IN` and `NOT IN` values are names (`.stage`).
    ///   - known: the names there are.
    ///   - what: the kind of name, for the message (`stage`).
    /// - Throws: `FilterError` at the condition, with a did-you-mean when only the case differs.
    public func checkNames(of field: FilterField, among known: [String], what: String) throws(FilterError) {
        for c in conditions where c.field == field && [.equal, .notEqual, .in, .notIn].contains(c.op) {
            for case .string(let name) in c.values where !known.contains(name) {
                if let near = known.first(where: { $0.lowercased() == name.lowercased() }) {
                    throw FilterError(column: c.column, "unknown \(what) '\(name)': \(what) names are case-sensitive; did you mean '\(near)'?")
                }
                throw FilterError(column: c.column, "unknown \(what) '\(name)': \(what)s are \(known.joined(separator: ", "))")
            }
        }
    }
}
