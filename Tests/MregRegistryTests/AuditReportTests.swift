import MregTestSupport
import Foundation
import Testing
import MregStore
@testable import MregRegistry
@testable import MregSupport
@testable import MregGovernance

/// `Governance.audit`: the rows of the audit report, the signatures it checks and the renderers' escaping.
@Suite("Audit report")
struct AuditReportTests {
    /// Appends a crafted event (canonical JSON, signed with `key` when given) to `model`'s chain and moves its head.
    @discardableResult
    static func append(_ f: GovernanceFixture, model: String = "fraud", _ fields: [String: JSONValue], key: String? = nil,
                       signer: String? = nil) throws -> ObjectID {
        let registry = try f.registry
        let head = try #require(try registry.head(of: model))
        // Read as JSON: the parent may be of a kind `Event` does not know yet (approve).
        let parentSequence = try #require(try JSONValue.parse(registry.store.read(head, as: .event))["seq"]?.intValue)
        var o: [String: JSONValue] = ["schema": .string(Event.schema), "model": .string(model), "seq": .int(parentSequence + 1),
                                      "parent": .string(head.hex), "actor": "Ada <ada@example.com>", "time": "2026-05-01T10:00:00Z"]
        for (k, v) in fields { o[k] = v }
        if let key, let signer {
            o["signer"] = .string(signer)
            o["signature"] = .string(try SSHSignature.sign(JSONValue.object(o).canonicalBytes, keyPath: key))
        }
        let id = try registry.store.write(type: .event, bytes: JSONValue.object(o).canonicalBytes).id
        try registry.refs.update(Registry.headRef(model), to: id, expecting: .value(head))
        return id
    }

    @Test func oneRowPerEventWithTheVersionsFactsAndNoCheckpointMoved() throws {
        try GovernanceFixture.with { f in
            let r = try f.register(metrics: ["auc=0.93", "latency_ms=40"])
            _ = try f.registry.tag(model: "fraud", version: 1, tag: "golden", force: false, reason: "best so far")
            _ = try f.registry.promote(model: "fraud", version: 1, stage: "staging", reason: "offline eval")
            _ = try f.registry.demote(model: "fraud", stage: "staging", reason: "regression")
            try f.register("churn", metrics: ["auc=0.7"])
            let report = try Governance(f.registry).audit(models: ["fraud"])
            #expect(report.rows.map(\.action) == ["register", "tag", "promote", "demote"])
            #expect(report.rows.allSatisfy { $0.model == "fraud" && $0.version == 1 })
            #expect(report.rows.allSatisfy { $0.manifest == r.manifestID }, "tag and promote events name the version's manifest through the chain")
            let manifest = try Manifest.load(r.manifestID, from: f.registry.store)
            let file = try #require(manifest.files.first)
            let expected = Digest.sha256(Array("\(file.digest.dropFirst("sha256:".count))  \(file.path)\n".utf8))
            #expect(report.rows[0].weightsDigest == expected)
            #expect(report.rows[0].metricsText == "auc=0.93; latency_ms=40")
            #expect(report.rows[1].tag == "golden" && report.rows[1].reason == "best so far")
            #expect(report.rows[2].stage == "staging" && report.rows[3].reason == "regression")
            #expect(report.verified && report.chains.map(\.model) == ["fraud"])
            #expect(report.rows.allSatisfy { $0.signature == nil })
            // A read-only check: verify's checkpoint is not recorded.
            #expect(!FileManager.default.fileExists(atPath: "\(f.root)/refs/verified/fraud"))
            // All models; a period; an unknown model.
            #expect(try Governance(f.registry).audit().rows.map(\.model).contains("churn"))
            let future = try #require(Timestamp.parse("2100-01-01T00:00:00Z"))
            #expect(try Governance(f.registry).audit(since: future).rows.isEmpty)
            #expect(try Governance(f.registry).audit(until: future).rows.count == 5)
            #expect(throws: RegistryError.self) { try Governance(f.registry).audit(models: ["nosuch"]) }
        }
    }

    @Test func approvalsAndWithdrawalsAreRead() throws {
        guard GovernanceFixture.hasSSHKeygen else { return }
        try GovernanceFixture.with { f in
            let val = try f.keygen("val", principal: "val@example.com")
            try Data(val.allowed.utf8).write(to: URL(fileURLWithPath: "\(f.root)/allowed_signers"))
            try f.writePolicy("[signing]\nallowed_signers = \"allowed_signers\"\n")
            let r = try f.register(metrics: ["auc=0.9"])
            let m = JSONValue.string(r.manifestID.hex)
            let approval = try Self.append(f, ["action": "approve", "version": 1, "manifest": m, "stage": "production",
                                               "reason": "validated"], key: val.key, signer: "val@example.com")
            try Self.append(f, ["action": "unapprove", "version": 1, "manifest": m, "stage": "production",
                                "approval": .string(approval.hex)], key: val.key, signer: "val@example.com")
            let again = try Self.append(f, ["action": "approve", "version": 1, "manifest": m, "stage": "production"],
                                        key: val.key, signer: "val@example.com")
            try Self.append(f, ["action": "promote", "version": 1, "stage": "production", "approvals": [.string(again.hex)],
                                "verdict": ["passed": true, "policy": "sha256:00", "rules": [["rule": "approvals", "passed": true, "detail": "1 of 1"]]]])
            let rows = try Governance(f.registry).audit().rows
            #expect(rows.map(\.action) == ["register", "approve", "unapprove", "approve", "promote"])
            #expect(rows[1].signature == .good && rows[1].signer == "val@example.com" && rows[1].reason == "validated")
            #expect(rows[1].manifest == r.manifestID && rows[1].stage == "production")
            // A withdrawal lists no approvals: it names the one it revokes.
            #expect(rows[2].approvals.isEmpty && rows[2].revokes == approval.hex && rows[2].signature == .good)
            #expect(rows[4].approvals == [again.hex] && rows[4].verdictText == "passed" && rows[4].signature == nil)
            #expect(rows[4].manifest == r.manifestID)
            // Who approved is readable without the event ids.
            #expect(rows[4].approvers == ["val@example.com"] && rows[2].revokedApprover == "val@example.com")
            #expect(rows[4].approvalsText == "val@example.com (\(again.hex))")
            #expect(rows[4].cells[11] == "val@example.com (\(again.hex))")
            #expect(rows[2].cells[11] == "revokes val@example.com (\(approval.hex))")
            let report = try Governance(f.registry).audit()
            #expect(report.text.contains("revokes val@example.com (\(approval.hex.prefix(12)))"))
            let json = report.json["rows"]?.arrayValue?[2]
            #expect(json?["approvals"] == .array([]) && json?["revokes"] == .string(approval.hex))
        }
    }

    @Test func movesShowTheVerdictCheckedNowAndForcedTagsSaySo() throws {
        try GovernanceFixture.with { f in
            try f.writePolicy("[stages.staging]\nrequire_reason = true\n[tags.golden]\nrequire_reason = true\n")
            try f.register(metrics: ["auc=0.9"])
            try f.register(metrics: ["auc=0.95"], seed: 1)
            _ = try f.registry.tag(model: "fraud", version: 1, tag: "golden", force: false, reason: "best so far")
            _ = try f.registry.tag(model: "fraud", version: 2, tag: "golden", force: true, reason: "better")
            _ = try f.registry.tag(model: "fraud", version: 2, tag: "nightly", force: false)
            _ = try f.registry.promote(model: "fraud", version: 2, stage: "staging", reason: "eval")
            _ = try f.registry.demote(model: "fraud", stage: "staging", reason: "regression")
            // A demotion without the reason the stage asks for (crafted: demote would refuse it).
            try Self.append(f, ["action": "demote", "version": 2, "stage": "staging", "time": "2099-01-01T00:00:00Z"])
            let report = try Governance(f.registry).audit()
            let digest = try #require(report.policyDigest)
            let rows = report.rows
            #expect(rows.map(\.action) == ["register", "register", "tag", "tag", "tag", "promote", "demote", "demote"])
            #expect(rows.map(\.verdictText) == ["", "", "passed (checked now)", "passed (checked now, forced)", "no rules (checked now)",
                                                "passed", "passed (checked now)", "failed: require_reason (checked now)"])
            #expect(rows[3].forced && !rows[2].forced, "tag -f is forced, as log says [forced]")
            #expect(rows[6].policyText == "\(digest) (checked now)" && rows[5].policyText == digest)
            #expect(rows[0].policyText == "", "nothing recorded, nothing checked now")
            let json = report.json["rows"]?.arrayValue
            #expect(json?[3]["forced"] == .bool(true))
            #expect(json?[7]["verdict"]?["checked_now"] == .bool(true) && json?[7]["verdict"]?["failed_rules"] == ["require_reason"])
            #expect(json?[5]["verdict"]?["checked_now"] == .bool(false))
        }
    }

    @Test func ungovernedPromotionsSayNoRulesAndRowsNameWhatTheyReplaced() throws {
        try GovernanceFixture.with { f in
            try f.writePolicy("[stages.production]\nrequire_reason = true\n")
            try f.register(metrics: ["auc=0.9"])
            try f.register(metrics: ["auc=0.95"], seed: 1)
            _ = try f.registry.promote(model: "fraud", version: 1, stage: "staging", reason: nil)
            _ = try f.registry.promote(model: "fraud", version: 2, stage: "staging", reason: nil)
            _ = try f.registry.tag(model: "fraud", version: 1, tag: "golden", force: false)
            _ = try f.registry.tag(model: "fraud", version: 2, tag: "golden", force: true)
            let report = try Governance(f.registry).audit()
            let digest = try #require(report.policyDigest)
            let rows = report.rows
            #expect(rows.map(\.action) == ["register", "register", "promote", "promote", "tag", "tag"])
            #expect(rows[2].verdictText == "no rules (checked now)" && rows[3].verdictText == "no rules (checked now)")
            #expect(rows[2].policyText == "\(digest) (checked now)")
            #expect(rows.map(\.previous) == [nil, nil, nil, 1, nil, 1])
            #expect(report.json["rows"]?.arrayValue?[3]["previous"] == .int(1))
        }
    }

    @Test func signaturesGoodBadUnknownKeyAndExpired() throws {
        guard GovernanceFixture.hasSSHKeygen else { return }
        try GovernanceFixture.with { f in
            let ada = try f.keygen("ada", principal: "ada@example.com")
            let eve = try f.keygen("eve", principal: "ada@example.com")
            let allowed = "\(f.root)/allowed_signers"
            try Data(ada.allowed.utf8).write(to: URL(fileURLWithPath: allowed))
            try f.writePolicy("[signing]\nallowed_signers = \"allowed_signers\"\n")
            try f.register(metrics: ["auc=0.9"])
            let fields: [String: JSONValue] = ["action": "promote", "version": 1, "stage": "staging"]
            try Self.append(f, fields.merging(["time": "2026-02-01T00:00:00Z"]) { $1 }, key: ada.key, signer: "ada@example.com")
            try Self.append(f, fields.merging(["action": "demote", "time": "2026-02-02T00:00:00Z"]) { $1 }, key: eve.key, signer: "ada@example.com")
            try Self.append(f, fields.merging(["time": "2026-04-01T00:00:00Z"]) { $1 }, key: ada.key, signer: "ada@example.com")
            // A signed event whose reason was changed after signing.
            let signed = try Self.append(f, fields.merging(["action": "demote", "time": "2026-04-02T00:00:00Z"]) { $1 }, key: ada.key, signer: "ada@example.com")
            var o = try #require(try JSONValue.parse(f.registry.store.read(signed, as: .event)).objectValue)
            o["reason"] = "changed"
            let forged = try f.registry.store.write(type: .event, bytes: JSONValue.object(o).canonicalBytes).id
            try f.registry.refs.update(Registry.headRef("fraud"), to: forged, expecting: .value(signed))
            // Ada's key expires mid-March.
            try Data(("ada@example.com valid-before=\"20260315\" " + ada.allowed.dropFirst("ada@example.com ".count)).utf8)
                .write(to: URL(fileURLWithPath: allowed))
            let report = try Governance(f.registry).audit(signatureWidth: 3)
            #expect(report.rows.map(\.signature) == [nil, .good, .unknownKey, .expired, .bad])
            #expect(report.signatureCounts == [.good: 1, .unknownKey: 1, .expired: 1, .bad: 1])
            #expect(!report.verified, "verify fails on the bad, unknown and expired signatures")
            #expect(report.rows[4].signatureDetail != nil)
        }
    }

    /// A row with hostile text in every field.
    static func hostileReport() throws -> AuditReport {
        let id = try #require(ObjectID(parsing: String(repeating: "ab", count: 32)))
        var row = AuditReport.Row(time: "2026-01-01T00:00:00Z", model: "fraud", sequence: 1, event: id, version: 1, action: "promote",
                                  stage: "production", tag: nil, actor: "=HYPERLINK(\"http://evil\")", signer: "@eve",
                                  signature: .unknownKey, reason: "a, \"quoted\" <script>alert(1)</script> | pipe\n\u{1B}[31mred", forced: true)
        row.verdictPassed = false
        row.failedRules = ["signed"]
        row.metrics = [("loss", .double(-0.5)), ("note", .string("+1"))]
        row.datasets = [.init(name: "-train", digest: "sha256:00")]
        return AuditReport(generated: "2026-06-01T00:00:00Z", models: ["fraud"], since: nil, until: nil, policyDigest: nil,
                           policyError: nil, allowedSigners: nil,
                           chains: [.init(model: "fraud", ok: false, events: 1, head: id, problem: "<b>bad</b>")], rows: [row])
    }

    @Test func hostileTextIsEscapedInEveryFormat() throws {
        let report = try Self.hostileReport()
        #expect(report.rows[0].verdictText == "failed: signed (forced)")
        let csv = report.csv
        let lines = csv.split(separator: "\r\n", omittingEmptySubsequences: false)
        #expect(lines.count == 3 && lines[2].isEmpty, "one header row, one row, no raw newline inside a cell")
        #expect(lines[0].hasPrefix("time,model,"))
        #expect(csv.contains("\"'=HYPERLINK(\"\"http://evil\"\")\""), "a formula is prefixed with ' and quoted")
        #expect(csv.contains(",'@eve,") && csv.contains("\\u{1B}[31m") && !csv.contains("\u{1B}"))
        #expect(AuditReport.csvField("-train sha256:00") == "'-train sha256:00")
        let html = report.html
        #expect(!html.contains("<script>") && html.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && !html.contains("<b>bad"))
        #expect(!html.contains("\u{1B}") && !html.contains("http://evil\"") && !html.lowercased().contains("<link") && !html.contains("src="))
        let md = report.markdown
        #expect(md.contains("\\| pipe") && md.contains("\\<script\\>") && !md.contains("\u{1B}"))
        #expect(md.split(separator: "\n").filter { $0.hasPrefix("| ") }.count == 3, "header, rule, one row")
        let text = report.text
        #expect(!text.contains("\u{1B}") && text.contains("\\n\\u{1B}[31mred"))
        let json = report.json
        #expect(json["rows"]?.arrayValue?.first?["reason"]?.stringValue?.contains("\u{1B}") == true, "JSON keeps the text; its encoding escapes it")
        #expect(json["rows"]?.arrayValue?.first?["verdict"]?["failed_rules"] == ["signed"])
    }
}
