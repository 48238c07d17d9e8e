import Foundation
import MregTestSupport
import Testing

/// Access control: `[groups]`, a stage's `signers`, signed approvals (`mreg approve`) with
/// separation of duties, governed demotions and protected tags, and approvals across push/pull.
@Suite("E2E 32: approvals and access control")
struct ApprovalsE2E {
    /// People in the tests: ada and bob release, val and vic validate, eve has a key nobody allowed.
    static let people = ["ada", "bob", "val", "vic", "eve"]

    /// Makes keys for everyone in `dir` and an allowed-signers file (in `store`/.mreg) for all but eve.
    static func keys(_ mreg: MregRunner, _ dir: String, store: String) throws {
        var lines = ""
        for who in people {
            let pub = try GovernanceE2E.keygen(mreg, dir, "\(who)-key")
            if who != "eve" { lines += "\(who)@example.com \(pub)" }
        }
        try writeFile("\(store)/.mreg/allowed_signers", lines)
    }

    /// Runs mreg as `who` (identity and signing key).
    @discardableResult
    static func run(_ mreg: MregRunner, _ who: String, _ args: [String], in dir: String, keys: String? = nil, now: String? = nil) throws -> RunResult {
        try mreg.run(["config", "user.signingKey", "\(keys ?? dir)/\(who)-key"], cwd: dir).succeeded()
        var env: [String: String?] = ["MREG_USER_NAME": who.capitalized, "MREG_USER_EMAIL": "\(who)@example.com"]
        if let now { env["MREG_NOW"] = now }
        return try mreg.run(args, cwd: dir, env: env)
    }

    static let policy = """
        [groups]
        release = ["ada@example.com", "bob@example.com"]
        validators = ["val@example.com", "vic@example.com", "group:release"]

        [stages.production]
        signed = true
        signers = ["group:release"]
        approvals = 2
        approvers = ["group:validators"]
        separation_of_duties = true

        [tags.released]
        signers = ["group:release"]
        require_reason = true

        [signing]
        allowed_signers = "allowed_signers"
        """

    /// Registers fraud v1 as ada.
    static func registerAsAda(_ mreg: MregRunner, _ dir: String, seed: UInt64 = 1) throws {
        try writeFile("\(dir)/m\(seed)/model.bin", randomBytes(3000, seed: seed))
        try run(mreg, "ada", ["register", "fraud", "m\(seed)", "-M", "auc=0.9"], in: dir).succeeded()
    }

    static func json(_ r: RunResult) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(r.succeeded().stdoutBytes)) as? [String: Any])
    }

    /// Expects exit `status`, a one-line error containing `words`, and the store unchanged.
    static func expectRefused(_ mreg: MregRunner, _ who: String, _ args: [String], in dir: String, status: Int32 = 3,
                              saying words: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try mreg.run(["config", "user.signingKey", "\(dir)/\(who)-key"], cwd: dir).succeeded()
        let before = snapshot("\(dir)/.mreg")
        let r = try run(mreg, who, args, in: dir)
        #expect(r.status == status && r.stderrIsOneLine && r.stderr.contains(words), "\(r)", sourceLocation: sourceLocation)
        #expect(differences(before, snapshot("\(dir)/.mreg")).isEmpty, "\(args) changed the store", sourceLocation: sourceLocation)
    }

    @Test(.enabled(if: Tools.sshKeygen != nil, "ssh-keygen is not installed"))
    func groupsAndPrincipalsFailClosedAndShow() throws {
        try withStore { mreg, dir in
            try Self.keys(mreg, dir, store: dir)
            let signing = "\n[signing]\nallowed_signers = \"allowed_signers\"\n"
            let broken: [(String, String)] = [
                ("[stages.production]\nsigners = [\"group:nobody\"]", "unknown group 'nobody'"),
                ("[groups]\nrelease = [\"group:release\"]", "group 'release' in [groups] names itself"),
                ("[groups]\nrelease = []", "group 'release' in [groups] is empty"),
                ("[groups]\na = [\"group:b\"]\nb = [\"group:a\"]", "in a circle"),
                ("[stages.production]\nsigners = [\"eve@example.com\"]", "eve@example.com, who is not in the allowed-signers file"),
                ("[stages.production]\napprovers = [\"val@example.com\"]", "no effect without approvals"),
                ("[tags.released]\nsigners = []", "signers in [tags.released] is empty"),
            ]
            for (text, words) in broken {
                try writeFile("\(dir)/.mreg/policy.toml", text + signing)
                let r = try mreg.run(["policy", "show"], cwd: dir)
                #expect(r.status == 64 && r.stderrIsOneLine && r.stderr.contains(words), "\(text): \(r)")
            }
            try writeFile("\(dir)/.mreg/policy.toml", "[stages.production]\nsigners = [\"ada@example.com\"]\n")
            let noFile = try mreg.run(["policy", "show"], cwd: dir)
            #expect(noFile.status == 64 && noFile.stderr.contains("no allowed-signers file"), "\(noFile)")

            try writeFile("\(dir)/.mreg/policy.toml", Self.policy)
            let show = try mreg.run(["policy", "show"], cwd: dir).succeeded()
            #expect(show.stdout.contains("group:release (ada@example.com, bob@example.com)"), "\(show)")
            #expect(show.stdout.contains("2 signed") && show.stdout.contains("[tags.released]"), "\(show)")
            let json = try Self.json(try mreg.run(["policy", "show", "--json"], cwd: dir))
            let production = (json["stages"] as? [String: Any])?["production"] as? [String: Any]
            #expect(production?["approvals"] as? Int == 2 && production?["separation_of_duties"] as? Bool == true)
            #expect((json["groups"] as? [String: [String]])?["release"] == ["ada@example.com", "bob@example.com"])
        }
    }

    @Test(.enabled(if: Tools.sshKeygen != nil, "ssh-keygen is not installed"))
    func approvalsWithSeparationOfDuties() throws {
        try withStore { mreg, dir in
            try Self.keys(mreg, dir, store: dir)
            try writeFile("\(dir)/.mreg/policy.toml", Self.policy)
            try Self.registerAsAda(mreg, dir)

            // Bad input: nothing written, a one-line error.
            try Self.expectRefused(mreg, "val", ["approve", "fraud@1", "production"], in: dir, status: 64, saying: "approvals must be signed: add --sign")
            try Self.expectRefused(mreg, "val", ["approve", "fraud@1", "staging", "--sign"], in: dir, saying: "asks no approvals for staging")
            try Self.expectRefused(mreg, "val", ["approve", "fraud@7", "production", "--sign"], in: dir, status: 2, saying: "7")
            try Self.expectRefused(mreg, "eve", ["approve", "fraud@1", "production", "--sign"], in: dir, saying: "eve@example.com is not an approver")
            // Eve's key, claiming to be val: the signature would not verify against the allowed signers.
            try mreg.run(["config", "user.signingKey", "\(dir)/eve-key"], cwd: dir).succeeded()
            let before = snapshot("\(dir)/.mreg")
            let stranger = try mreg.run(["approve", "fraud@1", "production", "--sign"], cwd: dir,
                                        env: ["MREG_USER_NAME": "Val", "MREG_USER_EMAIL": "val@example.com"])
            #expect(stranger.status == 3 && stranger.stderrIsOneLine && stranger.stderr.contains("would not verify"), "\(stranger)")
            #expect(stranger.stderr.contains("sign with your own key") && !stranger.stderr.contains("add its public key there"), "\(stranger)")
            #expect(differences(before, snapshot("\(dir)/.mreg")).isEmpty)
            // Bob's key, claiming to be val: the error names the key's owner and never advises listing it under val.
            try mreg.run(["config", "user.signingKey", "\(dir)/bob-key"], cwd: dir).succeeded()
            let beforeImpostor = snapshot("\(dir)/.mreg")
            let impostor = try mreg.run(["approve", "fraud@1", "production", "--sign"], cwd: dir,
                                        env: ["MREG_USER_NAME": "Val", "MREG_USER_EMAIL": "val@example.com"])
            #expect(impostor.status == 3 && impostor.stderrIsOneLine, "\(impostor)")
            #expect(impostor.stderr.contains("is the key of bob@example.com") && impostor.stderr.contains("not of val@example.com")
                    && impostor.stderr.contains("sign with your own key"), "\(impostor)")
            #expect(differences(beforeImpostor, snapshot("\(dir)/.mreg")).isEmpty)
            try Self.expectRefused(mreg, "ada", ["approve", "fraud@1", "production", "--sign"], in: dir, saying: "ada@example.com registered it")
            try Self.expectRefused(mreg, "val", ["approve", "--revoke", "fraud@1", "production", "--sign"], in: dir, saying: "no approval of it in force")

            // No approval: refused, and policy check says so.
            try Self.expectRefused(mreg, "bob", ["promote", "fraud@1", "production", "--sign"], in: dir, saying: "approvals: v1 has no approval")
            let check = try Self.run(mreg, "bob", ["policy", "check", "fraud@1", "production", "--sign"], in: dir)
            #expect(check.status == 1 && check.stdout.contains("approvals"), "\(check)")

            // Val approves (once), then revokes, which leaves no approval in force.
            let approved = try Self.run(mreg, "val", ["approve", "fraud@1", "production", "--sign", "--reason", "validated", "--json"], in: dir)
            let valApproval = try #require((try Self.json(approved)["event"] as? [String: Any])?["id"] as? String)
            try Self.expectRefused(mreg, "val", ["approve", "fraud@1", "production", "--sign"], in: dir, saying: "val@example.com approved it already")
            let show = try mreg.run(["show", "fraud@1"], cwd: dir).succeeded()
            #expect(show.stdout.contains("for production by val@example.com") && show.stdout.contains("validated"), "\(show)")
            try Self.run(mreg, "val", ["approve", "--revoke", "fraud@1", "production", "--sign"], in: dir).succeeded()
            try Self.expectRefused(mreg, "val", ["approve", "--revoke", "fraud@1", "production", "--sign"], in: dir, saying: "no approval of it in force")
            let shown = try Self.json(try mreg.run(["show", "fraud@1", "--json"], cwd: dir))
            #expect((shown["approvals"] as? [Any])?.isEmpty == true, "\(shown)")
            // The refusal says why val's approval no longer counts.
            try Self.expectRefused(mreg, "bob", ["promote", "fraud@1", "production", "--sign"], in: dir,
                                   saying: "not counted: val@example.com (#2) revoked by #3")
            #expect(valApproval.count == 64)

            // Val and bob approve; bob promotes: his own approval does not count (he is the promoter).
            try Self.run(mreg, "val", ["approve", "fraud@1", "production", "--sign"], in: dir).succeeded()
            try Self.run(mreg, "bob", ["approve", "fraud@1", "production", "--sign"], in: dir).succeeded()
            try Self.expectRefused(mreg, "bob", ["promote", "fraud@1", "production", "--sign"], in: dir, saying: "bob@example.com (#5) is the promoter")
            // A signer outside `signers` (val validates, does not release), and --force cannot help.
            try Self.expectRefused(mreg, "val", ["promote", "fraud@1", "production", "--sign"], in: dir, saying: "val@example.com is not one of group:release")
            // Vic approves too: two distinct approvers who are neither registrant nor promoter.
            let vic = try Self.json(try Self.run(mreg, "vic", ["approve", "fraud@1", "production", "--sign", "--json"], in: dir))
            let vicID = try #require((vic["event"] as? [String: Any])?["id"] as? String)
            let promoted = try Self.json(try Self.run(mreg, "bob", ["promote", "fraud@1", "production", "--sign", "--json"], in: dir))
            let event = try #require(promoted["event"] as? [String: Any])
            let approvals = try #require(event["approvals"] as? [String])
            #expect(approvals.count == 2 && approvals.last == vicID, "\(event)")
            let rules = ((event["verdict"] as? [String: Any])?["rules"] as? [[String: Any]])?.compactMap { $0["rule"] as? String }
            #expect(rules == ["signed", "signers", "approvals"], "\(event)")
            let verify = try mreg.run(["verify"], cwd: dir)
            #expect(verify.status == 0, "\(verify)")

            // Demote: only a release signer, signed.
            try Self.expectRefused(mreg, "val", ["demote", "fraud", "production", "--sign"], in: dir, saying: "val@example.com is not one of group:release")
            try Self.expectRefused(mreg, "bob", ["demote", "fraud", "production"], in: dir, saying: "must be signed")
            try Self.run(mreg, "ada", ["demote", "fraud", "production", "--sign", "--reason", "rollback"], in: dir).succeeded()

            // A protected tag.
            try Self.expectRefused(mreg, "ada", ["tag", "fraud@1", "released", "--sign"], in: dir, saying: "needs a reason")
            try Self.expectRefused(mreg, "val", ["tag", "fraud@1", "released", "-m", "go", "--sign"], in: dir, saying: "val@example.com is not one of group:release")
            try Self.run(mreg, "ada", ["tag", "fraud@1", "released", "-m", "go", "--sign"], in: dir).succeeded()
            try Self.expectRefused(mreg, "bob", ["tag", "-d", "fraud", "released", "-m", "oops"], in: dir, saying: "must be signed")
            try Self.run(mreg, "bob", ["tag", "fraud@1", "other"], in: dir).succeeded()  // unprotected tags stay free
        }
    }

    @Test(.enabled(if: Tools.sshKeygen != nil, "ssh-keygen is not installed"))
    func anExpiredApprovalDoesNotCount() throws {
        try withStore { mreg, dir in
            try Self.keys(mreg, dir, store: dir)
            try writeFile("\(dir)/.mreg/policy.toml", """
                [stages.production]
                approvals = 1
                approval_max_age_days = 7
                [signing]
                allowed_signers = "allowed_signers"
                """)
            try writeFile("\(dir)/m/model.bin", randomBytes(100, seed: 3))
            try Self.run(mreg, "ada", ["register", "fraud", "m"], in: dir, now: "2026-01-01T00:00:00Z").succeeded()
            try Self.run(mreg, "val", ["approve", "fraud@1", "production", "--sign"], in: dir, now: "2026-01-02T00:00:00Z").succeeded()
            let late = try Self.run(mreg, "ada", ["promote", "fraud@1", "production", "--sign"], in: dir, now: "2026-01-20T00:00:00Z")
            #expect(late.status == 3 && late.stderr.contains("more than 7 days ago"), "\(late)")
            // Unsigned, the promotion's time would be only a claim (a crafted event could date itself
            // just after a stale approval), so a stage with approval_max_age_days needs --sign.
            let unsigned = try Self.run(mreg, "ada", ["promote", "fraud@1", "production"], in: dir, now: "2026-01-05T00:00:00Z")
            #expect(unsigned.status == 3 && unsigned.stderr.contains("approval_max_age_days"), "\(unsigned)")
            try Self.run(mreg, "ada", ["promote", "fraud@1", "production", "--sign"], in: dir, now: "2026-01-05T00:00:00Z").succeeded()
        }
    }

    @Test(.enabled(if: Tools.sshKeygen != nil, "ssh-keygen is not installed"))
    func approvalsTravelAndAForgedApprovalIsCaught() throws {
        try withMreg { mreg, work in
            let shared = "\(work)/shared", bob = "\(work)/bob", val = "\(work)/val"
            try mreg.run(["init", "-q", shared], cwd: work).succeeded()
            try Self.keys(mreg, work, store: shared)
            try writeFile("\(shared)/.mreg/policy.toml", Self.policy.replacingOccurrences(of: "approvals = 2", with: "approvals = 1")
                .replacingOccurrences(of: "approvers = [\"group:validators\"]", with: "approvers = [\"val@example.com\"]"))
            for dir in [bob, val] { try mreg.run(["clone", "-q", shared, dir], cwd: work).succeeded() }
            try writeFile("\(bob)/m/model.bin", randomBytes(3000, seed: 9))
            try Self.run(mreg, "bob", ["register", "fraud", "m"], in: bob, keys: work).succeeded()
            try Self.run(mreg, "bob", ["push"], in: bob, keys: work).succeeded()
            try Self.run(mreg, "val", ["pull"], in: val, keys: work).succeeded()
            try Self.run(mreg, "val", ["approve", "fraud@1", "production", "--sign"], in: val, keys: work).succeeded()
            try Self.run(mreg, "val", ["push"], in: val, keys: work).succeeded()
            #expect(try mreg.run(["show", "fraud@1"], cwd: shared).succeeded().stdout.contains("for production by val@example.com"))
            // Bob sees the approval after a pull and promotes with it; the shared store accepts the push.
            try Self.run(mreg, "bob", ["pull"], in: bob, keys: work).succeeded()
            try Self.run(mreg, "ada", ["promote", "fraud@1", "production", "--sign"], in: bob, keys: work).succeeded()
            try Self.run(mreg, "bob", ["push"], in: bob, keys: work).succeeded()
            let verify = try mreg.run(["verify"], cwd: shared)
            #expect(verify.status == 0, "\(verify)")

            // A push of a move the shared policy refuses (an unsigned demotion) is refused, the remote unchanged.
            try FileManager.default.removeItem(atPath: "\(bob)/.mreg/policy.toml")
            try Self.run(mreg, "bob", ["demote", "fraud", "production"], in: bob, keys: work).succeeded()
            let before = snapshot("\(shared)/.mreg/refs")
            let push = try Self.run(mreg, "bob", ["push"], in: bob, keys: work)
            #expect(push.status == 3 && (push.stdout + push.stderr).contains("must be signed"), "\(push)")
            #expect(differences(before, snapshot("\(shared)/.mreg/refs")).isEmpty)

            // Bob (an allowed signer but no approver) forges an approval: verify names it.
            try Self.run(mreg, "val", ["pull"], in: val, keys: work).succeeded()
            let ids = try GovernanceE2E.events(mreg, val)
            let text = try mreg.run(["cat-file", "-p", ids[2]!], cwd: val).succeeded().stdoutBytes
            var object = try #require(try JSONSerialization.jsonObject(with: Data(text)) as? [String: Any])
            object["signer"] = "bob@example.com"
            object["signature"] = nil
            let unsigned = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            let sig = try mreg.runProgram(Tools.sshKeygen!, ["-q", "-Y", "sign", "-f", "\(work)/bob-key", "-n", "mreg-event"], stdin: Array(unsigned)).succeeded()
            let forged = try GovernanceE2E.forge(mreg, val, ids[2]!, ["signer": "bob@example.com", "signature": sig.stdout])
            try mreg.run(["update-ref", "refs/models/fraud/head", forged], cwd: val).succeeded()
            let caught = try mreg.run(["verify", "--accept-rewrite", "fraud"], cwd: val)
            #expect(caught.status == 1 && (caught.stdout + caught.stderr).contains("bob@example.com is not an approver"), "\(caught)")
        }
    }

    @Test(.enabled(if: Tools.sshKeygen != nil, "ssh-keygen is not installed"))
    func aReplayedPromotionNeedsApprovalsStillInForce() throws {
        try withMreg { mreg, work in
            let shared = "\(work)/shared", bob = "\(work)/bob", val = "\(work)/val"
            try mreg.run(["init", "-q", shared], cwd: work).succeeded()
            try Self.keys(mreg, work, store: shared)
            try writeFile("\(shared)/.mreg/policy.toml", """
                [stages.production]
                approvals = 1
                approvers = ["val@example.com"]
                [signing]
                allowed_signers = "allowed_signers"
                """)
            for dir in [bob, val] { try mreg.run(["clone", "-q", shared, dir], cwd: work).succeeded() }
            try writeFile("\(bob)/m/model.bin", randomBytes(3000, seed: 11))
            try Self.run(mreg, "bob", ["register", "fraud", "m"], in: bob, keys: work).succeeded()
            try Self.run(mreg, "bob", ["push"], in: bob, keys: work).succeeded()
            try Self.run(mreg, "val", ["pull"], in: val, keys: work).succeeded()
            try Self.run(mreg, "val", ["approve", "fraud@1", "production", "--sign"], in: val, keys: work).succeeded()
            try Self.run(mreg, "val", ["push"], in: val, keys: work).succeeded()
            try Self.run(mreg, "bob", ["pull"], in: bob, keys: work).succeeded()
            try Self.run(mreg, "bob", ["promote", "fraud@1", "production"], in: bob, keys: work).succeeded()
            // Meanwhile val withdraws the approval: bob's promotion, replayed after it, has none left.
            try Self.run(mreg, "val", ["approve", "--revoke", "fraud@1", "production", "--sign"], in: val, keys: work).succeeded()
            try Self.run(mreg, "val", ["push"], in: val, keys: work).succeeded()
            #expect(try Self.run(mreg, "bob", ["push"], in: bob, keys: work).status == 3)
            let pull = try Self.run(mreg, "bob", ["pull"], in: bob, keys: work)
            #expect(pull.status == 3 && (pull.stdout + pull.stderr).contains("approvals"), "\(pull)")
            let theirs = try Self.run(mreg, "bob", ["pull", "--theirs"], in: bob, keys: work).succeeded()
            let shown = try Self.json(try mreg.run(["show", "fraud@1", "--json"], cwd: bob))
            #expect(shown["stages"] as? [String] == [] && (shown["approvals"] as? [Any])?.isEmpty == true, "\(theirs) \(shown)")
        }
    }
}

/// Approvals through an S3 remote with a shared policy.
@Suite(.enabled(if: S3Server.isAvailable, S3Server.skipReason))
struct S3ApprovalsTests {
    @Test(.enabled(if: Tools.sshKeygen != nil, "ssh-keygen is not installed"))
    func approvalsTravelThroughABucketAndItsPolicyGuardsPushes() throws {
        let s3 = try #require(S3Server.shared)
        try withMreg { mreg, work in
            let bucket = try s3.makeBucket()
            let url = "s3://\(bucket)/team"
            let admin = "\(work)/admin", bob = "\(work)/bob", val = "\(work)/val"
            try mreg.run(["init", "-q", admin]).succeeded()
            try ApprovalsE2E.keys(mreg, work, store: admin)
            try writeFile("\(admin)/.mreg/policy.toml", """
                [stages.production]
                approvals = 1
                approvers = ["val@example.com"]
                separation_of_duties = true
                [signing]
                allowed_signers = "allowed_signers"
                """)
            try mreg.run(["remote", "add", "origin", url], cwd: admin).succeeded()
            try mreg.run(["policy", "push"], cwd: admin, env: s3.environment).succeeded()
            func run(_ who: String, _ args: [String], in dir: String) throws -> RunResult {
                try mreg.run(["config", "user.signingKey", "\(work)/\(who)-key"], cwd: dir).succeeded()
                var env = s3.environment
                env["MREG_USER_NAME"] = who
                env["MREG_USER_EMAIL"] = "\(who)@example.com"
                return try mreg.run(args, cwd: dir, env: env)
            }
            for dir in [bob, val] { try mreg.run(["clone", "-q", url, dir], cwd: work, env: s3.environment).succeeded() }
            try writeFile("\(bob)/m/model.bin", randomBytes(2000, seed: 4))
            try run("bob", ["register", "fraud", "m"], in: bob).succeeded()
            try run("bob", ["push"], in: bob).succeeded()
            try run("val", ["pull"], in: val).succeeded()
            try run("val", ["approve", "fraud@1", "production", "--sign"], in: val).succeeded()
            try run("val", ["push"], in: val).succeeded()
            try run("bob", ["pull"], in: bob).succeeded()
            try run("bob", ["promote", "fraud@1", "production", "--sign"], in: bob).succeeded()  // separation of duties: signed
            try run("bob", ["push"], in: bob).succeeded()
            let fresh = "\(work)/fresh"
            try mreg.run(["clone", "-q", url, fresh], cwd: work, env: s3.environment).succeeded()
            let shown = try ApprovalsE2E.json(try mreg.run(["show", "fraud@production", "--json"], cwd: fresh))
            #expect((shown["approvals"] as? [[String: Any]])?.first?["signer"] as? String == "val@example.com", "\(shown)")
            #expect(try mreg.run(["verify"], cwd: fresh).status == 0)

            // Bob, without the policy, promotes v2 with no approval: the bucket's policy refuses the push.
            try writeFile("\(bob)/m/model.bin", randomBytes(2000, seed: 6))
            try run("bob", ["register", "fraud", "m"], in: bob).succeeded()
            try FileManager.default.removeItem(atPath: "\(bob)/.mreg/policy.toml")
            try run("bob", ["promote", "fraud@2", "production"], in: bob).succeeded()
            let push = try run("bob", ["push"], in: bob)
            #expect(push.status == 3 && (push.stdout + push.stderr).contains("approval"), "\(push)")
        }
    }
}
