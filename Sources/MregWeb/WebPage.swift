/// One HTML page of the web view or a report, as data: a heading and sections of tables,
/// plots, notes and a rendered card. `render()` turns it into HTML through the Mustache
/// templates of `PageTemplates`, which escape every text.
public struct WebPage: Sendable {
    /// A table cell or header: a text, maybe a link.
    public struct Cell: Sendable {
        public var text: String
        public var href: String?
        public var cssClass: String?
        public init(_ text: String, href: String? = nil, cssClass: String? = nil) {
            self.text = text
            self.href = href
            self.cssClass = cssClass
        }
    }

    public struct Table: Sendable {
        public var headers: [Cell]
        public var rows: [[Cell]]
        public var rowClasses: [String?] = []
        public init(headers: [Cell], rows: [[Cell]], rowClasses: [String?] = []) {
            self.headers = headers
            self.rows = rows
            self.rowClasses = rowClasses
        }
    }

    /// Links to the previous and next page of a long table.
    public struct Pager: Sendable {
        public var label: String
        public var previous: String?
        public var next: String?
    }

    public struct Section: Sendable {
        public var title: String?
        public var id: String?
        public var note: String?
        public var table: Table?
        /// Trusted SVG elements (drawn by `MetricPlot`, which escapes its texts).
        public var plots: [String] = []
        /// Trusted HTML (a card rendered by `CardRenderer`, which sanitizes it).
        public var html: String?
        public var pager: Pager?
        public init(title: String? = nil, id: String? = nil, note: String? = nil, table: Table? = nil,
                    plots: [String] = [], html: String? = nil, pager: Pager? = nil) {
            self.title = title
            self.id = id
            self.note = note
            self.table = table
            self.plots = plots
            self.html = html
            self.pager = pager
        }
    }

    public var title: String
    public var heading: String
    public var subtitle: String?
    /// A problem to show at the top (a query that does not parse, a damaged model).
    public var error: String?
    public var sections: [Section] = []
    /// The search box's text.
    public var query = ""
    /// Whether this page is served (links and the search box) or a standalone report (no links
    /// but to anchors in the page).
    public var served = true
    public var footer = ""

    public init(title: String, heading: String, subtitle: String? = nil, error: String? = nil, sections: [Section] = []) {
        self.title = title
        self.heading = heading
        self.subtitle = subtitle
        self.error = error
        self.sections = sections
    }
}
