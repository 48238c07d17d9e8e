import Foundation
import MregTestSupport
import Testing

/// Governance: `verify` catching every kind of tampering, promotion policies, signed promotions, hooks,
/// and the audit trail in `log`.
@Suite("E2E 30: governance")
struct GovernanceE2E {
    // MARK: helpers

    /// Registers a version of `fraud` with metrics auc and latency_ms (and a card with a license unless told not to).
    @discardableResult
    static func version(_ mreg: MregRunner, _ dir: String, auc: String, latency: String = "40", license: Bool = true,
                        seed: UInt64) throws -> RunResult {
        try writeFile("\(dir)/m\(seed)/model.bin", randomBytes(3000, seed: seed))
        if license { try writeFile("\(dir)/m\(seed)/README.md", "---\nlicense: mit\n---\n# Fraud\n") }
        return try mreg.run(["register", "fraud", "m\(seed)", "-M", "auc=\(auc)", "-M", "latency_ms=\(latency)"], cwd: dir).succeeded()
    }

    /// seq → event id, from `log --json`.
    static func events(_ mreg: MregRunner, _ dir: String, _ model: String = "fraud") throws -> [Int: String] {
        let log = try JSONSerialization.jsonObject(with: Data(mreg.run(["log", model, "--json"], cwd: dir).succeeded().stdoutBytes)) as! [[String: Any]]
        return Dictionary(uniqueKeysWithValues: log.map { ($0["seq"] as! Int, $0["id"] as! String) })
    }

    static func objectPath(_ dir: String, _ id: String) -> String {
        "\(dir)/.mreg/objects/\(id.prefix(2))/\(id.dropFirst(2))"
    }

    /// Writes a new event object: event `id` with `changes` applied (NSNull removes a key), canonical JSON.
    static func forge(_ mreg: MregRunner, _ dir: String, _ id: String, _ changes: [String: Any]) throws -> String {
        let text = try mreg.run(["cat-file", "-p", id], cwd: dir).succeeded().stdoutBytes
        var object = try JSONSerialization.jsonObject(with: Data(text)) as! [String: Any]
        for (k, v) in changes { object[k] = v is NSNull ? nil : v }
        let bytes = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return try mreg.run(["hash-object", "-w", "-t", "event", "--stdin"], cwd: dir, stdin: Array(bytes)).succeeded().output
    }

    /// Replaces the file of object `old` by the file of object `new` (so `old`'s name holds other content).
    static func overwrite(_ dir: String, _ old: String, with new: String) throws {
        let path = objectPath(dir, old)
        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.copyItem(atPath: objectPath(dir, new), toPath: path)
    }

    /// `verify` must fail with one line on stderr naming `expected` (e.g. "fraud event #2 1a2b3c4d5e6f").
    static func expectVerifyFails(_ mreg: MregRunner, _ dir: String, naming expected: String, saying words: String,
                                  sourceLocation: SourceLocation = #_sourceLocation) throws {
        let r = try mreg.run(["verify"], cwd: dir)
        #expect(r.status == 1, "\(r)", sourceLocation: sourceLocation)
        #expect(r.stderrIsOneLine, "\(r)", sourceLocation: sourceLocation)
        #expect(r.stderr.hasPrefix("mreg: error: verification failed: \(expected)"), "\(r)", sourceLocation: sourceLocation)
        #expect(r.stderr.contains(words), "\(r)", sourceLocation: sourceLocation)
        #expect(r.stdout.contains("FAILED"), "\(r)", sourceLocation: sourceLocation)
    }

    /// Three events: register v1, promote to staging, promote to production.
    static func history(_ mreg: MregRunner, _ dir: String) throws -> [Int: String] {
        try version(mreg, dir, auc: "0.93", seed: 1)
        try mreg.run(["promote", "fraud@1", "staging", "--reason", "offline eval"], cwd: dir).succeeded()
        try mreg.run(["promote", "fraud@1", "production", "--reason", "shadow test"], cwd: dir).succeeded()
        return try events(mreg, dir)
    }

    static func abbrev(_ id: String) -> String { String(id.prefix(8)) }

    // MARK: verify

    @Test func aSoundHistoryVerifiesAndRecordsACheckpoint() throws {
        try withStore { mreg, dir in
            #expect(try mreg.run(["verify"], cwd: dir).succeeded().output == "no models to verify")
            let ids = try Self.history(mreg, dir)
            try Self.version(mreg, dir, auc: "0.95", seed: 2)
            let r = try mreg.run(["verify"], cwd: dir).succeeded()
            #expect(r.stderr.isEmpty)
            #expect(r.stdout.hasPrefix("fraud ok: 4 events, 2 versions, "), "\(r)")
            #expect(r.stdout.contains("checkpoint recorded"))
            #expect(try readFile("\(dir)/.mreg/refs/verified/fraud") == Array((try Self.events(mreg, dir)[4]! + "\n").utf8))
            let json = try JSONSerialization.jsonObject(with: Data(mreg.run(["verify", "fraud", "--json"], cwd: dir).succeeded().stdoutBytes)) as! [String: Any]
            let model = (json["models"] as! [[String: Any]])[0]
            #expect(json["ok"] as? Bool == true && model["events"] as? Int == 4 && model["checkpoint"] as? String == "unchanged")
            #expect((model["problems"] as! [Any]).isEmpty && model["head"] as? String != ids[3])
            // fsck is not bothered by the checkpoint ref.
            try mreg.run(["fsck", "--no-dangling"], cwd: dir).succeeded()
            #expect(try mreg.run(["verify", "nosuch"], cwd: dir).status == 2)
        }
    }

    @Test func anEventRewrittenUnderItsOldName() throws {
        try withStore { mreg, dir in
            let ids = try Self.history(mreg, dir)
            let forged = try Self.forge(mreg, dir, ids[2]!, ["reason": "nothing to see"])
            try Self.overwrite(dir, ids[2]!, with: forged)
            try Self.expectVerifyFails(mreg, dir, naming: "fraud event #2 \(Self.abbrev(ids[2]!))", saying: "damaged or was altered")
        }
    }

    @Test func aDeletedEvent() throws {
        try withStore { mreg, dir in
            let ids = try Self.history(mreg, dir)
            try FileManager.default.removeItem(atPath: Self.objectPath(dir, ids[2]!))
            try Self.expectVerifyFails(mreg, dir, naming: "fraud event #2 \(Self.abbrev(ids[2]!))", saying: "is missing")
        }
    }

    @Test func aHeadSwappedToAnEventWithAForgedParent() throws {
        try withStore { mreg, dir in
            let ids = try Self.history(mreg, dir)
            // Drop #2 from the history: #3 re-made with #1 as its parent.
            let forged = try Self.forge(mreg, dir, ids[3]!, ["parent": ids[1]!])
            try mreg.run(["update-ref", "refs/models/fraud/head", forged], cwd: dir).succeeded()
            try Self.expectVerifyFails(mreg, dir, naming: "fraud event #3 \(Self.abbrev(forged))", saying: "follows #1")
        }
    }

    @Test func reorderedEventsAreARewriteOfTheVerifiedHistory() throws {
        try withStore { mreg, dir in
            let ids = try Self.history(mreg, dir)
            try mreg.run(["verify"], cwd: dir).succeeded()
            // Swap #2 and #3 with consistent sequence numbers and parents.
            let newSecond = try Self.forge(mreg, dir, ids[3]!, ["seq": 2, "parent": ids[1]!, "previous": NSNull()])
            // Dated as the later of the two: no event may be dated before its parent.
            let third = try #require(try JSONSerialization.jsonObject(with: Data(mreg.run(["cat-file", "-p", ids[3]!], cwd: dir).succeeded().stdoutBytes)) as? [String: Any])
            let newThird = try Self.forge(mreg, dir, ids[2]!, ["seq": 3, "parent": newSecond, "time": third["time"] ?? ""])
            try mreg.run(["update-ref", "refs/models/fraud/head", newThird], cwd: dir).succeeded()
            try Self.expectVerifyFails(mreg, dir, naming: "fraud event #2 \(Self.abbrev(newSecond))", saying: "rewritten from here")
            // A deliberate rewrite can be accepted, after which verify passes again.
            let accepted = try mreg.run(["verify", "--accept-rewrite", "fraud"], cwd: dir).succeeded()
            #expect(accepted.stdout.contains("rewritten history accepted"))
            try mreg.run(["verify"], cwd: dir).succeeded()
        }
    }

    @Test func aHeadMovedBackToAnOlderEvent() throws {
        try withStore { mreg, dir in
            let ids = try Self.history(mreg, dir)
            try mreg.run(["verify"], cwd: dir).succeeded()
            try mreg.run(["update-ref", "refs/models/fraud/head", ids[2]!], cwd: dir).succeeded()
            try Self.expectVerifyFails(mreg, dir, naming: "fraud event #2 \(Self.abbrev(ids[2]!))", saying: "was moved back")
        }
    }

    @Test func anEditedManifestOrFile() throws {
        try withStore { mreg, dir in
            let ids = try Self.history(mreg, dir)
            let manifest = try mreg.run(["rev-parse", "fraud@1"], cwd: dir).succeeded().output
            // Another manifest's bytes under this manifest's name.
            try Self.version(mreg, dir, auc: "0.99", seed: 2)
            let other = try mreg.run(["rev-parse", "fraud@2"], cwd: dir).succeeded().output
            try Self.overwrite(dir, manifest, with: other)
            try Self.expectVerifyFails(mreg, dir, naming: "fraud event #1 \(Self.abbrev(ids[1]!))", saying: "the manifest of v1, \(manifest.prefix(8)), is damaged or was altered")
        }
        try withStore { mreg, dir in
            let ids = try Self.history(mreg, dir)
            let show = try JSONSerialization.jsonObject(with: Data(mreg.run(["show", "fraud@1", "--json"], cwd: dir).succeeded().stdoutBytes)) as! [String: Any]
            let file = (show["files"] as! [[String: Any]]).first { $0["path"] as? String == "model.bin" }!
            let blob = file["object"] as! String
            try FileManager.default.removeItem(atPath: Self.objectPath(dir, blob))
            try Self.expectVerifyFails(mreg, dir, naming: "fraud event #1 \(Self.abbrev(ids[1]!))", saying: "file model.bin of the manifest of v1")
        }
    }

    @Test func anEventOfAnotherModelOrAnInconsistentClaim() throws {
        try withStore { mreg, dir in
            let ids = try Self.history(mreg, dir)
            // A promotion claiming production held v7 before.
            let forged = try Self.forge(mreg, dir, ids[3]!, ["previous": 7])
            try mreg.run(["update-ref", "refs/models/fraud/head", forged], cwd: dir).succeeded()
            try Self.expectVerifyFails(mreg, dir, naming: "fraud event #3 \(Self.abbrev(forged))", saying: "says production held v7 before")
        }
    }

    // MARK: policy

    /// Each rule, first refusing (store unchanged, one-line error), then allowing.
    @Test(arguments: [
        ("from = [\"staging\"]", "fraud@2", "from: v2 must be in staging to enter production (it is in no stage)"),
        ("require = \"metrics.auc >= 0.90 and metrics.latency_ms < 50\"", "fraud@3",
         "require: metrics.latency_ms < 50 is false (metrics.latency_ms = 80)"),
        ("no_regression = [\"auc\"]", "fraud@2", "no_regression: auc 0.91 < 0.93 of v1: worse"),
        ("card_fields = [\"license\"]", "fraud@4", "card_fields: the model card of v4 lacks license"),
        ("require_reason = true", "fraud@5", "require_reason: promotions to production need --reason"),
    ])
    func eachRuleRefusesThenAllows(rule: String, candidate: String, refusal: String) throws {
        try withStore { mreg, dir in
            try Self.version(mreg, dir, auc: "0.93", seed: 1)
            try mreg.run(["promote", "fraud@1", "production", "--reason", "baseline"], cwd: dir).succeeded()
            try Self.version(mreg, dir, auc: "0.91", seed: 2)                          // v2: regresses on auc
            try Self.version(mreg, dir, auc: "0.95", latency: "80", seed: 3)           // v3: too slow
            try Self.version(mreg, dir, auc: "0.96", license: false, seed: 4)          // v4: no license
            try Self.version(mreg, dir, auc: "0.97", latency: "20", seed: 5)           // v5: good
            try mreg.run(["promote", "fraud@5", "staging"], cwd: dir).succeeded()
            try writeFile("\(dir)/.mreg/policy.toml", "[stages.production]\n\(rule)\n")
            let before = snapshot("\(dir)/.mreg")
            let refused = try mreg.run(["promote", candidate, "production"], cwd: dir)
            #expect(refused.status == 3 && refused.stderrIsOneLine, "\(refused)")
            #expect(refused.stderr.contains("policy refuses promoting fraud v\(candidate.last!) to production: \(refusal)"), "\(refused)")
            #expect(differences(before, snapshot("\(dir)/.mreg")).isEmpty)
            // The dry run agrees, and exits 1.
            let check = try mreg.run(["policy", "check", candidate, "production"], cwd: dir)
            #expect(check.status == 1 && check.stdout.contains("refused") && check.stdout.contains(refusal), "\(check)")

            let allowed = try mreg.run(["promote", "fraud@5", "production", "--reason", "all gates green"], cwd: dir).succeeded()
            #expect(allowed.stdout.contains("policy passed"), "\(allowed)")
            let log = try JSONSerialization.jsonObject(with: Data(mreg.run(["log", "fraud", "--stage", "production", "-n", "1", "--json"], cwd: dir).succeeded().stdoutBytes)) as! [[String: Any]]
            let verdict = log[0]["verdict"] as! [String: Any]
            #expect(verdict["passed"] as? Bool == true && (verdict["policy"] as? String)?.hasPrefix("sha256:") == true)
            #expect((verdict["rules"] as! [[String: Any]]).count == 1)
            try mreg.run(["verify"], cwd: dir).succeeded()
        }
    }

    @Test func forceIsRecordedAndOnlyWhereAllowed() throws {
        try withStore { mreg, dir in
            try Self.version(mreg, dir, auc: "0.80", seed: 1)
            try writeFile("\(dir)/.mreg/policy.toml", """
                [stages.production]
                require = "metrics.auc >= 0.9"
                [stages.staging]
                require = "metrics.auc >= 0.9"
                allow_force = true
                """)
            let notAllowed = try mreg.run(["promote", "fraud@1", "production", "--force", "--reason", "x"], cwd: dir)
            #expect(notAllowed.status == 3 && notAllowed.stderrIsOneLine && notAllowed.stderr.contains("allows no --force"))
            let forced = try mreg.run(["promote", "fraud@1", "staging", "-f", "--reason", "incident 42"], cwd: dir).succeeded()
            #expect(forced.stdout.contains("policy failed (forced)"))
            let oneline = try mreg.run(["log", "--oneline", "-n", "1"], cwd: dir).succeeded()
            #expect(oneline.output.hasSuffix("incident 42 [forced] [policy failed]"), "\(oneline)")
            let long = try mreg.run(["log", "fraud", "-n", "1"], cwd: dir).succeeded()
            #expect(long.stdout.contains("Forced: yes (policy overridden)") && long.stdout.contains("Policy: failed (require: metrics.auc >= 0.9 is false"))
            let json = try JSONSerialization.jsonObject(with: Data(mreg.run(["log", "fraud", "--stage", "staging", "--json"], cwd: dir).succeeded().stdoutBytes)) as! [[String: Any]]
            #expect(json[0]["force"] as? Bool == true && (json[0]["verdict"] as! [String: Any])["passed"] as? Bool == false)
            try mreg.run(["verify"], cwd: dir).succeeded()
        }
    }

    @Test func policyShowAndABrokenPolicy() throws {
        try withStore { mreg, dir in
            #expect(try mreg.run(["policy", "show"], cwd: dir).succeeded().stdout.contains("no policy"))
            try writeFile("\(dir)/.mreg/policy.toml", "[stages.production]\nfrom = [\"staging\"]\nrequire = \"metrics.auc >= 0.9\"\n")
            let show = try mreg.run(["policy", "show"], cwd: dir).succeeded()
            #expect(show.stdout.contains("[production]") && show.stdout.contains("metrics.auc >= 0.9"))
            let json = try JSONSerialization.jsonObject(with: Data(mreg.run(["policy", "show", "--json"], cwd: dir).succeeded().stdoutBytes)) as! [String: Any]
            #expect(((json["stages"] as! [String: Any])["production"] as! [String: Any])["from"] as? [String] == ["staging"])
            // A broken policy refuses promotions (fail closed) with a message pointing at the mistake.
            try Self.version(mreg, dir, auc: "0.95", seed: 1)
            try writeFile("\(dir)/.mreg/policy.toml", "[stages.production]\nrequire = \"metrics.auc >= \"\n")
            let r = try mreg.run(["promote", "fraud@1", "staging"], cwd: dir)
            #expect(r.status == 64 && r.stderrIsOneLine && r.stderr.contains("policy.toml: require in [stages.production]: column 16"), "\(r)")
        }
    }

    // MARK: signatures

    static func keygen(_ mreg: MregRunner, _ dir: String, _ name: String) throws -> String {
        try mreg.runProgram(Tools.sshKeygen!, ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", "\(dir)/\(name)"]).succeeded()
        return String(decoding: try readFile("\(dir)/\(name).pub"), as: UTF8.self)
    }

    @Test(.enabled(if: Tools.sshKeygen != nil, "ssh-keygen is not installed"))
    func signedPromotionsByAnAllowedKeyAndAStranger() throws {
        try withStore { mreg, dir in
            let adaPub = try Self.keygen(mreg, dir, "ada")
            _ = try Self.keygen(mreg, dir, "eve")
            try writeFile("\(dir)/.mreg/allowed_signers", "test@example.com \(adaPub)")
            try writeFile("\(dir)/.mreg/policy.toml", """
                [stages.production]
                signed = true
                [signing]
                allowed_signers = "allowed_signers"
                """)
            try Self.version(mreg, dir, auc: "0.95", seed: 1)
            let unsigned = try mreg.run(["promote", "fraud@1", "production"], cwd: dir)
            #expect(unsigned.status == 3 && unsigned.stderrIsOneLine && unsigned.stderr.contains("must be signed"), "\(unsigned)")
            let noKey = try mreg.run(["promote", "fraud@1", "production", "--sign"], cwd: dir)
            #expect(noKey.status == 64 && noKey.stderr.contains("user.signingKey"), "\(noKey)")

            try mreg.run(["config", "user.signingKey", "\(dir)/eve"], cwd: dir).succeeded()
            let before = snapshot("\(dir)/.mreg")
            let stranger = try mreg.run(["promote", "fraud@1", "production", "--sign"], cwd: dir)
            #expect(stranger.status == 3 && stranger.stderrIsOneLine && stranger.stderr.contains("would not verify"), "\(stranger)")
            #expect(differences(before, snapshot("\(dir)/.mreg")).isEmpty)

            try mreg.run(["config", "user.signingKey", "\(dir)/ada"], cwd: dir).succeeded()
            let signed = try mreg.run(["promote", "fraud@1", "production", "--sign", "--reason", "approved"], cwd: dir).succeeded()
            #expect(signed.stdout.contains("signed by test@example.com"))
            let verified = try mreg.run(["verify"], cwd: dir).succeeded()
            #expect(verified.stdout.contains("1 good signature (test@example.com)"), "\(verified)")
            let log = try mreg.run(["log", "fraud", "--stage", "production"], cwd: dir).succeeded()
            #expect(log.stdout.contains("Signed: by test@example.com"))
            let json = try JSONSerialization.jsonObject(with: Data(mreg.run(["log", "fraud", "--stage", "production", "--json"], cwd: dir).succeeded().stdoutBytes)) as! [[String: Any]]
            #expect(json[0]["signer"] as? String == "test@example.com" && (json[0]["signature"] as? String)?.contains("BEGIN SSH SIGNATURE") == true)

            // Ada's key is removed from the allowed signers: the signature no longer verifies.
            try writeFile("\(dir)/.mreg/allowed_signers", "")
            let ids = try Self.events(mreg, dir)
            try Self.expectVerifyFails(mreg, dir, naming: "fraud event #2 \(Self.abbrev(ids[2]!))", saying: "signature by test@example.com does not verify")
        }
    }

    @Test(.enabled(if: Tools.sshKeygen != nil, "ssh-keygen is not installed"))
    func aSignedEventAlteredAndResignedByAStranger() throws {
        try withStore { mreg, dir in
            let adaPub = try Self.keygen(mreg, dir, "ada")
            _ = try Self.keygen(mreg, dir, "eve")
            try writeFile("\(dir)/.mreg/allowed_signers", "test@example.com \(adaPub)")
            try writeFile("\(dir)/.mreg/policy.toml", "[signing]\nallowed_signers = \"allowed_signers\"\n")
            try Self.version(mreg, dir, auc: "0.95", seed: 1)
            try mreg.run(["config", "user.signingKey", "\(dir)/ada"], cwd: dir).succeeded()
            try mreg.run(["promote", "fraud@1", "production", "--sign", "--reason", "approved"], cwd: dir).succeeded()
            let ids = try Self.events(mreg, dir)
            // Eve changes the reason and signs the new event with her own key, claiming to be Ada.
            let text = try mreg.run(["cat-file", "-p", ids[2]!], cwd: dir).succeeded().stdoutBytes
            var object = try JSONSerialization.jsonObject(with: Data(text)) as! [String: Any]
            object["reason"] = "rubber-stamped"
            object["signature"] = nil
            let unsigned = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            let sig = try mreg.runProgram(Tools.sshKeygen!, ["-q", "-Y", "sign", "-f", "\(dir)/eve", "-n", "mreg-event"], stdin: Array(unsigned)).succeeded()
            let forged = try Self.forge(mreg, dir, ids[2]!, ["reason": "rubber-stamped", "signature": sig.stdout])
            try mreg.run(["update-ref", "refs/models/fraud/head", forged], cwd: dir).succeeded()
            try Self.expectVerifyFails(mreg, dir, naming: "fraud event #2 \(Self.abbrev(forged))", saying: "does not verify")
        }
    }

    // MARK: hooks

    @Test func hooksAbortWithTheirMessageOrRunAfterwards() throws {
        try withStore { mreg, dir in
            try Self.version(mreg, dir, auc: "0.95", seed: 1)
            try writeFile("\(dir)/.mreg/hooks/pre-promote", """
                #!/bin/sh
                event=$(cat)
                case "$event" in *'"reason"'*) exit 0;; esac
                echo "promotions of $MREG_MODEL v$MREG_VERSION to $MREG_STAGE need a change ticket in --reason" >&2
                exit 1
                """)
            try writeFile("\(dir)/.mreg/hooks/post-promote", "#!/bin/sh\ncat > \"$MREG_DIR/../notified.json\"\n")
            chmod("\(dir)/.mreg/hooks/pre-promote", 0o755)
            chmod("\(dir)/.mreg/hooks/post-promote", 0o755)
            let before = snapshot("\(dir)/.mreg")
            let refused = try mreg.run(["promote", "fraud@1", "production"], cwd: dir)
            #expect(refused.status == 3 && refused.stderrIsOneLine, "\(refused)")
            #expect(refused.stderr == "mreg: error: pre-promote hook refused promoting fraud v1 to production: promotions of fraud v1 to production need a change ticket in --reason\n")
            #expect(differences(before, snapshot("\(dir)/.mreg")).isEmpty)
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/notified.json"))

            try mreg.run(["promote", "fraud@1", "production", "--reason", "CHG-1234"], cwd: dir).succeeded()
            let notified = try JSONSerialization.jsonObject(with: Data(readFile("\(dir)/notified.json"))) as! [String: Any]
            #expect(notified["reason"] as? String == "CHG-1234" && notified["stage"] as? String == "production")
            #expect(notified["id"] as? String == (try Self.events(mreg, dir)[2]))

            // pre-register refuses before the head moves; a failing post-register only warns.
            try writeFile("\(dir)/.mreg/hooks/pre-register", "#!/bin/sh\necho 'registrations are frozen' >&2\nexit 1\n")
            chmod("\(dir)/.mreg/hooks/pre-register", 0o755)
            let head = try readFile("\(dir)/.mreg/refs/models/fraud/head")
            try writeFile("\(dir)/m9/model.bin", randomBytes(100, seed: 9))
            let frozen = try mreg.run(["register", "fraud", "m9"], cwd: dir)
            #expect(frozen.status == 3 && frozen.stderr == "mreg: error: pre-register hook refused registering fraud v2: registrations are frozen\n", "\(frozen)")
            #expect(try readFile("\(dir)/.mreg/refs/models/fraud/head") == head)
            try FileManager.default.removeItem(atPath: "\(dir)/.mreg/hooks/pre-register")
            try writeFile("\(dir)/.mreg/hooks/post-register", "#!/bin/sh\necho 'index is down' >&2\nexit 2\n")
            chmod("\(dir)/.mreg/hooks/post-register", 0o755)
            let warned = try mreg.run(["register", "fraud", "m9"], cwd: dir).succeeded()
            #expect(warned.stderr.contains("mreg: warning: post-register hook failed (exit status 2): index is down"), "\(warned)")
            try mreg.run(["verify"], cwd: dir).succeeded()
        }
    }
}

extension Tools {
    static let sshKeygen = which("ssh-keygen")
}
