import MregGovernance
import MregIndex
import MregRegistry
import MregStore
import MregSupport

extension WebSite {
    /// `/models/NAME`: versions (sortable), stages, plots, timeline and the latest card.
    func modelPage(_ registry: Registry, model: String, _ r: Request) throws -> WebResponse {
        let name = try checkedModel(model)
        try checkParameters(r, ["dir": ["asc", "desc"]])
        let overview = try ModelOverview.load(registry, model: name)
        let sort = ModelOverview.Sort(key: r.query["sort"] ?? "version", descending: r.query["dir"] != "asc")
        let keys = overview.sortKeys
        guard keys.contains(sort.key) else {
            let shown = keys.prefix(12).joined(separator: ", ") + (keys.count > 12 ? ", …" : "")
            throw WebFailure(status: 400, title: "Bad request", message: "?sort=\(sort.key) is not a column of \(name): sort by \(shown)")
        }
        let page = overview.page(sort: sort, served: true) { rows in
            self.paged(rows, r, path: Self.modelHref(name), keeping: ["sort", "dir"])
        }
        return .html(page)
    }

    /// `/models/NAME/versions/N`: files, params, metrics, datasets, provenance, base, signatures, card.
    func versionPage(_ registry: Registry, model: String, version: String, _ r: Request) throws -> WebPage {
        let v = try registry.resolve(try checkedRevision(model, version, in: registry))
        let m = try Manifest.load(v.manifestID, from: registry.store)
        return try Self.versionPage(registry, v, m, served: true)
    }

    /// The page of one resolved version (served, or in a report).
    static func versionPage(_ registry: Registry, _ v: ResolvedVersion, _ m: Manifest, served: Bool) throws -> WebPage {
        let info = v.state.versions[v.version]
        var page = WebPage(title: v.label, heading: "\(v.model) v\(v.version)")
        page.served = served
        page.subtitle = "manifest \(v.manifestID.hex)"
        func kv(_ rows: [(String, String, String?)]) -> WebPage.Table {
            WebPage.Table(headers: [WebPage.Cell("Key"), WebPage.Cell("Value")],
                          rows: rows.map { [WebPage.Cell($0.0), WebPage.Cell($0.1, href: $0.2)] })
        }
        var about: [(String, String, String?)] = [("Model", v.model, modelHref(v.model))]
        if let info { about.append(("Registered", "\(WebFormat.time(info.registeredAt)) by \(info.registeredBy)", nil)) }
        let stages = v.state.stages(of: v.version), tags = v.state.tags(of: v.version)
        if !stages.isEmpty { about.append(("Stages", stages.joined(separator: ", "), nil)) }
        if !tags.isEmpty { about.append(("Tags", tags.joined(separator: ", "), nil)) }
        if !m.message.isEmpty { about.append(("Message", m.message, nil)) }
        if let b = m.base["model"]?.stringValue, let bv = m.base["version"]?.intValue {
            about.append(("Base model", "\(b)@v\(bv)", (try? Names.validateModel(b)) != nil ? versionHref(b, bv) : nil))
        }
        if let prev = v.state.versions.keys.filter({ $0 < v.version }).max() {
            about.append(("Changes", "diff v\(prev) → v\(v.version)", "\(modelHref(v.model))/diff/\(prev)/\(v.version)"))
        }
        page.sections.append(WebPage.Section(id: "about", table: kv(about)))
        page.sections.append(WebPage.Section(
            title: "Files (\(m.files.count), \(WebFormat.bytes(m.totalSize)))", id: "files",
            table: WebPage.Table(headers: ["Path", "Size", "Format, tensors, parameters", "sha256"].map { WebPage.Cell($0) },
                                 rows: m.files.map { f in
                                     [WebPage.Cell(f.path), WebPage.Cell(WebFormat.bytes(f.size), cssClass: "num"),
                                      WebPage.Cell(WebFormat.fileSummary(f)), WebPage.Cell(String(f.digest.prefix(23)) + "…")]
                                 })))
        if !m.params.isEmpty {
            page.sections.append(WebPage.Section(title: "Params", id: "params", table: kv(m.params.keys.sorted().map { ($0, WebFormat.value(m.params[$0]), nil) })))
        }
        if !m.metrics.isEmpty {
            page.sections.append(WebPage.Section(title: "Metrics", id: "metrics", table: kv(m.metrics.keys.sorted().map { ($0, WebFormat.value(m.metrics[$0]), nil) })))
        }
        if !m.datasets.isEmpty {
            page.sections.append(WebPage.Section(title: "Datasets", id: "datasets", table: WebPage.Table(
                headers: ["Name", "Digest", "Size", "Files"].map { WebPage.Cell($0) },
                rows: m.datasets.map { d in
                    [WebPage.Cell(d["name"]?.stringValue ?? "?"), WebPage.Cell(d["digest"]?.stringValue ?? ""),
                     WebPage.Cell(WebFormat.bytes(d["size"]?.intValue ?? 0), cssClass: "num"), WebPage.Cell("\(d["files"]?.intValue ?? 0)", cssClass: "num")]
                })))
        }
        let provenance = ParamsLoader.flatten(.object(m.provenance))
        if !provenance.isEmpty {
            page.sections.append(WebPage.Section(title: "Provenance", id: "provenance", table: kv(provenance.keys.sorted().map { ($0, WebFormat.value(provenance[$0]), nil) })))
        }
        // Signatures and verdicts of the events about this version.
        let events = (try? registry.cachedEvents(of: v.model)) ?? []
        let signed = events.filter { $0.event.version == v.version && ($0.event.signer != nil || $0.event.verdict != nil) }
        if !signed.isEmpty {
            page.sections.append(WebPage.Section(title: "Signatures and verdicts", id: "signatures", table: eventTable(signed)))
        }
        if case .object(let card) = m.card, !card.isEmpty {
            page.sections.append(WebPage.Section(title: "Model card fields", id: "card-fields", table: kv(card.keys.sorted().map { ($0, WebFormat.value(card[$0]), nil) })))
        }
        do {
            if let html = try ModelOverview.cardHTML(registry, m, label: v.label) {
                page.sections.append(WebPage.Section(title: "Model card", id: "card", html: html))
            }
        } catch {
            page.error = "the model card cannot be read: \(error); run 'mreg fsck'"
        }
        return page
    }

    /// Events as a table: when, what, who, why, policy verdict, signature.
    static func eventTable(_ events: [(id: ObjectID, event: Event)]) -> WebPage.Table {
        WebPage.Table(
            headers: ["When", "Event", "Change", "By", "Reason", "Policy", "Signed by"].map { WebPage.Cell($0) },
            rows: events.map { e in
                let ev = e.event
                var policy = "-"
                if let json = ev.verdict {
                    if let verdict = try? PolicyVerdict(json: json) {
                        policy = verdict.passed ? "passed" : "failed (\(verdict.failureSummary))"
                    } else {
                        policy = "unreadable verdict"
                    }
                }
                if ev.force { policy += ev.action == .promote ? "; forced (policy overridden)" : "; forced" }
                var change = Registry.summary(of: ev)
                if let from = ev.renumberedFrom { change += " (renumbered from v\(from))" }
                return [WebPage.Cell(WebFormat.time(ev.time)), WebPage.Cell(e.id.abbreviated()), WebPage.Cell(change),
                        WebPage.Cell(ev.actor), WebPage.Cell(ev.reason ?? ""), WebPage.Cell(policy), WebPage.Cell(ev.signer ?? "-")]
            })
    }

    /// A metric's change as the command line shows it, signed (`+0.05`, `-0.02`), with an
    /// arrow so the direction does not rest on the colour alone (`+0.05 ▲`). The colour says
    /// whether it is an improvement (`better`, green) or a regression (`worse`, red): a rise,
    /// unless the policy says lower is better for the metric (`lowerIsBetter`).
    static func deltaCell(_ delta: JSONValue?, lowerIsBetter: Bool = false) -> WebPage.Cell {
        guard let delta else { return WebPage.Cell("", cssClass: "num") }
        let text = delta.displayText
        let value = delta.doubleValue ?? 0
        func judged(_ rise: Bool) -> String { rise != lowerIsBetter ? "num better" : "num worse" }
        if value > 0 { return WebPage.Cell((text.hasPrefix("+") ? text : "+" + text) + " ▲", cssClass: judged(true)) }
        if value < 0 { return WebPage.Cell(text + " ▼", cssClass: judged(false)) }
        return WebPage.Cell(text.hasPrefix("-") || text.hasPrefix("+") ? text : "+" + text, cssClass: "num")
    }

    /// `/models/NAME/log`: the audit trail, newest first.
    func logPage(_ registry: Registry, model: String, _ r: Request) throws -> WebPage {
        let name = try checkedModel(model)
        try checkParameters(r)
        let events = try registry.logAndDamage(model: name).entries.map { (id: $0.id, event: $0.event) }
        var page = WebPage(title: "\(name) log", heading: "\(name): audit trail")
        page.subtitle = "\(events.count) event(s), newest first; check signatures with 'mreg verify \(name)'"
        let (rows, pager) = paged(events, r, path: "\(Self.modelHref(name))/log")
        page.sections.append(WebPage.Section(id: "log", table: Self.eventTable(rows), pager: pager))
        return page
    }

    /// `/models/NAME/diff/A/B`: params, metrics, files and the rest side by side.
    func diffPage(_ registry: Registry, model: String, old: String, new: String, _ r: Request) throws -> WebPage {
        try checkParameters(r, ["all": ["0", "1"]])
        let diff = try registry.diff(try checkedRevision(model, old, in: registry), try checkedRevision(model, new, in: registry))
        return Self.diffPage(diff, all: r.query["all"] == "1", served: true,
                             lowerIsBetter: Governance(registry).lowerIsBetterMetrics())
    }

    /// The page of a diff (served, or in a report); `all` includes unchanged entries. A metric's
    /// change is green when it improves: when it falls for those in `lowerIsBetter`, else when it rises.
    public static func diffPage(_ diff: VersionDiff, all: Bool, served: Bool, lowerIsBetter: Set<String> = []) -> WebPage {
        var page = WebPage(title: "diff \(diff.old.label) \(diff.new.label)", heading: "\(diff.old.label) → \(diff.new.label)")
        page.served = served
        let sections = Set(VersionDiff.Section.allCases)
        page.subtitle = diff.hasDifferences(in: sections) ? "The versions differ." : "No differences."
        func values(_ title: String, _ id: String, _ list: [VersionDiff.ValueChange], diffColumn: Bool, skip: (String) -> Bool = { _ in false }) {
            let shown = list.filter { all || ($0.changed && !skip($0.key)) }
            guard !shown.isEmpty else { return }
            page.sections.append(WebPage.Section(title: title, id: id, table: WebPage.Table(
                headers: (["Key", diff.old.label, diff.new.label] + (diffColumn ? ["Change"] : [])).map { WebPage.Cell($0) },
                rows: shown.map { c in
                    [WebPage.Cell(c.key), WebPage.Cell(WebFormat.value(c.old)), WebPage.Cell(WebFormat.value(c.new))]
                        + (diffColumn ? [Self.deltaCell(c.diff, lowerIsBetter: lowerIsBetter.contains(c.key))] : [])
                },
                rowClasses: shown.map { c in c.old == nil ? "added" : c.new == nil ? "removed" : c.changed ? "changed" : nil })))
        }
        values("Params", "params", diff.params, diffColumn: false)
        values("Metrics", "metrics", diff.metrics, diffColumn: true)
        let files = diff.files.filter { all || $0.kind != .unchanged }
        if !files.isEmpty {
            page.sections.append(WebPage.Section(title: "Files", id: "files", table: WebPage.Table(
                headers: ["Change", "Path", "Old size", "New size", "Old format", "New format"].map { WebPage.Cell($0) },
                rows: files.map { f in
                    [WebPage.Cell(f.kind.rawValue), WebPage.Cell(f.path),
                     WebPage.Cell(f.old.map { WebFormat.bytes($0.size) } ?? "-", cssClass: "num"),
                     WebPage.Cell(f.new.map { WebFormat.bytes($0.size) } ?? "-", cssClass: "num"),
                     WebPage.Cell(f.old.map(WebFormat.fileSummary) ?? "-"), WebPage.Cell(f.new.map(WebFormat.fileSummary) ?? "-")]
                },
                rowClasses: files.map { $0.kind == .unchanged ? nil : $0.kind.rawValue })))
        }
        values("Lineage", "lineage", diff.lineage, diffColumn: false)
        values("Provenance", "provenance", diff.provenance, diffColumn: false, skip: VersionDiff.isVolatileProvenance)
        if page.sections.isEmpty { page.sections.append(WebPage.Section(note: "Nothing differs.")) }
        return page
    }
}
