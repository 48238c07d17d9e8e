import MregStore
import MregSupport
import MregRegistry

/// The text report: the header, then aligned columns for a terminal (ids abbreviated;
/// datasets and metrics are in the other formats).
extension AuditReport {
    /// The columns the text report shows (`mreg audit --help` lists them).
    public static let textColumns = ["TIME", "MODEL", "VERSION", "ACTION", "STAGE/TAG", "ACTOR", "SIGNER", "SIGNATURE",
                              "VERDICT", "APPROVALS", "MANIFEST", "WEIGHTS", "REASON", "VIOLATIONS"]

    public var text: String {
        var out = ""
        for (name, value) in headerFacts { out += "\(name): \(Names.escaped(value))\n" }
        out += "\n"
        var table = [Self.textColumns]
        for row in rows {
            let weights = row.weightsDigest.map { String($0.dropFirst("sha256:".count).prefix(12)) } ?? ""
            table.append([
                row.time, row.model, row.version.map { "v\($0)" } ?? "", row.action + (row.forced ? " (forced)" : ""),
                row.stage ?? row.tag ?? "", row.actor, row.signer ?? "", row.signature?.rawValue ?? "",
                row.verdictText, row.approvalsCell(idLength: 12),
                row.manifest?.abbreviated() ?? "", weights, row.reason ?? "", row.violations.joined(separator: "; "),
            ].map(Names.escaped))
        }
        let widths = (0..<Self.textColumns.count).map { c in table.map { $0[c].count }.max() ?? 0 }
        for line in table {
            var text = zip(line, widths).map { cell, width in cell + String(repeating: " ", count: max(0, width - cell.count)) }
                .joined(separator: "  ")
            while text.last == " " { text.removeLast() }  // no trailing blanks
            out += text + "\n"
        }
        if rows.isEmpty { out += "(no events)\n" }
        return out
    }
}
