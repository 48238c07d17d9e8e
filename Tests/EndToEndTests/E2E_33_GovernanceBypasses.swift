import Foundation
import MregTestSupport
import Testing

/// The adversarial trial of issue 14: events crafted with plumbing (`hash-object -w -t event`,
/// `update-ref`) or sent through pull must meet the rules a local promote, approve, demote, tag
/// or prune meets: pull refuses them, verify fails naming them, audit flags them.
@Suite("E2E 33: governance bypasses")
struct GovernanceBypassesE2E {
    static let policy = """
        [groups]
        release = ["ada@example.com", "bob@example.com"]

        [stages.production]
        signed = true
        signers = ["group:release"]
        approvals = 1
        approvers = ["ada@example.com", "val@example.com", "vic@example.com"]
        separation_of_duties = true
        approval_max_age_days = 10

        [tags.released]
        signers = ["group:release"]
        require_reason = true

        [retention]
        keep_last = 1
        keep_stages = ["staging"]

        [signing]
        allowed_signers = "allowed_signers"
        """

    /// Runs mreg as `who` at `now` (keys in `keys`).
    @discardableResult
    static func run(_ mreg: MregRunner, _ who: String, _ args: [String], in dir: String, keys: String, now: String = "2026-03-01T00:00:00Z") throws -> RunResult {
        try mreg.run(["config", "user.signingKey", "\(keys)/\(who)-key"], cwd: dir).succeeded()
        return try mreg.run(args, cwd: dir, env: ["MREG_USER_NAME": who.capitalized, "MREG_USER_EMAIL": "\(who)@example.com", "MREG_NOW": now])
    }

    /// A store (`dir`) with the policy, everyone's keys and fraud v1 registered by ada.
    static func store(_ mreg: MregRunner, _ dir: String, keys: String) throws {
        try ApprovalsE2E.keys(mreg, keys, store: dir)
        try writeFile("\(dir)/.mreg/policy.toml", policy)
        try writeFile("\(dir)/m/model.bin", randomBytes(2000, seed: 21))
        try run(mreg, "ada", ["register", "fraud", "m"], in: dir, keys: keys, now: "2026-02-01T00:00:00Z").succeeded()
    }

    /// Appends a crafted event to fraud's chain: `fields` over a copy of the head's linkage (time:
    /// the parent's), signed as `signer` with `key` when given. Returns its id.
    @discardableResult
    static func craft(_ mreg: MregRunner, _ dir: String, _ fields: [String: Any], key: String? = nil, signer: String? = nil) throws -> String {
        let head = try mreg.run(["rev-parse", "refs/models/fraud/head"], cwd: dir).succeeded().output
        let parent = try #require(try JSONSerialization.jsonObject(with: Data(mreg.run(["cat-file", "-p", head], cwd: dir).succeeded().stdoutBytes)) as? [String: Any])
        var event: [String: Any] = ["schema": "mreg.event/1", "model": "fraud", "seq": (parent["seq"] as? Int ?? 0) + 1, "parent": head,
                                    "actor": "Mal <mal@example.com>", "time": parent["time"] ?? ""]
        for (k, v) in fields { event[k] = v is NSNull ? nil : v }
        func canonical() throws -> [UInt8] { Array(try JSONSerialization.data(withJSONObject: event, options: [.sortedKeys, .withoutEscapingSlashes])) }
        if let key, let signer {
            event["signer"] = signer
            let sig = try mreg.runProgram(try #require(Tools.sshKeygen), ["-q", "-Y", "sign", "-f", key, "-n", "mreg-event"], stdin: try canonical()).succeeded()
            event["signature"] = sig.stdout
        }
        let id = try mreg.run(["hash-object", "-w", "-t", "event", "--stdin"], cwd: dir, stdin: try canonical()).succeeded().output
        try mreg.run(["update-ref", "refs/models/fraud/head", id, head], cwd: dir).succeeded()
        return id
    }

    /// `verify` fails naming `words`; `audit` fails and flags the event's row.
    static func expectCaught(_ mreg: MregRunner, _ dir: String, saying words: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let verify = try mreg.run(["verify", "--accept-rewrite"], cwd: dir)
        #expect(verify.status == 1 && (verify.stdout + verify.stderr).contains(words), "\(verify)", sourceLocation: sourceLocation)
        let audit = try mreg.run(["audit", "--format", "json"], cwd: dir)
        #expect(audit.status == 1, "\(audit)", sourceLocation: sourceLocation)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(audit.stdoutBytes)) as? [String: Any], sourceLocation: sourceLocation)
        let rows = json["rows"] as? [[String: Any]] ?? []
        let flagged = rows.flatMap { $0["violations"] as? [String] ?? [] }
        #expect(flagged.contains { $0.contains(words) }, "the crafted event's row: \(rows.last ?? [:])", sourceLocation: sourceLocation)
    }

    @Test(.enabled(if: Tools.sshKeygen != nil, "ssh-keygen is not installed"))
    func aRegistrantsSelfApprovalDoesNotCountThroughPullOrVerify() throws {
        try withMreg { mreg, work in
            let shared = "\(work)/shared", val = "\(work)/val"
            try mreg.run(["init", "-q", shared], cwd: work).succeeded()
            try Self.store(mreg, shared, keys: work)
            try mreg.run(["init", "-q", val], cwd: work).succeeded()
            try FileManager.default.copyItem(atPath: "\(shared)/.mreg/allowed_signers", toPath: "\(val)/.mreg/allowed_signers")
            try writeFile("\(val)/.mreg/policy.toml", Self.policy)
            try mreg.run(["remote", "add", "origin", shared], cwd: val).succeeded()
            // Ada approves her own version (which `approve` refuses), bob promotes with it.
            let manifest = try mreg.run(["rev-parse", "fraud@1"], cwd: shared).succeeded().output
            let approval = try Self.craft(mreg, shared, ["action": "approve", "version": 1, "manifest": manifest, "stage": "production",
                                                          "actor": "Ada <ada@example.com>"], key: "\(work)/ada-key", signer: "ada@example.com")
            try Self.craft(mreg, shared, ["action": "promote", "version": 1, "manifest": manifest, "stage": "production", "approvals": [approval],
                                          "actor": "Bob <bob@example.com>"], key: "\(work)/bob-key", signer: "bob@example.com")
            try mreg.run(["config", "user.signingKey", "\(work)/val-key"], cwd: val).succeeded()
            let before = snapshot("\(val)/.mreg")
            let pull = try Self.run(mreg, "val", ["pull"], in: val, keys: work)
            #expect(pull.status == 3 && (pull.stdout + pull.stderr).contains("ada@example.com registered it"), "\(pull)")
            #expect(differences(before, snapshot("\(val)/.mreg")).isEmpty)
            try Self.expectCaught(mreg, shared, saying: "ada@example.com registered it")
        }
    }

    @Test(.enabled(if: Tools.sshKeygen != nil, "ssh-keygen is not installed"))
    func revokedStaleAndRepeatedApprovalsAndForeignRevocations() throws {
        try withStore { mreg, dir in
            try Self.store(mreg, dir, keys: dir)
            let manifest = try mreg.run(["rev-parse", "fraud@1"], cwd: dir).succeeded().output
            let approved = try ApprovalsE2E.json(try Self.run(mreg, "val", ["approve", "fraud@1", "production", "--sign", "--json"], in: dir, keys: dir))
            let approval = try #require((approved["event"] as? [String: Any])?["id"] as? String)
            // Bob withdraws val's approval: only one's own approval can be revoked.
            try Self.craft(mreg, dir, ["action": "unapprove", "version": 1, "manifest": manifest, "stage": "production", "approval": approval,
                                       "actor": "Bob <bob@example.com>"], key: "\(dir)/bob-key", signer: "bob@example.com")
            try Self.expectCaught(mreg, dir, saying: "only one's own approval can be revoked")

            // Val revokes (properly); a promotion citing the withdrawn approval is caught.
            try mreg.run(["update-ref", "refs/models/fraud/head", approval], cwd: dir).succeeded()
            try Self.run(mreg, "val", ["approve", "--revoke", "fraud@1", "production", "--sign"], in: dir, keys: dir, now: "2026-03-02T00:00:00Z").succeeded()
            let revoked = try mreg.run(["rev-parse", "refs/models/fraud/head"], cwd: dir).succeeded().output
            let promote: [String: Any] = ["action": "promote", "version": 1, "manifest": manifest, "stage": "production", "approvals": [approval],
                                          "actor": "Bob <bob@example.com>", "time": "2026-03-03T00:00:00Z"]
            try Self.craft(mreg, dir, promote, key: "\(dir)/bob-key", signer: "bob@example.com")
            try Self.expectCaught(mreg, dir, saying: "is not an approval in force")

            // A fresh approval, cited three times: refused at once, each signature checked once at most.
            try mreg.run(["update-ref", "refs/models/fraud/head", revoked], cwd: dir).succeeded()
            let again = try ApprovalsE2E.json(try Self.run(mreg, "vic", ["approve", "fraud@1", "production", "--sign", "--json"], in: dir, keys: dir, now: "2026-03-04T00:00:00Z"))
            let vic = try #require((again["event"] as? [String: Any])?["id"] as? String)
            var repeated = promote
            repeated["approvals"] = [vic, vic, vic]
            repeated["time"] = "2026-03-05T00:00:00Z"
            try Self.craft(mreg, dir, repeated, key: "\(dir)/bob-key", signer: "bob@example.com")
            try Self.expectCaught(mreg, dir, saying: "lists an approval more than once")

            // The same approval, once, 30 days later: older than approval_max_age_days.
            try mreg.run(["update-ref", "refs/models/fraud/head", vic], cwd: dir).succeeded()
            var stale = promote
            stale["approvals"] = [vic]
            stale["time"] = "2026-04-04T00:00:00Z"
            try Self.craft(mreg, dir, stale, key: "\(dir)/bob-key", signer: "bob@example.com")
            try Self.expectCaught(mreg, dir, saying: "more than 10 days ago")
            // The problem says what to do when the policy changed after the event (verify --help has the workflow).
            let hinted = try mreg.run(["verify", "--accept-rewrite"], cwd: dir)
            #expect(hinted.status == 1 && hinted.stderrIsOneLine
                    && hinted.stderr.contains("run 'mreg verify' once under the policy it was written under"), "\(hinted)")
            let help = try mreg.run(["verify", "--help"], cwd: dir).succeeded()
            #expect(help.stdout.contains("tightening"), "\(help)")
            // In time, the same promotion passes.
            try mreg.run(["update-ref", "refs/models/fraud/head", vic], cwd: dir).succeeded()
            stale["time"] = "2026-03-06T00:00:00Z"
            try Self.craft(mreg, dir, stale, key: "\(dir)/bob-key", signer: "bob@example.com")
            let verify = try mreg.run(["verify", "--accept-rewrite"], cwd: dir)
            #expect(verify.status == 0, "\(verify)")
        }
    }

    @Test(.enabled(if: Tools.sshKeygen != nil, "ssh-keygen is not installed"))
    func backDatedEventsAreRefused() throws {
        try withStore { mreg, dir in
            try Self.store(mreg, dir, keys: dir)
            let manifest = try mreg.run(["rev-parse", "fraud@1"], cwd: dir).succeeded().output
            // A local command whose clock is behind the last event: refused, nothing written.
            try mreg.run(["config", "user.signingKey", "\(dir)/val-key"], cwd: dir).succeeded()
            let before = snapshot("\(dir)/.mreg")
            let early = try Self.run(mreg, "val", ["approve", "fraud@1", "production", "--sign"], in: dir, keys: dir, now: "2026-01-15T00:00:00Z")
            #expect(early.status == 3 && early.stderrIsOneLine && early.stderr.contains("cannot be back-dated"), "\(early)")
            #expect(differences(before, snapshot("\(dir)/.mreg")).isEmpty)
            // A crafted approval dated before its parent (before the signer's key expired, say).
            try Self.craft(mreg, dir, ["action": "approve", "version": 1, "manifest": manifest, "stage": "production",
                                       "actor": "Val <val@example.com>", "time": "2026-01-15T00:00:00Z"], key: "\(dir)/val-key", signer: "val@example.com")
            try Self.expectCaught(mreg, dir, saying: "cannot be back-dated")
        }
    }

    @Test(.enabled(if: Tools.sshKeygen != nil, "ssh-keygen is not installed"))
    func craftedMovesOutOfGovernedStagesAndTagsAreCaught() throws {
        try withStore { mreg, dir in
            try Self.store(mreg, dir, keys: dir)
            try Self.run(mreg, "val", ["approve", "fraud@1", "production", "--sign"], in: dir, keys: dir).succeeded()
            try Self.run(mreg, "bob", ["promote", "fraud@1", "production", "--sign"], in: dir, keys: dir).succeeded()
            try Self.run(mreg, "bob", ["tag", "fraud@1", "released", "--reason", "go", "--sign"], in: dir, keys: dir).succeeded()
            #expect(try mreg.run(["verify"], cwd: dir).status == 0)
            let promoted = try mreg.run(["rev-parse", "refs/models/fraud/head"], cwd: dir).succeeded().output
            // An unsigned demotion by a stranger.
            try Self.craft(mreg, dir, ["action": "demote", "version": 1, "stage": "production"])
            try Self.expectCaught(mreg, dir, saying: "moves out of production must be signed")
            // An unsigned deletion of a protected tag.
            try mreg.run(["update-ref", "refs/models/fraud/head", promoted], cwd: dir).succeeded()
            try Self.craft(mreg, dir, ["action": "untag", "version": 1, "tag": "released", "reason": "x"])
            try Self.expectCaught(mreg, dir, saying: "changes to tag 'released' must be signed")
            // A verdict claiming another policy excuses nothing: its digest is the writer's claim.
            try mreg.run(["update-ref", "refs/models/fraud/head", promoted], cwd: dir).succeeded()
            try Self.craft(mreg, dir, ["action": "demote", "version": 1, "stage": "production",
                                       "verdict": ["passed": true, "policy": "sha256:" + String(repeating: "0", count: 64), "rules": [Any]()]])
            try Self.expectCaught(mreg, dir, saying: "moves out of production must be signed")

            // prune by a stranger, unsigned, would take v1 out of production: refused like a demotion.
            try mreg.run(["update-ref", "refs/models/fraud/head", promoted], cwd: dir).succeeded()
            try writeFile("\(dir)/m/model.bin", randomBytes(2000, seed: 22))
            try Self.run(mreg, "ada", ["register", "fraud", "m"], in: dir, keys: dir, now: "2026-03-02T00:00:00Z").succeeded()
            try mreg.run(["config", "user.signingKey", "\(dir)/eve-key"], cwd: dir).succeeded()
            let before = snapshot("\(dir)/.mreg")
            let prune = try Self.run(mreg, "eve", ["prune"], in: dir, keys: dir, now: "2026-03-03T00:00:00Z")
            #expect(prune.status == 3 && prune.stderrIsOneLine && prune.stderr.contains("moves out of production must be signed"), "\(prune)")
            #expect(differences(before, snapshot("\(dir)/.mreg")).isEmpty)
            // Removing a version drops its tags: a protected one only as its signers may.
            try Self.run(mreg, "bob", ["tag", "fraud@2", "released", "-f", "--reason", "v2", "--sign"], in: dir, keys: dir, now: "2026-03-03T00:00:00Z").succeeded()
            try mreg.run(["config", "user.signingKey", "\(dir)/eve-key"], cwd: dir).succeeded()
            let tagged = snapshot("\(dir)/.mreg")
            let rm = try Self.run(mreg, "eve", ["rm", "fraud@2", "--reason", "cleanup"], in: dir, keys: dir, now: "2026-03-04T00:00:00Z")
            #expect(rm.status == 3 && rm.stderrIsOneLine && rm.stderr.contains("tag 'released'"), "\(rm)")
            #expect(differences(tagged, snapshot("\(dir)/.mreg")).isEmpty)
        }
    }

    @Test(.enabled(if: Tools.sshKeygen != nil, "ssh-keygen is not installed"))
    func policyMistakesAndWordingAreNamed() throws {
        try withStore { mreg, dir in
            try ApprovalsE2E.keys(mreg, dir, store: dir)
            let signing = "\n[signing]\nallowed_signers = \"allowed_signers\"\n"
            let broken: [(String, String)] = [
                ("[groups]\nrelease = [\"ada@example.com\"]\n[stages.production]\nsigners = [\"release\"]", "did you mean group:release?"),
                ("[stages.production]\napprovals = 1\napprovers = [\"*@example.com\"]", "patterns are not matched"),
                // A decomposed é: one person to Swift's ==, another to ssh-keygen's byte compare.
                ("[stages.production]\napprovals = 1\napprovers = [\"jose\u{301}@example.com\"]", "normalization form C"),
            ]
            for (text, words) in broken {
                try writeFile("\(dir)/.mreg/policy.toml", text + signing)
                let r = try mreg.run(["policy", "show"], cwd: dir)
                #expect(r.status == 64 && r.stderrIsOneLine && r.stderr.contains(words), "\(text): \(r)")
            }
            try writeFile("\(dir)/.mreg/policy.toml", Self.policy)
            try writeFile("\(dir)/m/model.bin", randomBytes(2000, seed: 23))
            try Self.run(mreg, "ada", ["register", "fraud", "m"], in: dir, keys: dir).succeeded()
            let unsigned = try Self.run(mreg, "val", ["approve", "fraud@1", "production"], in: dir, keys: dir)
            #expect(unsigned.status == 64 && unsigned.stderr.contains("approvals must be signed: add --sign"), "\(unsigned)")
            let revoke = try Self.run(mreg, "val", ["approve", "--revoke", "fraud@1", "production", "--sign"], in: dir, keys: dir)
            #expect(revoke.status == 3 && revoke.stderr.contains("cannot revoke") && !revoke.stderr.contains("cannot approve"), "\(revoke)")
            let tag = try Self.run(mreg, "bob", ["tag", "fraud@1", "released", "--sign"], in: dir, keys: dir)
            #expect(tag.status == 3 && tag.stderr.contains("creating tag 'released'") && tag.stderr.contains("creating it needs a reason"), "\(tag)")
            // Separation of duties: the promoter is who signs, never an unsigned name.
            try writeFile("\(dir)/.mreg/policy.toml", Self.policy.replacingOccurrences(of: "signed = true\nsigners = [\"group:release\"]\n", with: ""))
            try Self.run(mreg, "vic", ["approve", "fraud@1", "production", "--sign"], in: dir, keys: dir).succeeded()
            let spoof = try mreg.run(["promote", "fraud@1", "production"], cwd: dir,
                                     env: ["MREG_USER_NAME": "Val", "MREG_USER_EMAIL": "val@example.com", "MREG_NOW": "2026-03-01T00:00:00Z"])
            #expect(spoof.status == 3 && spoof.stderr.contains("established by a signature"), "\(spoof)")
        }
    }
}
