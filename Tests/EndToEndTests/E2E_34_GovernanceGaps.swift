import Foundation
import MregTestSupport
import Testing

/// The last gaps of issue 14: the policy digest covers the allowed-signers file, signed events
/// carry the real time (MREG_NOW cannot sign with an expired key), and the audit's columns say
/// what they mean (moves checked now, `tag -f` forced, revocations, help matching the output).
@Suite("E2E 34: governance gaps")
struct GovernanceGapsE2E {
    /// The environment of `who` (identity; `now` as MREG_NOW; the test-only clock switch unset unless `override`).
    static func env(_ who: String, now: String? = nil, override: Bool = false) -> [String: String?] {
        ["MREG_USER_NAME": who.capitalized, "MREG_USER_EMAIL": "\(who)@example.com", "MREG_NOW": now,
         "MREG_ALLOW_CLOCK_OVERRIDE": override ? "1" : nil]
    }

    /// The `digest` of `mreg policy --json`.
    static func digest(_ mreg: MregRunner, _ dir: String) throws -> String {
        try #require(try ApprovalsE2E.json(mreg.run(["policy", "--json"], cwd: dir))["digest"] as? String)
    }

    /// The policy digest in the header of `mreg audit --format json`.
    static func auditDigest(_ mreg: MregRunner, _ dir: String) throws -> String? {
        let json = try ApprovalsE2E.json(mreg.run(["audit", "--format", "json"], cwd: dir))
        return (json["policy"] as? [String: Any])?["digest"] as? String
    }

    @Test(.enabled(if: Tools.sshKeygen != nil, "ssh-keygen is not installed"))
    func thePolicyDigestCoversTheAllowedSignersFile() throws {
        try withStore { mreg, dir in
            try GovernanceBypassesE2E.store(mreg, dir, keys: dir)
            let before = try Self.digest(mreg, dir)
            #expect(try Self.auditDigest(mreg, dir) == before)
            // As FORMAT.md §4.2 frames it: length-prefixed policy.toml, then the allowed-signers file.
            let policy = try readFile("\(dir)/.mreg/policy.toml"), signers = try readFile("\(dir)/.mreg/allowed_signers")
            let framed = Array("mreg-policy-digest/2\npolicy.toml \(policy.count)\n".utf8) + policy
                + Array("allowed_signers \(signers.count)\n".utf8) + signers
            let sum = try mreg.runProgram("/usr/bin/env", ["sha256sum"], stdin: framed).succeeded().output
            #expect(before == "sha256:" + sum.prefix(64))
            // Swap vic's key for eve's: policy.toml is untouched, the digest changes.
            let eve = String(decoding: try readFile("\(dir)/eve-key.pub"), as: UTF8.self)
            let swapped = String(decoding: signers, as: UTF8.self).split(separator: "\n").map { line in
                line.hasPrefix("vic@example.com ") ? "vic@example.com \(eve.trimmingCharacters(in: .whitespacesAndNewlines))" : String(line)
            }.joined(separator: "\n") + "\n"
            try writeFile("\(dir)/.mreg/allowed_signers", swapped)
            #expect(try readFile("\(dir)/.mreg/policy.toml") == policy)
            let after = try Self.digest(mreg, dir)
            #expect(after != before)
            #expect(try Self.auditDigest(mreg, dir) == after)
            #expect(try mreg.run(["policy"], cwd: dir).succeeded().stdout.contains("(\(after))"))
            // A verdict recorded now names the new digest.
            try mreg.run(["config", "user.signingKey", "\(dir)/val-key"], cwd: dir).succeeded()
            try mreg.run(["approve", "fraud@1", "production", "--sign"], cwd: dir, env: Self.env("val")).succeeded()
            try mreg.run(["config", "user.signingKey", "\(dir)/bob-key"], cwd: dir).succeeded()
            try mreg.run(["promote", "fraud@1", "production", "--sign"], cwd: dir, env: Self.env("bob")).succeeded()
            let head = try mreg.run(["rev-parse", "refs/models/fraud/head"], cwd: dir).succeeded().output
            let promotion = try mreg.run(["cat-file", "-p", head], cwd: dir).succeeded()
            #expect(promotion.stdout.contains("\"policy\": \"\(after)\""), "\(promotion)")
        }
    }

    @Test(.enabled(if: Tools.sshKeygen != nil, "ssh-keygen is not installed"))
    func signingWithAFakedClockIsRefused() throws {
        try withStore { mreg, dir in
            try GovernanceBypassesE2E.store(mreg, dir, keys: dir)  // fraud v1 registered (unsigned) at 2026-02-01
            // Bob's key expired on 2026-04-01, long before the real clock.
            let signers = String(decoding: try readFile("\(dir)/.mreg/allowed_signers"), as: UTF8.self).split(separator: "\n").map { line in
                line.hasPrefix("bob@example.com ") ? "bob@example.com valid-before=\"20260401\" " + line.dropFirst("bob@example.com ".count) : String(line)
            }.joined(separator: "\n") + "\n"
            try writeFile("\(dir)/.mreg/allowed_signers", signers)
            try mreg.run(["config", "user.signingKey", "\(dir)/bob-key"], cwd: dir).succeeded()
            let before = snapshot("\(dir)/.mreg")
            let tag = ["tag", "fraud@1", "released", "--reason", "go", "--sign"]
            // Dated back to when his key was valid: refused, nothing written.
            let faked = try mreg.run(tag, cwd: dir, env: Self.env("bob", now: "2026-03-01T00:00:00Z"))
            #expect(faked.status == 3 && faked.stderrIsOneLine, "\(faked)")
            #expect(faked.stderr.contains("its time 2026-03-01T00:00:00Z is more than 5 minutes from the real clock")
                    && faked.stderr.contains("unset MREG_NOW"), "\(faked)")
            #expect(differences(before, snapshot("\(dir)/.mreg")).isEmpty)
            // At the real time his key is expired.
            let real = try mreg.run(tag, cwd: dir, env: Self.env("bob"))
            #expect(real.status == 3 && real.stderrIsOneLine && real.stderr.contains("not valid at this time"), "\(real)")
            // An approval dated back (it could dodge approval_max_age_days) is refused the same way.
            try mreg.run(["config", "user.signingKey", "\(dir)/val-key"], cwd: dir).succeeded()
            let beforeApproval = snapshot("\(dir)/.mreg")
            let approve = try mreg.run(["approve", "fraud@1", "production", "--sign"], cwd: dir, env: Self.env("val", now: "2026-03-01T00:00:00Z"))
            #expect(approve.status == 3 && approve.stderr.contains("more than 5 minutes from the real clock"), "\(approve)")
            #expect(differences(beforeApproval, snapshot("\(dir)/.mreg")).isEmpty)
            // The test-only switch lets MREG_NOW date a signed event (what the test suites need).
            try mreg.run(["config", "user.signingKey", "\(dir)/bob-key"], cwd: dir).succeeded()
            try mreg.run(tag, cwd: dir, env: Self.env("bob", now: "2026-03-01T00:00:00Z", override: true)).succeeded()
            // MREG_NOW within 5 minutes of the real clock needs no switch.
            let formatter = ISO8601DateFormatter()
            try mreg.run(["config", "user.signingKey", "\(dir)/val-key"], cwd: dir).succeeded()
            try mreg.run(["approve", "fraud@1", "production", "--sign"], cwd: dir,
                         env: Self.env("val", now: formatter.string(from: Date().addingTimeInterval(-60)))).succeeded()
        }
    }

    @Test(.enabled(if: Tools.sshKeygen != nil, "ssh-keygen is not installed"))
    func auditColumnsSayWhatTheyMean() throws {
        try withStore { mreg, dir in
            try GovernanceBypassesE2E.store(mreg, dir, keys: dir)
            try writeFile("\(dir)/m/model.bin", randomBytes(2000, seed: 22))
            try GovernanceBypassesE2E.run(mreg, "ada", ["register", "fraud", "m"], in: dir, keys: dir, now: "2026-02-02T00:00:00Z").succeeded()
            let approval = try ApprovalsE2E.json(GovernanceBypassesE2E.run(mreg, "val", ["approve", "fraud@1", "production", "--sign", "--json"],
                                                                           in: dir, keys: dir, now: "2026-02-03T00:00:00Z"))
            let approvalID = try #require((approval["event"] as? [String: Any])?["id"] as? String)
            try GovernanceBypassesE2E.run(mreg, "val", ["approve", "--revoke", "fraud@1", "production", "--sign"], in: dir, keys: dir,
                                          now: "2026-02-04T00:00:00Z").succeeded()
            try GovernanceBypassesE2E.run(mreg, "bob", ["tag", "fraud@1", "released", "--reason", "go", "--sign"], in: dir, keys: dir,
                                          now: "2026-02-05T00:00:00Z").succeeded()
            try GovernanceBypassesE2E.run(mreg, "bob", ["tag", "fraud@2", "released", "-f", "--reason", "v2", "--sign"], in: dir, keys: dir,
                                          now: "2026-02-06T00:00:00Z").succeeded()
            let log = try mreg.run(["log", "fraud", "--oneline"], cwd: dir).succeeded()
            #expect(log.stdout.contains("[forced]"), "\(log)")
            let json = try ApprovalsE2E.json(mreg.run(["audit", "--format", "json"], cwd: dir))
            let rows = try #require(json["rows"] as? [[String: Any]])
            #expect(rows.map { $0["action"] as? String } == ["register", "register", "approve", "unapprove", "tag", "tag"])
            // tag -f: forced in audit as in log; both tags judged now under [tags.released].
            #expect(rows[5]["forced"] as? Bool == true && rows[4]["forced"] as? Bool == false)
            let verdict = try #require(rows[5]["verdict"] as? [String: Any])
            #expect(verdict["checked_now"] as? Bool == true && verdict["passed"] as? Bool == true
                    && verdict["policy"] as? String == (json["policy"] as? [String: Any])?["digest"] as? String)
            // The revocation names the approval it withdraws; it lists no approvals.
            #expect((rows[3]["approvals"] as? [Any])?.isEmpty == true && rows[3]["revokes"] as? String == approvalID)
            let csv = try mreg.run(["audit", "--format", "csv"], cwd: dir).succeeded().stdout
            #expect(csv.contains("passed (checked now, forced)") && csv.contains("revokes val@example.com (\(approvalID))"), "\(csv)")
            // The text report's columns are the ones --help names.
            let help = try mreg.run(["audit", "--help"], cwd: dir).succeeded().stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            let text = try mreg.run(["audit"], cwd: dir).succeeded().stdout
            let header = try #require(text.split(separator: "\n").first { $0.hasPrefix("TIME") })
            let columns = header.split(separator: " ").map { $0.lowercased() }
            #expect(columns.count == 14 && help.contains("text (for a terminal) shows " + columns.joined(separator: ", ")), "\(help)")
            #expect(help.contains("html have the columns time, model, version, action, stage, tag, actor, signer, signature, reason, verdict, approvals, manifest, weights_digest, datasets, metrics, policy, violations"), "\(help)")
            #expect(text.contains("revokes val@example.com (\(approvalID.prefix(12)))"), "\(text)")
        }
    }
}
