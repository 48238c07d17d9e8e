import MregIndex
import MregRegistry
import MregSupport

extension ModelOverview {
    /// How the versions table is sorted: `version`, `created`, `metrics.KEY` or `params.KEY`.
    public struct Sort: Sendable, Equatable {
        public var key: String
        public var descending: Bool
        public init(key: String = "version", descending: Bool = true) {
            self.key = key
            self.descending = descending
        }
    }

    /// The model page. `served` keeps links between pages; a report has none. `rows` is the
    /// slice of versions shown in the table (all, or one page of a long table) with its pager.
    public func page(sort: Sort = Sort(), served: Bool, pager: ((([SearchResult.Hit]) -> ([SearchResult.Hit], WebPage.Pager?)))? = nil) -> WebPage {
        let model = state.model
        let latestNumber = state.latestLiveVersion
        var page = WebPage(title: model, heading: model)
        page.served = served
        var summary = "\(versions.count) version(s)"
        if let latestNumber { summary += ", latest v\(latestNumber)" }
        if let last = state.lastChange { summary += ", last change \(WebFormat.time(last))" }
        page.subtitle = summary
        if !problems.isEmpty { page.error = problems.joined(separator: "\n") }
        if versions.isEmpty && state.versions.isEmpty {
            page.error = "every version of \(model) was removed ('mreg rm'); its history is in the audit trail"
        }
        let base = WebSite.modelHref(model)
        // Where to go from here.
        var links = [[WebPage.Cell("audit trail"), WebPage.Cell("events, verdicts and signatures", href: "\(base)/log")]]
        if versions.count >= 2 {
            let a = versions[1].version, b = versions[0].version
            links.append([WebPage.Cell("latest change"), WebPage.Cell("diff v\(a) → v\(b)", href: "\(base)/diff/\(a)/\(b)")])
        }
        if served { page.sections.append(WebPage.Section(id: "links", table: WebPage.Table(headers: [WebPage.Cell("See"), WebPage.Cell("Link")], rows: links))) }

        // Stages now.
        if !state.stages.isEmpty || !state.tags.isEmpty {
            var rows = state.stages.sorted { $0.key < $1.key }.map { [WebPage.Cell("stage"), WebPage.Cell($0.key), WebPage.Cell("v\($0.value)", href: WebSite.versionHref(model, $0.value))] }
            rows += state.tags.sorted { $0.key < $1.key }.map { [WebPage.Cell("tag"), WebPage.Cell($0.key), WebPage.Cell("v\($0.value)", href: WebSite.versionHref(model, $0.value))] }
            page.sections.append(WebPage.Section(title: "Stages and tags", id: "stages", table: WebPage.Table(
                headers: ["Kind", "Name", "Version"].map { WebPage.Cell($0) }, rows: rows)))
        }

        // Metric plots.
        let plots = self.plots
        if !plots.isEmpty {
            page.sections.append(WebPage.Section(title: "Metrics across versions", id: "plots",
                                                 note: "One point per version, on the same version axis in every plot (a gap where a version has no value); dashed lines mark promotions into a stage.",
                                                 plots: plots.prefix(24).map(\.svg)))
        }

        // Versions table, sortable by any column.
        let metrics = metricKeys
        let sorted = sortedVersions(sort)
        let (rows, pagerLinks) = pager?(sorted) ?? (sorted, nil)
        func header(_ title: String, _ key: String) -> WebPage.Cell {
            let active = sort.key == key
            let dir = active && sort.descending ? "asc" : "desc"
            return WebPage.Cell(title + (active ? (sort.descending ? " ↓" : " ↑") : ""),
                                href: "\(base)?sort=\(HTML.queryValue(key))&dir=\(dir)#versions")
        }
        let headers = [header("Version", "version"), header("Registered", "created"), WebPage.Cell("By"), WebPage.Cell("Stages"), WebPage.Cell("Tags")]
            + metrics.map { header($0, "metrics.\($0)") } + [WebPage.Cell("Message")]
        let table = WebPage.Table(headers: headers, rows: rows.map { v in
            let f = v.fields
            return [WebPage.Cell("v\(v.version)", href: WebSite.versionHref(model, v.version)),
                    WebPage.Cell(WebFormat.time(f.created)), WebPage.Cell(f.author),
                    WebPage.Cell(v.stages.isEmpty ? "-" : v.stages.joined(separator: ", ")),
                    WebPage.Cell(v.tags.isEmpty ? "-" : v.tags.joined(separator: ", "))]
                + metrics.map { WebPage.Cell(f.metrics[$0].map(\.displayText) ?? "-", cssClass: "num") }
                + [WebPage.Cell(String(f.message.prefix(120)))]
        })
        page.sections.append(WebPage.Section(title: "Versions", id: "versions", table: versions.isEmpty ? nil : table, pager: pagerLinks))

        // Stage timeline: every promotion and demotion.
        let moves = events.filter { $0.event.action == .promote || $0.event.action == .demote }
        if !moves.isEmpty {
            page.sections.append(WebPage.Section(title: "Stage timeline", id: "timeline", table: WebPage.Table(
                headers: ["When", "Change", "By", "Reason"].map { WebPage.Cell($0) },
                rows: moves.prefix(WebSite.rowsPerPage).map { e in
                    [WebPage.Cell(WebFormat.time(e.event.time)), WebPage.Cell(Registry.summary(of: e.event)),
                     WebPage.Cell(e.event.actor), WebPage.Cell(e.event.reason ?? "")]
                })))
        }

        // The latest version's card.
        if let latest, case .object(let card) = latest.card, !card.isEmpty {
            page.sections.append(WebPage.Section(title: "Model card fields", id: "card-fields", table: WebPage.Table(
                headers: [WebPage.Cell("Field"), WebPage.Cell("Value")],
                rows: card.keys.sorted().map { [WebPage.Cell($0), WebPage.Cell(WebFormat.value(card[$0]))] })))
        }
        if let cardHTML {
            page.sections.append(WebPage.Section(title: "Model card", id: "card", html: cardHTML))
        }
        return page
    }

    /// What the versions table sorts by: `version`, `created`, and `metrics.KEY` / `params.KEY` of the keys some version has.
    public var sortKeys: [String] {
        var metrics = Set<String>(), params = Set<String>()
        for v in versions {
            let f = v.fields
            metrics.formUnion(f.metrics.keys)
            params.formUnion(f.params.keys)
        }
        return ["version", "created"] + metrics.sorted().map { "metrics.\($0)" } + params.sorted().map { "params.\($0)" }
    }

    /// The versions in the order of `sort`; versions without the key go last.
    func sortedVersions(_ sort: Sort) -> [SearchResult.Hit] {
        func key(_ v: SearchResult.Hit) -> JSONValue? {
            switch sort.key {
            case "version": return .int(v.version)
            case "created": return .string(v.created)
            case let k where k.hasPrefix("metrics."): return v.fields.metrics[String(k.dropFirst(8))]
            case let k where k.hasPrefix("params."): return v.fields.params[String(k.dropFirst(7))]
            default: return .int(v.version)
            }
        }
        let keyed = versions.map { (v: $0, k: key($0)) }
        return keyed.sorted { a, b in
            switch (a.k, b.k) {
            case (nil, nil): return a.v.version > b.v.version
            case (nil, _): return false
            case (_, nil): return true
            case let (x?, y?):
                if x == y { return a.v.version > b.v.version }
                let (less, greater): (Bool, Bool)
                if let dx = x.doubleValue, let dy = y.doubleValue { (less, greater) = (dx < dy, dx > dy) } else {
                    (less, greater) = (x.displayText < y.displayText, x.displayText > y.displayText)
                }
                if !less && !greater { return a.v.version > b.v.version }
                return sort.descending ? greater : less
            }
        }.map(\.v)
    }
}
