import Foundation
import MregTestSupport
import Testing

/// `mreg audit`: the report for auditors in every format, with good, bad, unknown-key and expired signatures.
@Suite("E2E 32: audit report")
struct AuditE2E {
    static let python = which("python3")

    /// A store with six fraud events and one churn event:
    /// #1 register v1 (Jan), #2 promote v1 staging signed by Ada (Feb, good), #3 promote v1 production signed
    /// by Eve, no longer an allowed signer (Feb, unknown key), #4 register v2 (Apr), #5 promote v2 staging
    /// signed by Ada after her key expired (Apr, expired), #6 promote v2 production signed by Ada, then its
    /// reason altered (Apr, bad).
    static func signedHistory(_ mreg: MregRunner, _ dir: String) throws {
        let ada = try GovernanceE2E.keygen(mreg, dir, "ada")
        let eve = try GovernanceE2E.keygen(mreg, dir, "eve")
        let allowed = "\(dir)/.mreg/allowed_signers"
        try writeFile(allowed, "ada@example.com \(ada)eve@example.com \(eve)")
        try writeFile("\(dir)/.mreg/policy.toml", "[signing]\nallowed_signers = \"allowed_signers\"\n")
        func at(_ time: String, as email: String = "ada@example.com", _ args: [String]) throws {
            if let key = ["ada@example.com": "ada", "eve@example.com": "eve"][email] {
                try mreg.run(["config", "user.signingKey", "\(dir)/\(key)"], cwd: dir).succeeded()
            }
            try mreg.run(args, cwd: dir, env: ["MREG_NOW": time, "MREG_USER_EMAIL": email]).succeeded()
        }
        try writeFile("\(dir)/m1/model.bin", randomBytes(3000, seed: 1))
        try writeFile("\(dir)/train.csv", "a,b\n1,2\n")
        try at("2026-01-10T09:00:00Z", ["register", "fraud", "m1", "-M", "auc=0.93", "-M", "latency_ms=40", "--dataset", "train=train.csv"])
        try at("2026-02-01T09:00:00Z", ["promote", "fraud@1", "staging", "--sign", "--reason", "offline eval"])
        try at("2026-02-15T09:00:00Z", as: "eve@example.com", ["promote", "fraud@1", "production", "--sign", "--reason", "=cmd|' /C calc'!A0"])
        try writeFile("\(dir)/m2/model.bin", randomBytes(3000, seed: 2))
        try at("2026-04-01T09:00:00Z", ["register", "fraud", "m2", "-M", "auc=0.95"])
        try at("2026-04-02T09:00:00Z", ["promote", "fraud@2", "staging", "--sign", "--reason", "<script>alert(1)</script>"])
        try at("2026-04-03T09:00:00Z", ["promote", "fraud@2", "production", "--sign", "--reason", "shadow test"])
        try writeFile("\(dir)/c1/model.bin", randomBytes(100, seed: 3))
        try at("2026-02-20T09:00:00Z", ["register", "churn", "c1"])
        // Alter the signed head event of fraud (its signature no longer matches).
        let head = try #require(GovernanceE2E.events(mreg, dir)[6])
        let forged = try GovernanceE2E.forge(mreg, dir, head, ["reason": "rubber-stamped"])
        try mreg.run(["update-ref", "refs/models/fraud/head", forged, head], cwd: dir).succeeded()
        // Eve is no longer an allowed signer; Ada's key expired on March 15th.
        try writeFile(allowed, "ada@example.com valid-before=\"20260315\" \(ada)")
    }

    /// Parses CSV with Python's csv module: the rows as lists of cells.
    static func parseCSV(_ mreg: MregRunner, _ csv: [UInt8]) throws -> [[String]] {
        let python = try #require(Self.python)
        let script = "import csv, io, json, sys\nprint(json.dumps(list(csv.reader(io.StringIO(sys.stdin.read(), newline='')))))"
        let out = try mreg.runProgram(python, ["-c", script], stdin: csv).succeeded()
        return try #require(try JSONSerialization.jsonObject(with: Data(out.stdoutBytes)) as? [[String]])
    }

    static let signatures = ["", "good", "unknown key", "", "expired", "bad"]

    @Test(.enabled(if: Tools.sshKeygen != nil && python != nil, "needs ssh-keygen and python3"))
    func csvIsRFC4180WithEverySignatureStatus() throws {
        try withStore { mreg, dir in
            try Self.signedHistory(mreg, dir)
            let before = snapshot("\(dir)/.mreg")
            let r = try mreg.run(["audit", "fraud", "--format", "csv"], cwd: dir)
            #expect(r.status == 1 && r.stderrIsOneLine && r.stderr.contains("verification failed"), "\(r)")
            #expect(differences(before, snapshot("\(dir)/.mreg")).isEmpty, "audit writes nothing (no checkpoint either)")
            let all = try Self.parseCSV(mreg, r.stdoutBytes)
            // One table: the header row first (csv.DictReader and spreadsheets read it as is).
            #expect(!all.contains([]), "no empty row: nothing but the table")
            let rows = all
            let header = try #require(rows.first)
            #expect(header == ["time", "model", "version", "action", "stage", "tag", "actor", "signer", "signature", "reason",
                               "verdict", "approvals", "manifest", "weights_digest", "datasets", "metrics", "policy", "violations"])
            let body = rows.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
            #expect(body.count == 6)
            #expect(body.map { $0["signature"] ?? "?" } == Self.signatures)
            #expect(body.map { $0["action"] ?? "?" } == ["register", "promote", "promote", "register", "promote", "promote"])
            #expect(body[2]["signer"] == "eve@example.com" && body[2]["reason"] == "'=cmd|' /C calc'!A0", "formula defused")
            #expect(body[5]["reason"] == "rubber-stamped" && body[1]["stage"] == "staging" && body[1]["version"] == "1")
            #expect(body[0]["metrics"] == "auc=0.93; latency_ms=40" && body[0]["datasets"]?.hasPrefix("train sha256:") == true)
            #expect(body[1]["manifest"] == body[0]["manifest"] && body[1]["weights_digest"]?.hasPrefix("sha256:") == true)
            #expect(body[4]["weights_digest"] != body[1]["weights_digest"])
            #expect(body.allSatisfy { $0["model"] == "fraud" }, "the model filter")
        }
    }

    @Test(.enabled(if: Tools.sshKeygen != nil && python != nil, "needs ssh-keygen and python3"))
    func jsonFollowsTheDocumentedSchema() throws {
        try withStore { mreg, dir in
            try Self.signedHistory(mreg, dir)
            let r = try mreg.run(["audit", "--format", "json"], cwd: dir)
            #expect(r.status == 1, "\(r)")
            let schema = MregRunner.packageRoot + "/Docs/audit-report.schema.json"
            let script = """
            import json, sys
            report = json.load(sys.stdin)
            try:
                import jsonschema
            except ImportError:
                print("no jsonschema"); sys.exit(0)
            jsonschema.validate(report, json.load(open(sys.argv[1])))
            print("valid")
            """
            let checked = try mreg.runProgram(try #require(Self.python), ["-c", script, schema], stdin: r.stdoutBytes)
            #expect(checked.status == 0 && ["valid", "no jsonschema"].contains(checked.output), "\(checked)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdoutBytes)) as? [String: Any])
            let rows = try #require(json["rows"] as? [[String: Any]])
            #expect(rows.count == 7 && rows.filter { $0["model"] as? String == "churn" }.count == 1)
            #expect(rows.filter { $0["model"] as? String == "fraud" }.map { $0["signature"] as? String ?? "" } == Self.signatures)
            let verification = try #require(json["verification"] as? [String: Any])
            #expect(verification["ok"] as? Bool == false)
            #expect((json["signatures"] as? [String: Int]) == ["good": 1, "bad": 1, "unknown_key": 1, "expired": 1])
            #expect((json["policy"] as? [String: Any])?["digest"] as? String != nil)
            let fraud = rows.filter { $0["model"] as? String == "fraud" }
            #expect((fraud[1]["verdict"] as? [String: Any])?["governed"] as? Bool == false && (fraud[0]["metrics"] as? [String: Any])?["auc"] as? Double == 0.93)
            #expect(rows.first?["model"] as? String == "churn", "models in name order")
        }
    }

    @Test(.enabled(if: Tools.sshKeygen != nil && python != nil, "needs ssh-keygen and python3"))
    func htmlIsOneSelfContainedPageAndMarkdownATable() throws {
        try withStore { mreg, dir in
            try Self.signedHistory(mreg, dir)
            let r = try mreg.run(["audit", "fraud", "--format", "html"], cwd: dir)
            #expect(r.status == 1, "\(r)")
            let script = """
            import json, sys
            from html.parser import HTMLParser
            class P(HTMLParser):
                def __init__(self):
                    super().__init__(); self.rows = []; self.row = None; self.cell = None; self.tags = set(); self.links = []
                def handle_starttag(self, tag, attrs):
                    self.tags.add(tag)
                    self.links += [v for k, v in attrs if k in ("src", "href")]
                    if tag == "tr": self.row = []
                    if tag in ("td", "th"): self.cell = ""
                def handle_endtag(self, tag):
                    if tag in ("td", "th"): self.row.append(self.cell); self.cell = None
                    if tag == "tr": self.rows.append(self.row); self.row = None
                def handle_data(self, data):
                    if self.cell is not None: self.cell += data
            p = P(); p.feed(sys.stdin.read()); p.close()
            print(json.dumps({"rows": p.rows, "tags": sorted(p.tags), "links": p.links}))
            """
            let out = try mreg.runProgram(try #require(Self.python), ["-c", script], stdin: r.stdoutBytes).succeeded()
            let parsed = try #require(try JSONSerialization.jsonObject(with: Data(out.stdoutBytes)) as? [String: Any])
            let rows = try #require(parsed["rows"] as? [[String]])
            let tags = try #require(parsed["tags"] as? [String])
            #expect(rows.count == 7 && rows[0].first == "time")
            #expect(rows.dropFirst().map { $0[8] } == Self.signatures)
            #expect(rows[5][9] == "<script>alert(1)</script>", "shown as text, not run")
            #expect(!tags.contains("script") && !tags.contains("link") && !tags.contains("img") && tags.contains("style"))
            #expect((parsed["links"] as? [Any])?.isEmpty == true, "nothing fetched")
            #expect(r.stdout.contains("@media print") && r.stdout.contains("Chain verification"))

            let md = try mreg.run(["audit", "fraud", "--format", "md"], cwd: dir)
            let table = md.lines.filter { $0.hasPrefix("| ") }
            #expect(table.count == 8 && table[0].hasPrefix("| time | model | version | action |"), "\(md)")
            #expect(table[6].contains("\\<script\\>") && table[4].contains("unknown key"))
            #expect(md.stdout.contains("**Chain verification:** FAILED"))
        }
    }

    @Test(.enabled(if: Tools.sshKeygen != nil, "needs ssh-keygen"))
    func textPeriodsOutputFilesAndUnknownModels() throws {
        try withStore { mreg, dir in
            try Self.signedHistory(mreg, dir)
            let text = try mreg.run(["audit", "fraud"], cwd: dir)
            #expect(text.status == 1 && text.stdout.contains("Policy digest: sha256:"), "\(text)")
            let table = text.lines.drop { !$0.hasPrefix("TIME") }
            #expect(table.count == 7)
            let signatureColumn = try #require(table.first?.range(of: "SIGNATURE")).lowerBound
            let offset = try #require(table.first).distance(from: try #require(table.first).startIndex, to: signatureColumn)
            let cells = table.dropFirst().map { String($0.dropFirst(offset).prefix(11)) }
            #expect(cells == ["           ", "good       ", "unknown key", "           ", "expired    ", "bad        "], "aligned columns")
            #expect(table.contains { $0.contains("unknown key") } && table.contains { $0.contains("expired") })
            #expect(text.lines.allSatisfy { !$0.hasSuffix(" ") }, "no trailing blanks")

            // February only, inclusive: #2 and #3 of fraud, and churn's registration.
            let feb = try mreg.run(["audit", "--since", "2026-02", "--until", "2026-02", "--format", "json"], cwd: dir)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(feb.stdoutBytes)) as? [String: Any])
            let rows = try #require(json["rows"] as? [[String: Any]])
            #expect(rows.map { "\($0["model"] ?? "")#\($0["seq"] ?? "")" } == ["churn#1", "fraud#2", "fraud#3"])
            #expect(json["since"] as? String == "2026-02-01T00:00:00Z")
            let bad = try mreg.run(["audit", "--since", "2026-03", "--until", "2026-02"], cwd: dir)
            #expect(bad.status == 64 && bad.stderrIsOneLine && bad.stderr.contains("usage: mreg audit"), "\(bad)")
            let badDate = try mreg.run(["audit", "--since", "yesterday-ish"], cwd: dir)
            #expect(badDate.status == 64 && badDate.stderrIsOneLine && badDate.stderr.contains("--since"), "\(badDate)")

            // -o: written whole, by rename; the same bytes as standard output.
            let at: [String: String?] = ["MREG_NOW": "2026-06-01T00:00:00Z"]
            let csv = try mreg.run(["audit", "churn", "--format", "csv"], cwd: dir, env: at).succeeded()
            let written = try mreg.run(["audit", "churn", "--format", "csv", "-o", "out/report.csv"], cwd: dir, env: at)
            #expect(written.status == 5 && written.stderrIsOneLine && !FileManager.default.fileExists(atPath: "\(dir)/out"), "\(written)")
            try FileManager.default.createDirectory(atPath: "\(dir)/out", withIntermediateDirectories: true)
            try writeFile("\(dir)/out/report.csv", "old")
            let ok = try mreg.run(["audit", "churn", "--format", "csv", "-o", "out/report.csv"], cwd: dir, env: at).succeeded()
            #expect(ok.stdout.contains("1 event") && ok.stdout.contains("out/report.csv"))
            #expect(try readFile("\(dir)/out/report.csv") == csv.stdoutBytes)
            #expect(try FileManager.default.contentsOfDirectory(atPath: "\(dir)/out") == ["report.csv"], "no temporary file left")
            // Without --format, the extension names it (a trial wrote text into report.csv).
            try mreg.run(["audit", "churn", "-o", "out/by-extension.csv"], cwd: dir, env: at).succeeded()
            #expect(try readFile("\(dir)/out/by-extension.csv") == csv.stdoutBytes)
            try FileManager.default.removeItem(atPath: "\(dir)/out/by-extension.csv")
            let folder = try mreg.run(["audit", "-o", "out"], cwd: dir)
            #expect(folder.status == 64 && folder.stderrIsOneLine, "\(folder)")
            let xlsx = try mreg.run(["audit", "-o", "out/report.xlsx"], cwd: dir)
            #expect(xlsx.status == 64 && xlsx.stderrIsOneLine && xlsx.stderr.contains("--format") && xlsx.stderr.contains("usage: mreg audit")
                    && !FileManager.default.fileExists(atPath: "\(dir)/out/report.xlsx"), "\(xlsx)")

            let unknown = try mreg.run(["audit", "nosuch"], cwd: dir)
            #expect(unknown.status == 2 && unknown.stderrIsOneLine && unknown.stdout.isEmpty, "\(unknown)")
        }
    }

    @Test func aCleanStoreAuditsWithExitZero() throws {
        try withStore { mreg, dir in
            let empty = try mreg.run(["audit", "--format", "csv"], cwd: dir).succeeded()
            #expect(empty.lines.count == 1)
            _ = try GovernanceE2E.history(mreg, dir)
            let r = try mreg.run(["audit"], cwd: dir).succeeded()
            #expect(r.stdout.contains("Chain verification: ok (1 model)") && r.stdout.contains("Policy digest: none"), "\(r)")
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/.mreg/refs/verified/fraud"))
        }
    }
}
