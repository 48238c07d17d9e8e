import MregSupport
/// A filter that does not parse: where (1-based column, counting Unicode scalars) and why.
///
/// Each context words it its own way: search as `search: column 17: …`, a policy gate as
/// `require in [stages.production]: column 17: …`.
public struct FilterError: Error, Sendable, Equatable, CustomStringConvertible {
    public var column: Int
    public var message: String

    public init(column: Int, _ message: String) {
        self.column = column
        self.message = message
    }

    /// `column 17: expected a value after '>='`.
    public var description: String { "column \(column): \(message)" }
}
