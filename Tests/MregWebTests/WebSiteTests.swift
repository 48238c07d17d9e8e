import Foundation
import MregRegistry
import MregStore
import MregSupport
import MregTestSupport
import Testing
@testable import MregWeb

@Suite struct WebSiteTests {
    @Test func modelsPageListsModelsAndSeesNewVersionsOnReload() throws {
        try WebFixture.with { f in
            try f.register("fraud", metrics: ["auc=0.91"])
            let first = f.get("/")
            #expect(first.status == 200)
            #expect(first.contentType.hasPrefix("text/html"))
            #expect(first.text.contains("href=\"/models/fraud\""))
            #expect(!first.text.contains("churn"))
            try f.register("churn", metrics: ["auc=0.7"])
            #expect(f.get("/").text.contains("href=\"/models/churn\""))
        }
    }

    @Test func modelPageHasPlotsStagesVersionsAndCard() throws {
        try WebFixture.with { f in
            let card = "---\nlicense: mit\n---\n# Fraud\n\nCatches **fraud**.\n\n<script>alert(1)</script>\n\n[x](javascript:alert(2))\n"
            try f.register("fraud", metrics: ["auc=0.90", "loss=0.5"], files: ["model.bin": "a", "README.md": card])
            try f.register("fraud", metrics: ["auc=0.93", "loss=0.4"], files: ["model.bin": "b", "README.md": card])
            try f.register("fraud", metrics: ["auc=0.95", "loss=0.3"], files: ["model.bin": "c", "README.md": card])
            try f.registry.promote(model: "fraud", version: 2, stage: "production", reason: "best so far")
            let page = f.get("/models/fraud")
            #expect(page.status == 200)
            let html = page.text
            #expect(html.components(separatedBy: "<svg").count - 1 == 2)  // auc and loss
            #expect(html.components(separatedBy: "<circle").count - 1 == 6)
            #expect(html.contains("class=\"stage-marker\""))
            #expect(html.contains("production v2"))
            #expect(html.contains("<strong>fraud</strong>"))
            #expect(!html.contains("<script>"))
            #expect(html.contains("&lt;script&gt;alert(1)"))
            #expect(!html.contains("href=\"javascript:"))
            #expect(html.contains("href=\"/models/fraud/versions/3\""))
            #expect(html.contains("best so far"))
        }
    }

    @Test func versionsSortByAMetric() throws {
        try WebFixture.with { f in
            try f.register("m", metrics: ["auc=0.5"])
            try f.register("m", metrics: ["auc=0.9"])
            try f.register("m", metrics: ["auc=0.7"])
            let html = f.get("/models/m?sort=metrics.auc&dir=asc").text
            let order = ["versions/1\"", "versions/3\"", "versions/2\""].map { html.range(of: $0)?.lowerBound }
            let found = try order.map { try #require($0) }
            #expect(found[0] < found[1] && found[1] < found[2])
        }
    }

    @Test func versionDiffAndLogPages() throws {
        try WebFixture.with { f in
            try f.register("m", metrics: ["auc=0.5"], params: ["lr=0.1"])
            try f.register("m", metrics: ["auc=0.75"], params: ["lr=0.2"], files: ["model.bin": "other"])
            try f.registry.promote(model: "m", version: 2, stage: "staging", reason: "looks <good>")
            let version = f.get("/models/m/versions/2")
            #expect(version.status == 200)
            #expect(version.text.contains("model.bin"))
            #expect(version.text.contains("lr"))
            #expect(f.get("/models/m/versions/staging").text.contains("m v2"))
            let diff = f.get("/models/m/diff/1/2")
            #expect(diff.status == 200)
            #expect(diff.text.contains("0.25"))
            #expect(diff.text.contains("class=\"changed\""))
            let log = f.get("/models/m/log")
            #expect(log.status == 200)
            #expect(log.text.contains("looks &lt;good&gt;"))
            #expect(log.text.contains("promote v2 to"))
        }
    }

    @Test func searchShowsResultsAndSyntaxErrorsWithTheirColumn() throws {
        try WebFixture.with { f in
            try f.register("a", metrics: ["auc=0.95"])
            try f.register("b", metrics: ["auc=0.5"])
            let hits = f.get("/search?q=metrics.auc+%3E%3D+0.9")
            #expect(hits.status == 200)
            #expect(hits.text.contains("href=\"/models/a/versions/1\""))
            #expect(!hits.text.contains("href=\"/models/b/versions/1\""))
            let bad = f.get("/search?q=metrics.auc+%3E%3D")
            #expect(bad.status == 400)
            #expect(bad.text.contains("column"))
            #expect(bad.text.contains("role=\"alert\""))
        }
    }

    @Test func unknownThingsAre404AndPathsCannotEscape() throws {
        try WebFixture.with { f in
            try f.register("m")
            #expect(f.get("/models/nope").status == 404)
            #expect(f.get("/models/m/versions/9").status == 404)
            #expect(f.get("/models/m/versions/no%20such").status == 404)
            #expect(f.get("/models/..%2F..%2Fetc").status == 404)
            #expect(f.get("/models/%2E%2E/log").status == 404)
            #expect(f.get("/../config").status == 404)
            #expect(f.get("/objects").status == 404)
            #expect(f.get("/nope/nope").status == 404)
            let api = f.get("/api/models/nope")
            #expect(api.status == 404)
            #expect(api.contentType == "application/json")
            #expect(try JSONValue.parse(api.text)["status"]?.intValue == 404)
        }
    }

    @Test func onlyGetAndHeadAreAnswered() throws {
        try WebFixture.with { f in
            let post = f.site.respond(method: "POST", target: "/")
            #expect(post.status == 405)
            #expect(post.headers["Allow"] == "GET, HEAD")
            #expect(f.site.respond(method: "DELETE", target: "/models/x").status == 405)
            #expect(f.site.respond(method: "HEAD", target: "/").status == 200)
        }
    }

    @Test func apiHasTheCommandLineShapes() throws {
        try WebFixture.with { f in
            try f.register("m", metrics: ["auc=0.9"])
            let models = try JSONValue.parse(f.get("/api/models").text)
            #expect(models.arrayValue?.first?["model"]?.stringValue == "m")
            #expect(models.arrayValue?.first?["latest"]?.intValue == 1)
            let versions = try JSONValue.parse(f.get("/api/models/m").text)
            #expect(versions.arrayValue?.first?["version"]?.intValue == 1)
            let show = try JSONValue.parse(f.get("/api/models/m/versions/1").text)
            #expect(show["metrics"]?["auc"]?.doubleValue == 0.9)
            #expect(show["manifest_id"]?.stringValue?.count == 64)
            let search = try JSONValue.parse(f.get("/api/search?q=metrics.auc%3E0.5").text)
            #expect(search.arrayValue?.count == 1)
            let bad = f.get("/api/search?q=metrics.auc%3E")
            #expect(bad.status == 400)
            #expect(try JSONValue.parse(bad.text)["error"]?.stringValue?.contains("column") == true)
        }
    }

    @Test func aDamagedModelShowsItsProblemAndOtherPagesWork() throws {
        try WebFixture.with { f in
            try f.register("good")
            try f.register("bad")
            let head = "\(f.registry.repository.root)/refs/models/bad/head"
            try Data("not an object id\n".utf8).write(to: URL(fileURLWithPath: head))
            let page = f.get("/models/bad")
            #expect(page.status == 500)
            #expect(page.text.contains("fsck"))
            let index = f.get("/")
            #expect(index.status == 200)
            #expect(index.text.contains("href=\"/models/good\""))
            #expect(index.text.contains("Damaged models"))
            #expect(f.get("/models/good").status == 200)
        }
    }

    @Test func aStoreThatDisappearsIsReported() throws {
        try WebFixture.with { f in
            try f.register("m")
            let site = f.site
            try FileManager.default.removeItem(atPath: f.registry.repository.root)
            let r = site.respond(method: "GET", target: "/")
            #expect(r.status == 503)
            #expect(r.text.contains("gone"))
        }
    }

    @Test func longTablesArePaged() throws {
        let site = WebSite(storeRoot: "/nonexistent")
        let request = try #require(WebSite.Request(target: "/search?q=x&page=2"))
        let (rows, pager) = site.paged(Array(0..<450), request, path: "/search", keeping: ["q"])
        #expect(rows.count == WebSite.rowsPerPage)
        #expect(rows.first == 200)
        let p = try #require(pager)
        #expect(p.previous == "/search?q=x&page=1")
        #expect(p.next == "/search?q=x&page=3")
        let (few, none) = site.paged(Array(0..<10), request, path: "/")
        #expect(few.count == 10)
        #expect(none == nil)
    }
}

/// The fixes of a new-user trial of the web view (issue 15): shared plot axes, signed deltas,
/// checked parameters, one wording for missing versions, report footers and the API's shapes.
@Suite struct WebTrialTests {
    /// The `cx` of each circle of the plot of `metric` in `html`.
    static func xs(_ html: String, metric: String) throws -> [Double] {
        let start = try #require(html.range(of: "data-metric=\"\(metric)\""))
        let end = try #require(html[start.upperBound...].range(of: "</svg>"))
        return MetricPlotTests.circleXs(String(html[start.upperBound..<end.lowerBound]))
    }

    @Test func theModelPagesPlotsShareOneVersionAxis() throws {
        try WebFixture.with { f in
            try f.register("m", metrics: ["auc=0.8", "f1=0.5"])
            try f.register("m", metrics: ["auc=0.85"])
            try f.register("m", metrics: ["auc=0.9", "f1=0.6"])
            let html = f.get("/models/m").text
            let auc = try Self.xs(html, metric: "auc"), f1 = try Self.xs(html, metric: "f1")
            #expect(auc.count == 3 && f1.count == 2)
            #expect(f1 == [auc[0], auc[2]], "v3 must sit at the same x in both plots")
        }
    }

    @Test func diffPagesShowSignedChanges() throws {
        try WebFixture.with { f in
            try f.register("m", metrics: ["auc=0.5", "loss=0.4"])
            try f.register("m", metrics: ["auc=0.75", "loss=0.3"], files: ["model.bin": "other"])
            let html = f.get("/models/m/diff/1/2").text
            #expect(html.contains("+0.25 ▲"))
            #expect(html.contains("-0.1 ▼"))
            let diff = try f.registry.diff("m@1", "m@2")
            let report = HTMLReport.diff(diff, store: f.dir, environment: ["MREG_NOW": "2026-03-01T12:00:00Z"])
            #expect(report.contains("+0.25 ▲") && report.contains("-0.1 ▼"))
            #expect(report.contains("generated 2026-03-01 12:00:00 UTC") && report.contains(f.dir))
        }
    }

    @Test func aBadValueOfAKnownParameterIsA400NamingIt() throws {
        try WebFixture.with { f in
            try f.register("m", metrics: ["auc=0.5"])
            try f.register("m", metrics: ["auc=0.6"])
            let sort = f.get("/models/m?sort=bogus")
            #expect(sort.status == 400)
            #expect(sort.text.contains("?sort=bogus") && sort.text.contains("metrics.auc"))
            #expect(f.get("/models/m?sort=metrics.auc&dir=up").status == 400)
            let page = f.get("/models/m?page=x")
            #expect(page.status == 400 && page.text.contains("?page=x"))
            #expect(f.get("/models/m/diff/1/2?all=yes").status == 400)
            #expect(f.get("/search?q=&page=0").status == 400)
            let limit = f.get("/api/search?q=&limit=ten")
            #expect(limit.status == 400)
            #expect(try JSONValue.parse(limit.text)["error"]?.stringValue?.contains("?limit=ten") == true)
            // Unknown parameters are ignored; good values still work.
            #expect(f.get("/models/m?n=2").status == 200)
            #expect(f.get("/models/m?sort=metrics.auc&dir=asc&page=1").status == 200)
        }
    }

    @Test func aMissingVersionNumberIsWordedOneWay() throws {
        try WebFixture.with { f in
            try f.register("m", files: ["model.bin": "a"])
            try f.register("m", files: ["model.bin": "b"])
            let zero = f.get("/models/m/versions/0"), high = f.get("/models/m/versions/99")
            #expect(zero.status == 404 && high.status == 404)
            #expect(zero.text.contains("m has no version 0 (latest: v2)"), "\(zero.text)")
            #expect(high.text.contains("m has no version 99 (latest: v2)"))
            let api = try JSONValue.parse(f.get("/api/models/m/versions/v0").text)
            #expect(api["error"]?.stringValue == "m has no version 0 (latest: v2)")
        }
    }

    @Test func reportsSayWhenAndFromWhichStoreAndTablesHaveNoEmptyHeader() throws {
        try WebFixture.with { f in
            try f.register("m", metrics: ["auc=0.5"])
            try f.register("m", metrics: ["auc=0.6"])
            let report = try HTMLReport.model(f.registry, model: "m", environment: ["MREG_NOW": "2026-03-01T12:00:00Z"])
            #expect(report.contains("generated 2026-03-01 12:00:00 UTC"))
            #expect(report.contains("from the store in \(f.registry.repository.workTree)"))
            #expect(!f.get("/models/m").text.contains("<th></th>"))
        }
    }

    @Test func writingAReportIntoAMissingFolderNamesTheFolder() throws {
        try withTemporaryDirectory(prefix: "mreg-web-out") { dir in
            let path = "\(dir)/missing/r.html"
            let error = #expect(throws: RegistryError.self) { try HTMLReport.write("<p>x</p>", to: path) }
            let text = "\(error.map { "\($0)" } ?? "")"
            #expect(text.contains("the folder \(dir)/missing does not exist") && text.contains("mkdir -p"), "\(text)")
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/missing"))
            try HTMLReport.write("<p>x</p>", to: "\(dir)/r.html")
            #expect(try String(contentsOfFile: "\(dir)/r.html", encoding: .utf8) == "<p>x</p>")
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["r.html"])
            #expect(throws: RegistryError.self) { try HTMLReport.write("<p>y</p>", to: dir) }
        }
    }

    @Test func theAPIHasMetricsPerVersionAndApprovals() throws {
        try WebFixture.with { f in
            try f.register("m", metrics: ["auc=0.9"], params: ["lr=0.1"])
            let versions = try JSONValue.parse(f.get("/api/models/m").text)
            let first = try #require(versions.arrayValue?.first)
            #expect(first["metrics"]?["auc"]?.doubleValue == 0.9)
            #expect(first["params"]?["lr"]?.doubleValue == 0.1)
            #expect(first["manifest"]?.stringValue?.count == 64 && first["registered_by"] != nil)
            let show = try JSONValue.parse(f.get("/api/models/m/versions/1").text)
            #expect(show["approvals"]?.arrayValue?.isEmpty == true)
        }
    }
}
