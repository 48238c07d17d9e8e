import MregStore
import MregSupport
import MregRegistry

/// The CSV report: RFC 4180, a header row of `columns`, CRLF line ends.
extension AuditReport {
    public var csv: String {
        var out = Self.columns.map(Self.csvField).joined(separator: ",") + "\r\n"
        for row in rows {
            out += row.cells.map(Self.csvField).joined(separator: ",") + "\r\n"
        }
        return out
    }

    /// One field: control characters escaped (`\n`, `\u{1B}`), a leading `=`, `+`, `-` or `@`
    /// prefixed with `'` (so a spreadsheet does not run it as a formula), quoted when it holds
    /// a comma, a quote or a space at either end.
    static func csvField(_ text: String) -> String {
        var cell = Names.escaped(text)
        if let first = cell.first, "=+-@".contains(first) { cell = "'" + cell }
        if cell.contains(where: { $0 == "," || $0 == "\"" }) || cell.first == " " || cell.last == " " {
            return "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return cell
    }
}
