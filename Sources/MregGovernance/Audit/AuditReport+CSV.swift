import MregStore
import MregSupport
import MregRegistry

/// The CSV report: RFC 4180, CRLF line ends. A preamble of the header facts (`headerFacts`: who
/// made it, when, of which store, the verification, the policy digest), one `name,value` row
/// each, then an empty row, then the header row of `columns` and one row per event.
extension AuditReport {
    public var csv: String {
        var out = ""
        for (name, value) in headerFacts {
            out += Self.csvField(name) + "," + Self.csvField(value) + "\r\n"
        }
        out += "\r\n"
        out += Self.columns.map(Self.csvField).joined(separator: ",") + "\r\n"
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
