import MregStore
import MregSupport
import MregRegistry

/// The CSV report: RFC 4180, CRLF line ends; the header row of `columns`, then one row per event,
/// so any CSV reader (Python's `csv.DictReader`, pandas, a spreadsheet) reads it as one table.
/// The report's facts (who made it, when, of which store, the verification, the policy digest)
/// are in the other formats' header; each event's policy digest is in its `policy` column.
extension AuditReport {
    public var csv: String {
        var out = ""
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
