import MregTestSupport
import Foundation
import Testing
import MregStore
@testable import MregRegistry
@testable import MregGovernance
@testable import MregRemote

/// The local S3-compatible test server, when `.ci/run` started one.
private let guardTestEndpoint = ProcessInfo.processInfo.environment["MREG_TEST_S3_ENDPOINT"].flatMap { $0.isEmpty ? nil : $0 }

/// A push's check against an S3 remote's policy when the policy changes while heads move.
@Suite(.enabled(if: guardTestEndpoint != nil, "needs MREG_TEST_S3_ENDPOINT (.ci/run starts moto_server)"))
struct RemotePolicyGuardTests {
    static var endpoint: String? { guardTestEndpoint }

    /// A fresh bucket on the test server, as an S3 remote.
    static func remote(staging: String) throws -> S3Remote {
        let environment = ["AWS_ENDPOINT_URL": endpoint ?? "", "AWS_ACCESS_KEY_ID": "mregtest", "AWS_SECRET_ACCESS_KEY": "mregtest-secret",
                           "AWS_REGION": "us-east-1"]
        let bucket = "mreg-guard-\(UInt64.random(in: 0...UInt64.max) % 1_000_000_000_000)"
        let settings = try S3Settings.resolve(remote: nil, bucket: bucket, config: { _ in nil }, environment: environment)
        let remote = S3Remote(bucket: bucket, prefix: "team", settings: settings, stagingParent: staging)
        let created = try remote.client.send("PUT", key: nil)
        #expect(created.status == 200)
        return remote
    }

    @Test func aPolicyChangedWhileHeadsMovedSendsTheHeadsItRefusesBack() throws {
        try GovernanceFixture.with { ada in
            let registry = try ada.registry
            let remote = try Self.remote(staging: registry.store.directory)
            defer { remote.close() }
            try ada.register(metrics: ["auc=0.5"])
            _ = try Remotes(registry).push(to: remote, remoteName: nil)
            _ = try registry.promote(model: "fraud", version: 1, stage: "production", reason: nil)
            let old = try #require(try remote.readHead(model: "fraud"))
            let new = try #require(try registry.head(of: "fraud"))

            // The push reads the remote's policy (none), judges, ...
            let check = try RemotePolicyGuard(remote: remote, local: Governance(registry))
            defer { check.close() }
            try check.check(model: "fraud", since: old.id)
            // ... someone shares a policy meanwhile, and the head moves.
            let policy = Data("[stages.production]\nrequire = \"metrics.auc >= 0.9\"\n".utf8)
            #expect(try remote.writePolicy(["policy.toml": policy], replacing: nil))
            try remote.moveHead(model: "fraud", to: new, from: old)

            let refused = try check.confirm(moved: [(model: "fraud", old: old, new: new)])
            let refusal = try #require(refused["fraud"])
            #expect(refusal.description.contains("metrics.auc >= 0.9") && refusal.description.contains("moved back"), "\(refusal)")
            #expect(try remote.readHead(model: "fraud")?.id == old.id)

            // With the policy unchanged since it was read, nothing is judged again.
            let unchanged = try RemotePolicyGuard(remote: remote, local: Governance(registry))
            defer { unchanged.close() }
            #expect(try unchanged.confirm(moved: [(model: "fraud", old: old, new: new)]).isEmpty)
            // And a second write of a policy with the token read before it changed is refused.
            #expect(try !remote.writePolicy(["policy.toml": Data("[stages.staging]\n".utf8)], replacing: "\"stale\""))
        }
    }
}
