/// Why a TOML document was refused, and where: `line L, column C: problem` on one line.
///
/// Lines and columns count from 1; a column counts Unicode scalars, so a tab or an `é` is one column.
public struct TOMLError: Error, Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var message: String

    public init(line: Int, column: Int, message: String) {
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String { "line \(line), column \(column): \(message)" }
}
