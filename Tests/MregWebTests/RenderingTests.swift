import Testing
@testable import MregWeb

@Suite struct RenderingTests {
    @Test func cardMarkdownCannotInjectMarkup() {
        let html = CardRenderer.html(markdown: """
        # Title

        <script>alert(1)</script>

        <img src=x onerror=alert(1)>

        [ok](https://example.com/a) [bad](javascript:alert(1)) [quote](x" onclick="alert(1))

        ![pixel](https://tracker.example/p.png)

        ```
        <b>code</b>
        ```
        """)
        #expect(html.contains("<h1>Title</h1>"))
        #expect(!html.contains("<script"))
        #expect(!html.contains("<img"))
        #expect(!html.contains("onclick=\""))
        #expect(!html.contains("href=\"javascript"))
        #expect(html.contains("<a href=\"https://example.com/a\">ok</a>"))
        #expect(html.contains("&lt;b&gt;code&lt;/b&gt;"))
        #expect(html.contains("<code>![pixel](https://tracker.example/p.png)</code>"))
        #expect(html.contains("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"))
    }

    @Test func frontMatterIsDropped() {
        let html = CardRenderer.html(markdown: "---\nlicense: mit\n---\nHello")
        #expect(!html.contains("license"))
        #expect(html.contains("Hello"))
    }

    @Test func sanitizerKeepsOnlyAllowedTagsAndAttributes() {
        #expect(HTMLSanitizer.sanitize("<p>a</p>") == "<p>a</p>")
        #expect(HTMLSanitizer.sanitize("<p onclick=\"x\">a</p>") == "<p>a</p>")
        #expect(HTMLSanitizer.sanitize("<a href=\"x\" onclick=\"y\">a</a>") == "<a href=\"x\">a</a>")
        #expect(HTMLSanitizer.sanitize("<p onclick=x>a</p>") == "&lt;p onclick=x>a</p>")
        #expect(HTMLSanitizer.sanitize("<iframe src=\"x\">") == "&lt;iframe src=\"x\">")
        #expect(HTMLSanitizer.sanitize("<a href=\"data:text/html,x\">a</a>") == "<a>a</a>")
        #expect(HTMLSanitizer.sanitize("<td align=\"left\">1</td>") == "<td align=\"left\">1</td>")
    }

    @Test func plotsHaveAPointPerVersionAndEscapeNames() {
        let plot = MetricPlot(metric: "a<b", points: [.init(version: 1, value: 0.5), .init(version: 2, value: 0.7), .init(version: 3, value: .nan)],
                              markers: [.init(version: 2, stage: "prod")])
        let svg = plot.svg
        #expect(svg.hasPrefix("<svg"))
        #expect(svg.components(separatedBy: "<circle").count - 1 == 2)
        #expect(svg.contains("a&lt;b"))
        #expect(!svg.contains("a<b"))
        #expect(svg.contains("prod v2"))
        #expect(MetricPlot(metric: "x", points: []).svg.contains("no values"))
    }

    @Test func pagesEscapeEveryText() {
        var page = WebPage(title: "<t>", heading: "\"h\"", error: "<e>")
        page.sections = [WebPage.Section(title: "<s>", table: WebPage.Table(headers: [WebPage.Cell("<h>")], rows: [[WebPage.Cell("<c>", href: "/a\"b")]]))]
        let html = page.render()
        #expect(html.contains("&lt;t&gt;"))
        #expect(html.contains("&quot;h&quot;"))
        #expect(html.contains("&lt;c&gt;"))
        #expect(html.contains("href=\"/a&quot;b\""))
        #expect(!html.contains("<c>") && !html.contains("<e>") && !html.contains("<s>"))
        page.served = false
        let report = page.render()
        #expect(!report.contains("href=\"/a"))
        #expect(!report.contains("<form"))
    }

    @Test func requestTargetsAreDecodedSegmentBySegment() throws {
        let r = try #require(WebSite.Request(target: "/models/a%2Db/versions/3?q=a+b%3D1&page=x"))
        #expect(r.segments == ["models", "a-b", "versions", "3"])
        #expect(r.query["q"] == "a b=1")
        #expect(r.page == 1)
        #expect(WebSite.Request(target: "/models/%2F") == nil)
        #expect(WebSite.Request(target: "/models/%ZZ") == nil)
        #expect(WebSite.Request(target: "/a/../b") == nil)
    }
}
