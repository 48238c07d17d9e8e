import Mustache

extension WebPage {
    /// The page as one HTML document (inline CSS and SVG; no script, nothing from the network).
    public func render() -> String {
        PageTemplates.library.render(context, withTemplate: "layout") ?? ""
    }

    /// A served page keeps its links; a report keeps only links to its own anchors.
    func link(_ href: String?) -> String? {
        guard let href else { return nil }
        return served || href.hasPrefix("#") ? href : nil
    }

    func cell(_ c: Cell) -> [String: Any] {
        var o: [String: Any] = ["cell_text": c.text]
        if let h = link(c.href) { o["cell_href"] = h }
        if let k = c.cssClass { o["cell_class"] = k }
        return o
    }

    var context: [String: Any] {
        var o: [String: Any] = [
            "page_title": title, "page_heading": heading, "page_css": PageTemplates.css, "page_query": query,
            "page_served": served, "page_footer": footer,
        ]
        if let subtitle { o["page_subtitle"] = subtitle }
        if let error { o["page_error"] = error }
        o["page_sections"] = sections.map { s -> [String: Any] in
            var d = [String: Any]()
            if let t = s.title { d["section_title"] = t }
            if let i = s.id { d["section_id"] = i }
            if let n = s.note { d["section_note"] = n }
            if let t = s.table {
                d["section_table"] = [
                    "table_headers": t.headers.map(cell),
                    "table_rows": t.rows.enumerated().map { i, row -> [String: Any] in
                        var r: [String: Any] = ["row_cells": row.map(cell)]
                        if i < t.rowClasses.count, let k = t.rowClasses[i] { r["row_class"] = k }
                        return r
                    },
                ] as [String: Any]
            }
            if !s.plots.isEmpty { d["section_plots"] = s.plots.map { ["plot_svg": $0] } }
            if let h = s.html { d["section_html"] = h }
            if let p = s.pager {
                var pd: [String: Any] = ["pager_label": p.label]
                if let prev = link(p.previous) { pd["pager_previous"] = prev }
                if let next = link(p.next) { pd["pager_next"] = next }
                d["section_pager"] = pd
            }
            return d
        }
        return o
    }
}
