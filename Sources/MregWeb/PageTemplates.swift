import Mustache

/// The Mustache templates of every page (served and reports share them). `{{…}}` escapes;
/// the only `{{{…}}}` are the CSS, the plots' SVG and the sanitized card HTML.
enum PageTemplates {
    static let layout = """
    <!doctype html>
    <html lang="en"><head><meta charset="utf-8">
    <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>{{page_title}} · mreg</title>
    <style>{{{page_css}}}</style></head>
    <body>
    <header>{{#page_served}}<a class="brand" href="/">mreg</a>
    <form action="/search" method="get"><input name="q" value="{{page_query}}" aria-label="search" placeholder="metrics.auc &gt;= 0.9 and stage = 'production'" size="48"> <button type="submit">Search</button></form>{{/page_served}}{{^page_served}}<span class="brand">mreg</span>{{/page_served}}</header>
    <main>
    <h1>{{page_heading}}</h1>
    {{#page_subtitle}}<p class="subtitle">{{page_subtitle}}</p>{{/page_subtitle}}
    {{#page_error}}<p class="error" role="alert">{{page_error}}</p>{{/page_error}}
    {{#page_sections}}
    <section{{#section_id}} id="{{section_id}}"{{/section_id}}>
    {{#section_title}}<h2>{{section_title}}</h2>{{/section_title}}
    {{#section_note}}<p class="note">{{section_note}}</p>{{/section_note}}
    {{#section_table}}{{> table}}{{/section_table}}
    {{#section_plots}}<figure>{{{plot_svg}}}</figure>{{/section_plots}}
    {{#section_html}}<div class="card">{{{section_html}}}</div>{{/section_html}}
    {{#section_pager}}<nav class="pager">{{#pager_previous}}<a href="{{pager_previous}}" rel="prev">&larr; previous</a> {{/pager_previous}}<span>{{pager_label}}</span>{{#pager_next}} <a href="{{pager_next}}" rel="next">next &rarr;</a>{{/pager_next}}</nav>{{/section_pager}}
    </section>
    {{/page_sections}}
    </main>
    <footer>{{page_footer}}</footer>
    </body></html>

    """

    static let table = """
    <div class="table-wrap"><table>
    <thead><tr>{{#table_headers}}<th>{{> cell}}</th>{{/table_headers}}</tr></thead>
    <tbody>
    {{#table_rows}}<tr{{#row_class}} class="{{row_class}}"{{/row_class}}>{{#row_cells}}<td{{#cell_class}} class="{{cell_class}}"{{/cell_class}}>{{> cell}}</td>{{/row_cells}}</tr>
    {{/table_rows}}</tbody></table></div>
    """

    static let cell = "{{#cell_href}}<a href=\"{{cell_href}}\">{{cell_text}}</a>{{/cell_href}}{{^cell_href}}{{cell_text}}{{/cell_href}}"

    static let css = """
    body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
    header{display:flex;gap:1.5em;align-items:center;padding:.6em 1.5em;background:#1d2330;color:#fff}
    header a,header .brand{color:#fff;font-weight:700;text-decoration:none}
    header input{font:inherit;padding:.2em .4em}
    main{padding:1em 1.5em;max-width:1200px}
    h1{font-size:1.5em;margin:.3em 0}h2{font-size:1.15em;margin:1.2em 0 .4em}
    .subtitle{color:#556;margin:.2em 0 1em}
    .error{background:#fde8e8;border:1px solid #e0a0a0;padding:.5em .8em;color:#8a1010;white-space:pre-wrap}
    .note{color:#556}
    .table-wrap{overflow-x:auto}
    table{border-collapse:collapse;background:#fff;font-size:13px}
    th,td{border:1px solid #dde;padding:.25em .6em;text-align:left;vertical-align:top}
    th{background:#eef0f4}th a{color:inherit}
    td.num{text-align:right;font-variant-numeric:tabular-nums}td.better{color:#11602a}td.worse{color:#9a2a10}
    tr.added td{background:#e9f7ec}tr.removed td{background:#fbeaea}tr.changed td{background:#fff7e0}
    figure{display:inline-block;margin:0 1em 1em 0;border:1px solid #dde;background:#fff}
    svg.plot text{font:11px sans-serif;fill:#334}svg.plot .plot-title{font-weight:700}svg.plot .marker{fill:#c60}svg.plot .value{font-size:10px;fill:#1d4fa0}svg.plot .axis{fill:#667}
    .card{background:#fff;border:1px solid #dde;padding:.2em 1em;max-width:900px}
    .card pre{background:#f3f4f6;padding:.5em;overflow-x:auto}
    .pager{margin:.5em 0}
    footer{color:#889;font-size:12px;padding:1em 1.5em}
    @media print{header form{display:none}figure{break-inside:avoid}}
    """

    /// The templates, parsed once.
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        // The templates are constants of this file: a parse error is a bug caught by any test.
        for (name, text) in [("layout", layout), ("table", table), ("cell", cell)] {
            if let template = try? MustacheTemplate(string: text) { library.register(template, named: name) }
        }
        return library
    }()
}
