import MregStore
import MregSupport
import MregRegistry

/// The HTML report: one self-contained page (inline CSS, no scripts, nothing fetched) to read and print.
extension AuditReport {
    public var html: String {
        var out = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>mreg audit report</title>
        <style>
        body { font-family: system-ui, sans-serif; margin: 1.5em; color: #111; }
        h1 { font-size: 1.4em; }
        dl { display: grid; grid-template-columns: max-content auto; gap: .2em 1em; }
        dt { font-weight: bold; }
        dd { margin: 0; word-break: break-all; }
        table { border-collapse: collapse; font-size: .8em; width: 100%; }
        th, td { border: 1px solid #999; padding: .25em .4em; text-align: left; vertical-align: top; word-break: break-word; }
        th { background: #eee; }
        tr:nth-child(even) td { background: #f7f7f7; }
        .good { color: #060; } .bad, .failed { color: #b00; font-weight: bold; } .expired, .unknown-key { color: #a50; font-weight: bold; }
        code { font-size: .95em; }
        @media print { body { margin: 0; } table { font-size: 7pt; } thead { display: table-header-group; } tr { page-break-inside: avoid; } }
        </style>
        </head>
        <body>
        <h1>mreg audit report</h1>
        <dl>

        """
        for (name, value) in headerFacts {
            let cls = name == "Chain verification" ? (verified ? " class=\"good\"" : " class=\"failed\"") : ""
            out += "<dt>\(Self.htmlEscaped(name))</dt><dd\(cls)>\(Self.htmlEscaped(value))</dd>\n"
        }
        out += "</dl>\n<table>\n<thead><tr>" + Self.columns.map { "<th>\(Self.htmlEscaped($0))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
        for row in rows {
            out += "<tr>"
            for (column, cell) in zip(Self.columns, row.cells) {
                var cls = ""
                if column == "signature", let s = row.signature { cls = " class=\"\(s.rawValue.replacingOccurrences(of: " ", with: "-"))\"" }
                if column == "verdict", row.verdictPassed == false { cls = " class=\"failed\"" }
                let title = column == "signature" ? row.signatureDetail.map { " title=\"\(Self.htmlEscaped($0))\"" } ?? "" : ""
                out += "<td\(cls)\(title)>\(Self.htmlEscaped(cell))</td>"
            }
            out += "</tr>\n"
        }
        out += "</tbody>\n</table>\n"
        if rows.isEmpty { out += "<p>No events.</p>\n" }
        out += "</body>\n</html>\n"
        return out
    }

    /// Text safe in HTML content and quoted attributes; control characters escaped as `\n`, `\u{1B}`.
    static func htmlEscaped(_ text: String) -> String {
        var out = ""
        for c in Names.escaped(text) {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}
