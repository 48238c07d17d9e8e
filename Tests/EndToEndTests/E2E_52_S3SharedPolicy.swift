import Foundation
import MregTestSupport
import Testing

/// An S3 remote's policy: shared with `policy push`, adopted by clone and pull, guarding pushes.
@Suite(.enabled(if: S3Server.isAvailable, S3Server.skipReason))
struct S3SharedPolicyTests {
    static let policy = """
        [stages.production]
        from = ["staging"]
        require = "metrics.auc >= 0.9"
        """

    /// A store at `dir` with `policy` (if any), `origin` = `url`.
    static func store(_ mreg: MregRunner, _ dir: String, url: String, policy: String?) throws {
        try mreg.run(["init", "-q", dir]).succeeded()
        if let policy { try writeFile("\(dir)/.mreg/policy.toml", policy) }
        try mreg.run(["remote", "add", "origin", url], cwd: dir).succeeded()
    }

    /// The bytes of every key under `prefix` but the objects (heads, config, policy).
    static func state(_ s3: S3Server, _ bucket: String, _ prefix: String) throws -> [String: [UInt8]] {
        var out = [String: [UInt8]]()
        for key in try s3.keys(bucket: bucket, prefix: prefix) where !key.contains("/objects/") {
            out[key] = try s3.get(bucket: bucket, key: key)
        }
        return out
    }

    @Test func policyPushSharesItAndCloneAndPullAdoptIt() throws {
        let s3 = S3Server.shared!
        try withMreg { mreg, work in
            let bucket = try s3.makeBucket()
            let url = "s3://\(bucket)/team"
            let admin = "\(work)/admin", bob = "\(work)/bob", alice = "\(work)/alice"
            try Self.store(mreg, admin, url: url, policy: Self.policy + "\n[signing]\nallowed_signers = \"allowed_signers\"\n")
            let signers = "admin@example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n"
            // The allowed-signers file the policy names must exist to be shared.
            let missing = try mreg.run(["policy", "push"], cwd: admin, env: s3.environment)
            #expect(missing.status == 3 && missing.stderrIsOneLine && missing.stderr.contains("allowed_signers"), "\(missing)")
            #expect(try s3.keys(bucket: bucket, prefix: "team/policy").isEmpty)
            try writeFile("\(admin)/.mreg/allowed_signers", signers)
            let shared = try RemoteTests.json(try mreg.run(["policy", "push", "--json"], cwd: admin, env: s3.environment).succeeded())
            #expect(shared["status"] as? String == "created", "\(shared)")
            let keys = try s3.keys(bucket: bucket, prefix: "team/")
            #expect(keys.contains("team/policy") && keys.filter { $0.hasPrefix("team/policy-files/") }.count == 2, "\(keys)")
            let again = try RemoteTests.json(try mreg.run(["policy", "push", "--json"], cwd: admin, env: s3.environment).succeeded())
            #expect(again["status"] as? String == "up-to-date")

            // Judged under the shared policy, the admin's promotion is pushed.
            try GovernanceE2E.version(mreg, admin, auc: "0.95", seed: 1)
            try mreg.run(["promote", "fraud@1", "staging"], cwd: admin).succeeded()
            try mreg.run(["promote", "fraud@1", "production"], cwd: admin).succeeded()
            try mreg.run(["push"], cwd: admin, env: s3.environment).succeeded()

            // A clone adopts it, and promotions there are judged by it.
            try mreg.run(["clone", "-q", url, bob], cwd: work, env: s3.environment).succeeded()
            #expect(try readFile("\(bob)/.mreg/policy.toml") == readFile("\(admin)/.mreg/policy.toml"))
            #expect(try String(decoding: readFile("\(bob)/.mreg/allowed_signers"), as: UTF8.self) == signers)
            try GovernanceE2E.version(mreg, bob, auc: "0.5", seed: 2)
            try mreg.run(["promote", "fraud@2", "staging"], cwd: bob).succeeded()
            let refused = try mreg.run(["promote", "fraud@2", "production"], cwd: bob)
            #expect(refused.status == 3 && refused.stderr.contains("metrics.auc >= 0.9"), "\(refused)")

            // A store without a policy adopts it on pull.
            try Self.store(mreg, alice, url: url, policy: nil)
            try mreg.run(["pull"], cwd: alice, env: s3.environment).succeeded()
            #expect(try readFile("\(alice)/.mreg/policy.toml") == readFile("\(admin)/.mreg/policy.toml"))

            // Another policy never silently replaces the remote's: --replace does, and pull adopts it.
            let tighter = try String(decoding: readFile("\(alice)/.mreg/policy.toml"), as: UTF8.self).replacingOccurrences(of: "0.9", with: "0.97")
            try writeFile("\(alice)/.mreg/policy.toml", tighter)
            let before = try Self.state(s3, bucket, "team/")
            let kept = try mreg.run(["policy", "push"], cwd: alice, env: s3.environment)
            #expect(kept.status == 3 && kept.stderrIsOneLine && kept.stderr.contains("--replace"), "\(kept)")
            #expect(try Self.state(s3, bucket, "team/") == before)
            let replaced = try RemoteTests.json(try mreg.run(["policy", "push", "--replace", "--json"], cwd: alice, env: s3.environment).succeeded())
            #expect(replaced["status"] as? String == "replaced")
            try mreg.run(["pull"], cwd: bob, env: s3.environment).succeeded()
            #expect(try String(decoding: readFile("\(bob)/.mreg/policy.toml"), as: UTF8.self) == tighter)
        }
    }

    @Test func aPushTheRemotesPolicyRefusesLeavesTheRemoteUnchanged() throws {
        let s3 = S3Server.shared!
        try withMreg { mreg, work in
            let bucket = try s3.makeBucket()
            let url = "s3://\(bucket)/gov"
            let admin = "\(work)/admin", carol = "\(work)/carol", dave = "\(work)/dave"
            try Self.store(mreg, admin, url: url, policy: Self.policy)
            try mreg.run(["policy", "push"], cwd: admin, env: s3.environment).succeeded()

            // Carol has no policy: her promotion of a weak version was never judged by the team's.
            try Self.store(mreg, carol, url: url, policy: nil)
            try GovernanceE2E.version(mreg, carol, auc: "0.5", seed: 3)
            try mreg.run(["promote", "fraud@1", "production"], cwd: carol).succeeded()
            let before = try Self.state(s3, bucket, "gov/")
            let push = try mreg.run(["push"], cwd: carol, env: s3.environment)
            #expect(push.status == 3 && push.stderrIsOneLine, "\(push)")
            #expect(push.stderr.contains("fraud") && push.stderr.contains("metrics.auc >= 0.9 is false") && push.stderr.contains("remote's policy"), "\(push)")
            #expect(try Self.state(s3, bucket, "gov/") == before)

            // One that passes the remote's rules but was judged under another policy is refused too.
            try Self.store(mreg, dave, url: url, policy: "[stages.production]\nrequire_reason = false\n")
            try GovernanceE2E.version(mreg, dave, auc: "0.95", seed: 4)
            try mreg.run(["promote", "fraud@1", "staging"], cwd: dave).succeeded()
            try mreg.run(["promote", "fraud@1", "production"], cwd: dave).succeeded()
            let other = try mreg.run(["push"], cwd: dave, env: s3.environment)
            #expect(other.status == 3 && other.stderr.contains("not judged under the remote's policy"), "\(other)")
            #expect(try Self.state(s3, bucket, "gov/") == before)
        }
    }

    @Test func aBrokenRemotePolicyIsRefusedByCloneAndPull() throws {
        let s3 = S3Server.shared!
        try withMreg { mreg, work in
            let bucket = try s3.makeBucket()
            let url = "s3://\(bucket)/bad"
            let admin = "\(work)/admin"
            try Self.store(mreg, admin, url: url, policy: nil)
            try GovernanceE2E.version(mreg, admin, auc: "0.95", seed: 5)
            try mreg.run(["push"], cwd: admin, env: s3.environment).succeeded()
            // A policy that does not parse, put in place by hand.
            let broken = Array("[stages.production]\nrequire = \"metrics.auc >= \"\n".utf8)
            try writeFile("\(work)/broken.toml", broken)
            let sum = try mreg.runProgram(try #require(which("sha256sum")), ["\(work)/broken.toml"]).succeeded().stdout.prefix(64)
            try s3.put(bucket: bucket, key: "bad/policy-files/\(sum)", bytes: broken)
            try s3.put(bucket: bucket, key: "bad/policy", bytes: Array("\(sum) policy.toml\n".utf8))

            let clone = try mreg.run(["clone", "-q", url, "\(work)/bob"], cwd: work, env: s3.environment)
            #expect(clone.status == 3 && clone.stderrIsOneLine && clone.stderr.contains("policy.toml") && clone.stderr.contains("require"), "\(clone)")
            #expect(!FileManager.default.fileExists(atPath: "\(work)/bob"))

            let before = snapshot("\(admin)/.mreg")
            let pull = try mreg.run(["pull"], cwd: admin, env: s3.environment)
            #expect(pull.status == 3 && pull.stderrIsOneLine && pull.stderr.contains("policy.toml"), "\(pull)")
            #expect(differences(before, snapshot("\(admin)/.mreg")).isEmpty)

            // A policy list that would have pull overwrite the store's config is refused too.
            try s3.put(bucket: bucket, key: "bad/policy", bytes: Array("\(sum) config\n".utf8))
            let hostile = try mreg.run(["pull"], cwd: admin, env: s3.environment)
            #expect(hostile.status == 4 && hostile.stderrIsOneLine && hostile.stderr.contains("config"), "\(hostile)")
            #expect(differences(before, snapshot("\(admin)/.mreg")).isEmpty)
        }
    }
}

/// `mreg policy push` onto a filesystem remote: the same rules as in a bucket.
@Suite struct PolicyPushFilesystemTests {
    @Test func policyPushCreatesButNeverSilentlyReplacesAFilesystemRemotesPolicy() throws {
        try withMreg { mreg, work in
            let shared = "\(work)/shared", admin = "\(work)/admin"
            try mreg.run(["init", "-q", shared], cwd: work).succeeded()
            try S3SharedPolicyTests.store(mreg, admin, url: shared, policy: S3SharedPolicyTests.policy)
            try mreg.run(["policy", "push"], cwd: admin).succeeded()
            #expect(try readFile("\(shared)/.mreg/policy.toml") == readFile("\(admin)/.mreg/policy.toml"))
            try writeFile("\(admin)/.mreg/policy.toml", "[stages.production]\nrequire_reason = true\n")
            let before = snapshot("\(shared)/.mreg")
            let kept = try mreg.run(["policy", "push", "origin"], cwd: admin)
            #expect(kept.status == 3 && kept.stderrIsOneLine && kept.stderr.contains("--replace"), "\(kept)")
            #expect(differences(before, snapshot("\(shared)/.mreg")).isEmpty)
            try mreg.run(["policy", "push", "--replace"], cwd: admin).succeeded()
            #expect(try readFile("\(shared)/.mreg/policy.toml") == readFile("\(admin)/.mreg/policy.toml"))
        }
    }
}
