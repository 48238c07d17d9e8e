import Foundation
import MregTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `mreg serve`, `mreg report` and `mreg diff --html`: real HTTP on loopback, and pages loaded in
/// headless Chromium where it is installed (`.ci/run` installs it; locally the browser tests are
/// skipped with a message when it is absent).
@Suite struct WebViewTests {
    /// fraud v1…v4 (auc rising, loss falling, a README.md card), v2 in staging, v3 in production; churn v1.
    static func store(_ mreg: MregRunner, _ dir: String) throws {
        let card = "---\nlicense: apache-2.0\ntags: [fraud]\n---\n# Fraud detector\n\nGradient-boosted trees over **card transactions**.\n\n"
            + "| split | rows |\n|---|---|\n| train | 1.2M |\n| test | 300K |\n\n<script>document.title='owned'</script>\n"
        let metrics: [(String, String)] = [("0.86", "0.41"), ("0.90", "0.35"), ("0.93", "0.31"), ("0.92", "0.29")]
        for (i, m) in metrics.enumerated() {
            try FileManager.default.createDirectory(atPath: "\(dir)/fraud", withIntermediateDirectories: true)
            try writeFile("\(dir)/fraud/model.bin", "weights \(i)")
            try writeFile("\(dir)/fraud/README.md", card)
            try mreg.run(["register", "fraud", "fraud", "-M", "auc=\(m.0)", "-M", "loss=\(m.1)", "-p", "lr=0.0\(i + 1)",
                          "-m", "training run \(i + 1)"], cwd: dir).succeeded()
        }
        try mreg.run(["promote", "fraud@2", "staging", "--reason", "first candidate"], cwd: dir).succeeded()
        try mreg.run(["promote", "fraud@3", "production", "--reason", "beats v2 on auc"], cwd: dir).succeeded()
        try writeFile("\(dir)/churn.bin", "churn")
        try mreg.run(["register", "churn", "churn.bin", "-M", "auc=0.8"], cwd: dir).succeeded()
    }

    /// Runs `body` with `mreg serve` listening on a free loopback port; stops it afterwards.
    static func serving<R>(_ mreg: MregRunner, _ dir: String, _ body: (UInt16) throws -> R) throws -> R {
        let port = try HTTPProbe.freePort()
        let server = try mreg.start(["serve", "--port", String(port)], cwd: dir)
        defer {
            kill(server.pid, SIGTERM)
            _ = server.wait()
        }
        try HTTPProbe.waitUntilServing(port: port, server: server)
        return try body(port)
    }

    @Test func serveAnswersPagesAndJSONAndRefusesWrites() throws {
        try withStore { mreg, dir in
            try Self.store(mreg, dir)
            try Self.serving(mreg, dir) { port in
                let index = try HTTPProbe.request(port: port, path: "/")
                #expect(index.status == 200)
                #expect(index.header("Content-Type")?.hasPrefix("text/html") == true)
                #expect(index.body.contains("href=\"/models/fraud\"") && index.body.contains("href=\"/models/churn\""))
                let model = try HTTPProbe.request(port: port, path: "/models/fraud")
                #expect(model.status == 200)
                #expect(model.body.contains("<svg") && !model.body.contains("<script>"))
                let head = try HTTPProbe.request(port: port, method: "HEAD", path: "/models/fraud")
                #expect(head.status == 200 && head.body.isEmpty)
                #expect(head.header("Content-Length") == String(model.body.utf8.count))
                #expect(try HTTPProbe.request(port: port, method: "POST", path: "/").status == 405)
                #expect(try HTTPProbe.request(port: port, method: "PUT", path: "/models/fraud").status == 405)
                #expect(try HTTPProbe.request(port: port, path: "/models/nope").status == 404)
                #expect(try HTTPProbe.request(port: port, path: "/models/fraud/versions/99").status == 404)
                #expect(try HTTPProbe.request(port: port, path: "/%2E%2E/%2E%2E/etc/passwd").status == 404)
                let api = try HTTPProbe.request(port: port, path: "/api/models/fraud/versions/production")
                #expect(api.header("Content-Type") == "application/json")
                #expect(api.body.contains("\"version\" : 3") || api.body.contains("\"version\": 3"))
                let search = try HTTPProbe.request(port: port, path: "/search?q=metrics.auc+%3E%3D")
                #expect(search.status == 400 && search.body.contains("column"))
                // Read per request: a version registered meanwhile shows up on reload.
                try writeFile("\(dir)/new.bin", "new")
                try mreg.run(["register", "brandnew", "new.bin"], cwd: dir).succeeded()
                #expect(try HTTPProbe.request(port: port, path: "/").body.contains("href=\"/models/brandnew\""))
            }
        }
    }

    /// A JSON document of an API endpoint or a command's `--json`, keys sorted (to compare two).
    static func json(_ text: String) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: try parsed(text), options: [.sortedKeys, .fragmentsAllowed]), as: UTF8.self)
    }

    static func parsed(_ text: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
    }

    @Test func theAPIGivesTheCommandsJSON() throws {
        try withStore { mreg, dir in
            try Self.store(mreg, dir)
            try Self.serving(mreg, dir) { port in
                func get(_ path: String) throws -> String {
                    let r = try HTTPProbe.request(port: port, path: path)
                    #expect(r.status == 200, "\(path): \(r.body)")
                    return r.body
                }
                func api(_ path: String) throws -> String { try Self.json(try get(path)) }
                func cli(_ args: [String]) throws -> String { try Self.json(try mreg.run(args + ["--json"], cwd: dir).succeeded().stdout) }
                #expect(try api("/api/models") == cli(["list"]))
                #expect(try api("/api/models/fraud/versions/3") == cli(["show", "fraud@3"]))
                #expect(try api("/api/models/fraud/log") == cli(["log", "fraud"]))
                #expect(try api("/api/models/fraud/diff/1/3") == cli(["diff", "fraud@1", "fraud@3"]))
                #expect(try api("/api/search?q=metrics.auc+%3E+0.85") == cli(["search", "metrics.auc > 0.85"]))
                // list NAME --json, each version with its params and metrics too.
                let versions = try #require(try Self.parsed(try get("/api/models/fraud")) as? [[String: Any]])
                let listed = try #require(try Self.parsed(try mreg.run(["list", "fraud", "--json"], cwd: dir).succeeded().stdout) as? [[String: Any]])
                #expect(versions.count == 4 && listed.count == 4)
                for (v, l) in zip(versions, listed) {
                    #expect(Set(v.keys) == Set(l.keys).union(["params", "metrics"]))
                    var common = v
                    common["params"] = nil
                    common["metrics"] = nil
                    let a = try JSONSerialization.data(withJSONObject: common, options: [.sortedKeys])
                    let b = try JSONSerialization.data(withJSONObject: l, options: [.sortedKeys])
                    #expect(a == b)
                }
                #expect((versions.first?["metrics"] as? [String: Any])?["auc"] as? Double == 0.92)
            }
        }
    }

    @Test func aPortInUseOrABadHostIsAClearError() throws {
        try withStore { mreg, dir in
            try Self.serving(mreg, dir) { port in
                let second = try mreg.run(["serve", "--port", String(port)], cwd: dir)
                #expect(second.status == 5, "\(second)")
                #expect(second.stderrIsOneLine && second.stderr.contains("in use") && second.stderr.contains("--port"))
                // Off loopback the warning comes only once the address is bound: here just the error.
                let open = try mreg.run(["serve", "--host", "0.0.0.0", "--port", String(port)], cwd: dir)
                #expect(open.status == 5 && open.stderrIsOneLine && !open.stderr.contains("warning"), "\(open)")
            }
            // An address that is not this machine's: one line, no warning about serving.
            let foreign = try mreg.run(["serve", "--host", "10.255.255.1", "--port", "0"], cwd: dir)
            #expect(foreign.status == 5 && foreign.stderrIsOneLine, "\(foreign)")
            #expect(foreign.stderr.contains("not an address of this machine") && !foreign.stderr.contains("warning"))
            let bad = try mreg.run(["serve", "--host", "example.com"], cwd: dir)
            #expect(bad.status == 64 && bad.stderr.contains("--host"))
        }
    }

    @Test func reportAndHTMLDiffAreSelfContainedFiles() throws {
        try withStore { mreg, dir in
            try Self.store(mreg, dir)
            try mreg.run(["report", "fraud", "-o", "fraud.html"], cwd: dir).succeeded()
            let report = try String(contentsOfFile: "\(dir)/fraud.html", encoding: .utf8)
            #expect(report.contains("<svg") && report.contains("<style>"))
            #expect(!report.contains("<script") && !report.contains(" src=") && !report.contains("href=\"/"))
            let outside = report.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "")
            #expect(!outside.contains("http://") && !outside.contains("https://"))
            let ranged = try mreg.run(["report", "fraud", "--versions", "2..3"], cwd: dir).succeeded().stdout
            #expect(ranged.contains("v2…v3") && ranged.components(separatedBy: "<circle").count - 1 == 4)
            #expect(try mreg.run(["report", "fraud", "--versions", "3-4"], cwd: dir).status == 64)
            #expect(try mreg.run(["report", "nope"], cwd: dir).status == 2)
            let wroteDiff = try mreg.run(["diff", "fraud@1", "fraud@3", "--html", "-o", "diff.html"], cwd: dir).succeeded()
            let diff = try String(contentsOfFile: "\(dir)/diff.html", encoding: .utf8)
            #expect(diff.contains("fraud@v1 → fraud@v3") && diff.contains("auc") && !diff.contains("<script"))
            // Signed changes, and -o says what it wrote as report -o does.
            #expect(diff.contains("+0.07 ▲") && diff.contains("-0.1 ▼"))
            #expect(wroteDiff.stderr == "Wrote diff.html (\(diff.utf8.count) bytes)\n", "\(wroteDiff)")
            let wroteReport = try mreg.run(["report", "fraud", "-o", "again.html"], cwd: dir, env: ["MREG_NOW": "2026-03-01T12:00:00Z"]).succeeded()
            #expect(wroteReport.stderr.hasPrefix("Wrote again.html ("))
            let again = try String(contentsOfFile: "\(dir)/again.html", encoding: .utf8)
            #expect(again.contains("generated 2026-03-01 12:00:00 UTC"))
            // A folder that does not exist: one line naming it and what to do, nothing written.
            let missing = try mreg.run(["report", "fraud", "-o", "/nonexistent/dir/r.html"], cwd: dir)
            #expect(missing.status == 5 && missing.stderrIsOneLine, "\(missing)")
            #expect(missing.stderr.contains("the folder /nonexistent/dir does not exist") && missing.stderr.contains("mkdir -p"))
            #expect(try mreg.run(["diff", "fraud@1", "fraud@3", "--html", "--json"], cwd: dir).status == 64)
        }
    }

    @Test(.enabled(if: Browser.path != nil, "chromium is not installed: apt-get install chromium (.ci/run does)"))
    func theModelPageRendersInChromium() throws {
        try withStore { mreg, dir in
            try Self.store(mreg, dir)
            try Self.serving(mreg, dir) { port in
                let url = "http://127.0.0.1:\(port)/models/fraud"
                let dom = try Browser.run(["--dump-dom"], url, home: mreg.home).succeeded().stdout
                #expect(dom.contains("<h1>fraud</h1>"))
                #expect(dom.components(separatedBy: "<svg").count - 1 == 2)  // auc, loss
                #expect(dom.components(separatedBy: "<circle").count - 1 == 8)
                // Values written beside the points, labelled ticks, one label per promoted version.
                #expect(dom.components(separatedBy: "class=\"value\"").count - 1 == 8)
                #expect(dom.contains("class=\"axis y-tick\"") && dom.contains(">v4</text>"))
                #expect(dom.contains(">staging v2</text>") && dom.contains(">production v3</text>"))
                // The card rendered, its <script> shown as text: the title is still the page's.
                #expect(dom.contains("Fraud detector") && dom.contains("<title>fraud · mreg</title>") && !dom.contains("<script"))
                let shot = "\(mreg.home)/model-page.png"
                try Browser.run(["--screenshot=\(shot)", "--window-size=1280,1700", "--hide-scrollbars"], url, home: mreg.home).succeeded()
                let size = (try FileManager.default.attributesOfItem(atPath: shot)[.size] as? Int) ?? 0
                #expect(size > 30_000, "a blank page would be a few KiB; got \(size) bytes")
                if ProcessInfo.processInfo.environment["MREG_UPDATE_SCREENSHOT"] == "1" {
                    let target = "\(MregRunner.packageRoot)/Docs/web-model-page.png"
                    try? FileManager.default.removeItem(atPath: target)
                    try FileManager.default.copyItem(atPath: shot, toPath: target)
                }
            }
        }
    }

    @Test(.enabled(if: Browser.path != nil, "chromium is not installed: apt-get install chromium (.ci/run does)"))
    func aReportRendersInChromiumWithoutAServer() throws {
        try withStore { mreg, dir in
            try Self.store(mreg, dir)
            try mreg.run(["report", "fraud", "-o", "fraud.html"], cwd: dir).succeeded()
            let dom = try Browser.run(["--dump-dom"], "file://\(dir)/fraud.html", home: mreg.home).succeeded().stdout
            #expect(dom.contains("<h1>fraud</h1>") && dom.contains("<svg") && dom.contains("<circle"))
        }
    }
}
