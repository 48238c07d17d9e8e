import MregIndex
import MregRegistry
import MregSupport

extension WebSite {
    /// The rows of page `r.page` of `items`, and the links to the pages around it (none when all fit).
    func paged<T>(_ items: [T], _ r: Request, path: String, keeping keys: [String] = []) -> ([T], WebPage.Pager?) {
        let size = Self.rowsPerPage
        guard items.count > size else { return (items, nil) }
        let pages = (items.count + size - 1) / size
        let page = min(r.page, pages)
        let slice = Array(items[((page - 1) * size)..<min(items.count, page * size)])
        var params = keys.compactMap { k in r.query[k].map { "\(k)=\(HTML.queryValue($0))" } }
        func link(_ n: Int) -> String {
            params.removeAll { $0.hasPrefix("page=") }
            return path + "?" + (params + ["page=\(n)"]).joined(separator: "&")
        }
        let label = "rows \((page - 1) * size + 1)–\((page - 1) * size + slice.count) of \(items.count) (page \(page) of \(pages))"
        return (slice, WebPage.Pager(label: label, previous: page > 1 ? link(page - 1) : nil, next: page < pages ? link(page + 1) : nil))
    }

    static func modelHref(_ model: String) -> String { "/models/\(HTML.pathSegment(model))" }
    static func versionHref(_ model: String, _ version: Int64) -> String { "\(modelHref(model))/versions/\(version)" }

    /// `/`: every model with its latest version, stages, tags and last change; damaged models named.
    func modelsPage(_ registry: Registry, _ r: Request) throws -> WebPage {
        try checkParameters(r)
        let (all, damaged) = try RegistryIndex(registry: registry).modelSummariesAndDamage()
        let models = all.filter { $0.versionCount > 0 }
        var page = WebPage(title: "Models", heading: "Models",
                           subtitle: "\(models.count) model(s) in \(registry.repository.workTree)")
        let (rows, pager) = paged(models, r, path: "/")
        let table = WebPage.Table(
            headers: ["Model", "Latest", "Versions", "Stages", "Tags", "Last change"].map { WebPage.Cell($0) },
            rows: rows.map { s in
                [WebPage.Cell(s.model, href: Self.modelHref(s.model)),
                 s.latestVersion.map { WebPage.Cell("v\($0)", href: Self.versionHref(s.model, $0)) } ?? WebPage.Cell("-"),
                 WebPage.Cell("\(s.versionCount)", cssClass: "num"),
                 WebPage.Cell(Self.pairs(s.stages)), WebPage.Cell(Self.pairs(s.tags)),
                 WebPage.Cell(s.lastChange.map(WebFormat.time) ?? "-")]
            })
        page.sections.append(WebPage.Section(id: "models", note: models.isEmpty && damaged.isEmpty
                                             ? "No models yet: register one with 'mreg register MODEL PATH...'." : nil,
                                             table: models.isEmpty ? nil : table, pager: pager))
        if !damaged.isEmpty {
            page.error = "\(damaged.count) model(s) cannot be read; run 'mreg fsck'"
            page.sections.append(WebPage.Section(title: "Damaged models", id: "damaged", table: WebPage.Table(
                headers: [WebPage.Cell("Model"), WebPage.Cell("Problem")],
                rows: damaged.map { [WebPage.Cell($0.model, href: Self.modelHref($0.model)), WebPage.Cell("\($0.error)")] })))
        }
        return page
    }

    /// `production=v3 staging=v4`, or `-`.
    static func pairs(_ d: [String: Int64]) -> String {
        let text = d.sorted { $0.key < $1.key }.map { "\($0.key)=v\($0.value)" }.joined(separator: " ")
        return text.isEmpty ? "-" : text
    }

    /// `/search?q=EXPR`: matching versions as a table; a query that does not parse is shown with its column.
    func searchPage(_ registry: Registry, _ r: Request) throws -> WebResponse {
        try checkParameters(r)
        let text = r.query["q"] ?? ""
        var page = WebPage(title: "Search", heading: "Search")
        page.query = text
        let result: SearchResult
        do {
            let query = try SearchQuery.parse(text)
            let order = try (r.query["order"]).map { [try SearchOrder.parse($0)] } ?? []
            result = try RegistryIndex(registry: registry).search(query, order: order)
        } catch let error as RegistryError {
            guard case .badInput = error else { throw error }
            page.error = "\(error)"
            page.subtitle = text.isEmpty ? nil : "query: \(text)"
            return .html(page, status: 400)
        }
        page.subtitle = (text.isEmpty ? "every version" : "query: \(text)") + " — \(result.total) of \(result.searched) version(s) match"
        let extra = result.extraColumns
        let (hits, pager) = paged(result.hits, r, path: "/search", keeping: ["q", "order"])
        let table = WebPage.Table(
            headers: (["Model", "Version", "Stages", "Tags", "Created"] + extra.map(\.description)).map { WebPage.Cell($0) },
            rows: hits.map { hit in
                var row = [WebPage.Cell(hit.model, href: Self.modelHref(hit.model)),
                           WebPage.Cell("v\(hit.version)", href: Self.versionHref(hit.model, hit.version)),
                           WebPage.Cell(hit.stages.isEmpty ? "-" : hit.stages.joined(separator: ", ")),
                           WebPage.Cell(hit.tags.isEmpty ? "-" : hit.tags.joined(separator: ", ")),
                           WebPage.Cell(WebFormat.time(hit.created))]
                for field in extra {
                    let values = hit.values(of: field)
                    row.append(WebPage.Cell(values.isEmpty ? "-" : values.map {
                        field == .parameters ? WebFormat.count($0.intValue ?? 0) : $0.displayText
                    }.joined(separator: ", "), cssClass: "num"))
                }
                return row
            })
        page.sections.append(WebPage.Section(id: "results", note: result.total == 0 ? "No version matches." : nil,
                                             table: result.total == 0 ? nil : table, pager: pager))
        if !result.damaged.isEmpty {
            page.error = "not searched (damaged; run 'mreg fsck'): " + result.damaged.map(\.model).joined(separator: ", ")
        }
        return .html(page)
    }
}
