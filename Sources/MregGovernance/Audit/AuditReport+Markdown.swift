import MregStore
import MregSupport
import MregRegistry

/// The Markdown report: a header list and one table.
extension AuditReport {
    public var markdown: String {
        var out = "# mreg audit report\n\n"
        for (name, value) in headerFacts { out += "- **\(name):** \(Self.markdownCell(value))\n" }
        out += "\n| " + Self.columns.joined(separator: " | ") + " |\n"
        out += "|" + String(repeating: " --- |", count: Self.columns.count) + "\n"
        for row in rows {
            out += "| " + row.cells.map(Self.markdownCell).joined(separator: " | ") + " |\n"
        }
        if rows.isEmpty { out += "\nNo events.\n" }
        return out
    }

    /// The header: what was audited, the verification, the policy, the signature counts.
    public var headerFacts: [(String, String)] {
        var facts: [(String, String)] = [
            ("Generated", generated),
            ("Models", models.isEmpty ? "none" : models.joined(separator: ", ")),
            ("Period", "\(since ?? "start") to \(until ?? "now")"),
            ("Chain verification", verificationText),
            ("Policy digest", policyDigest ?? (policyError.map { "unreadable: \($0)" } ?? "none (no .mreg/policy.toml)")),
            ("Allowed signers", allowedSigners ?? "none"),
        ]
        let counts = signatureCounts
        facts.append(("Signatures", SignatureStatus.allCases.map { "\(counts[$0] ?? 0) \($0.rawValue)" }.joined(separator: ", ")))
        facts.append(("Events", "\(rows.count)"))
        return facts
    }

    /// Text that renders as itself in a table cell: control characters escaped, Markdown and HTML punctuation backslash-escaped.
    static func markdownCell(_ text: String) -> String {
        var out = ""
        for c in Names.escaped(text) {
            if "\\`*_[]<>|~&!#$".contains(c) { out.append("\\") }
            out.append(c)
        }
        return out
    }
}
