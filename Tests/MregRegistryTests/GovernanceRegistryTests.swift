import MregTestSupport
import Foundation
import Testing
import MregStore
@testable import MregRegistry
@testable import MregFilter
@testable import MregSupport
@testable import MregIndex
@testable import MregGovernance
@testable import MregRemote

/// Promotion policies, hooks, signatures and verify, through the library.
@Suite struct GovernanceRegistryTests {
    static func refusal(_ body: () throws -> Void) -> RegistryError? {
        do {
            try body()
            return nil
        } catch let e as RegistryError {
            return e
        } catch {
            Issue.record("unexpected \(error)")
            return nil
        }
    }

    /// The policy's refusal inside an error, if that is what it is.
    static func policy(_ e: RegistryError?) -> RegistryError.PolicyRefusal? {
        if case .refused(.policy(let p))? = e { return p }
        return nil
    }

    /// The problem of a refused incoming event, if that is what it is.
    static func incoming(_ e: RegistryError?) -> String? {
        if case .refused(.incomingEvent(_, _, _, let problem))? = e { return problem }
        return nil
    }

    @Test func aRefusedPromotionLeavesTheStoreUnchanged() throws {
        try GovernanceFixture.with { f in
            try f.register(metrics: ["auc=0.93"])
            try f.writePolicy("[stages.production]\nrequire = \"metrics.auc >= 0.95\"\n")
            let before = f.snapshot()
            let e = Self.refusal { try f.registry.promote(model: "fraud", version: 1, stage: "production", reason: "try") }
            #expect(e == .refused(.policy(.init(.failed, model: "fraud", version: 1, stage: "production",
                                                summary: "require: metrics.auc >= 0.95 is false (metrics.auc = 0.93)"))))
            #expect(e?.description == "policy refuses promoting fraud v1 to production: require: metrics.auc >= 0.95 is false (metrics.auc = 0.93)")
            #expect(f.snapshot() == before)
        }
    }

    @Test func aPassingPromotionRecordsTheVerdict() throws {
        try GovernanceFixture.with { f in
            try f.register(metrics: ["auc=0.96"])
            try f.writePolicy("[stages.production]\nrequire = \"metrics.auc >= 0.95\"\ncard_fields = [\"license\"]\n")
            let change = try f.registry.promote(model: "fraud", version: 1, stage: "production", reason: nil)
            let verdict = try PolicyVerdict(json: #require(change.event?.verdict))
            #expect(verdict.passed && verdict.rules.map(\.rule) == ["require", "card_fields"])
            #expect(verdict.policy == (try Governance(f.registry).policy().digest))
            #expect(change.event?.force == false)
            // Stages without rules get no verdict, so their events are as before.
            let staging = try f.registry.promote(model: "fraud", version: 1, stage: "staging", reason: nil)
            #expect(staging.event?.verdict == nil)
            #expect(staging.event?.json.objectValue?.keys.contains("verdict") == false)
            #expect(try Governance(f.registry).verify().ok)
        }
    }

    @Test func forceWorksOnlyWhereThePolicyAllowsItAndIsRecorded() throws {
        try GovernanceFixture.with { f in
            try f.register(metrics: ["auc=0.80"])
            try f.writePolicy("[stages.production]\nrequire = \"metrics.auc >= 0.9\"\n[stages.staging]\nrequire = \"metrics.auc >= 0.9\"\nallow_force = true\n")
            let notAllowed = Self.refusal { try f.registry.promote(model: "fraud", version: 1, stage: "production", reason: "x", force: true) }
            #expect(Self.policy(notAllowed)?.reason == .forceNotAllowed)
            let noReason = Self.refusal { try f.registry.promote(model: "fraud", version: 1, stage: "staging", reason: nil, force: true) }
            #expect(Self.policy(noReason)?.reason == .forceNeedsReason)
            let hint = Self.refusal { try f.registry.promote(model: "fraud", version: 1, stage: "staging", reason: nil) }
            #expect(Self.policy(hint)?.reason == .failed && Self.policy(hint)?.forceable == true)
            #expect(Self.policy(notAllowed)?.forceable == false)
            let forced = try f.registry.promote(model: "fraud", version: 1, stage: "staging", reason: "hotfix", force: true)
            #expect(forced.event?.force == true)
            #expect(try PolicyVerdict(json: #require(forced.event?.verdict)).passed == false)
            #expect(try Governance(f.registry).verify().ok)
        }
    }

    @Test func registerWithAStageChecksThePolicyBeforeRegistering() throws {
        try GovernanceFixture.with { f in
            try f.writePolicy("[stages.production]\nfrom = [\"staging\"]\n")
            let e = Self.refusal { try f.register(metrics: ["auc=0.99"], stage: "production") }
            #expect(Self.policy(e)?.registering == true)
            #expect(e?.description.contains("policy refuses registering fraud v1 into production: from: v1 must be in staging") == true)
            #expect(try f.registry.head(of: "fraud") == nil)
            let ok = try f.register(metrics: ["auc=0.99"], stage: "staging")
            #expect(ok.stage == "staging")
        }
    }

    @Test func preHooksRefuseWithTheirMessageAndPostHooksRun() throws {
        try GovernanceFixture.with { f in
            try f.register(metrics: ["auc=0.9"])
            try f.hook("pre-promote", """
                cat > /dev/null
                if [ "$MREG_STAGE" = production ]; then echo "change ticket required for $MREG_MODEL v$MREG_VERSION" >&2; exit 1; fi
                """)
            try f.hook("post-promote", "cat > \"$MREG_DIR/../post.json\"; echo \"$MREG_EVENT\" > \"$MREG_DIR/../post.id\"")
            let before = f.snapshot()
            let e = Self.refusal { try f.registry.promote(model: "fraud", version: 1, stage: "production", reason: nil) }
            #expect(e == .refused(.hook(name: "pre-promote", action: "promoting fraud v1 to production", message: "change ticket required for fraud v1")))
            #expect(f.snapshot() == before)

            let change = try f.registry.promote(model: "fraud", version: 1, stage: "staging", reason: "ok")
            let id = try #require(change.eventID)
            let posted = try JSONValue.parse(Array(#require(FileManager.default.contents(atPath: "\(f.dir)/post.json"))))
            #expect(posted["id"]?.stringValue == id.hex && posted["stage"]?.stringValue == "staging" && posted["reason"]?.stringValue == "ok")
            #expect(posted["schema"] == nil)
            #expect(String(decoding: FileManager.default.contents(atPath: "\(f.dir)/post.id") ?? Data(), as: UTF8.self) == id.hex + "\n")

            // A failing post-hook only warns.
            try f.hook("post-promote", "echo 'pager is down' >&2; exit 3")
            let warned = try f.registry.promote(model: "fraud", version: 1, stage: "development", reason: nil)
            #expect(warned.changed && warned.warnings == ["post-promote hook failed (exit status 3): pager is down"])
        }
    }

    @Test func preRegisterRefusesBeforeTheHeadMoves() throws {
        try GovernanceFixture.with { f in
            try f.register(metrics: ["auc=0.9"])
            let head = try f.registry.head(of: "fraud")
            try f.hook("pre-register", "read event; case \"$event\" in *'\"action\":\"register\"'*) ;; *) exit 9;; esac; echo \"no v$MREG_VERSION today\" >&2; exit 1")
            let e = Self.refusal { try f.register(metrics: ["auc=0.91"], seed: 1) }
            #expect(e == .refused(.hook(name: "pre-register", action: "registering fraud v2", message: "no v2 today")))
            #expect(e?.description == "pre-register hook refused registering fraud v2: no v2 today")
            #expect(try f.registry.head(of: "fraud") == head)
            try f.hook("post-register", "exit 1")
            try FileManager.default.removeItem(atPath: "\(f.root)/hooks/pre-register")
            let r = try f.register(metrics: ["auc=0.91"], seed: 1)
            #expect(r.version == 2 && r.warnings.contains { $0.hasPrefix("post-register hook failed (exit status 1)") })
        }
    }

    @Test func aHookThatIsNotExecutableIsSkippedWithAWarning() throws {
        try GovernanceFixture.with { f in
            try f.register(metrics: ["auc=0.9"])
            try f.hook("pre-promote", "exit 1")
            chmod("\(f.root)/hooks/pre-promote", 0o644)
            let change = try f.registry.promote(model: "fraud", version: 1, stage: "staging", reason: nil)
            #expect(change.changed && change.warnings.first?.contains("not executable") == true)
        }
    }

    @Test func verifyRecordsACheckpointAndFindsAnAlteredEvent() throws {
        try GovernanceFixture.with { f in
            try f.register(metrics: ["auc=0.9"])
            try f.registry.promote(model: "fraud", version: 1, stage: "staging", reason: "a")
            try f.registry.promote(model: "fraud", version: 1, stage: "production", reason: "b")
            let first = try Governance(f.registry).verify()
            #expect(first.ok && first.models.map(\.checkpoint) == [.recorded])
            #expect(first.models[0].events == 3 && first.models[0].versions == 1 && first.models[0].bytes > 0)
            #expect(try Governance(f.registry).verify(models: ["fraud"]).models.map(\.checkpoint) == [.unchanged])

            // Rewrite event #2's file with another event's bytes under its old name.
            let events = try f.registry.events(of: "fraud")
            let second = events[1]
            var forged = second.event
            forged.reason = "edited"
            let store = try f.registry.store
            let written = try store.write(type: .event, bytes: forged.json.canonicalBytes)
            try FileManager.default.removeItem(atPath: store.path(for: second.id))
            try FileManager.default.copyItem(atPath: store.path(for: written.id), toPath: store.path(for: second.id))
            let report = try Governance(f.registry).verify()
            #expect(!report.ok)
            let problem = try #require(report.firstProblem)
            #expect(problem.sequence == 2 && problem.event == second.id)
            #expect(problem.message.contains("is damaged or was altered"))
        }
    }

    @Test func signedPromotionsAndIncomingEvents() throws {
        guard GovernanceFixture.hasSSHKeygen else {
            print("skipping signature tests: ssh-keygen is not installed")
            return
        }
        try GovernanceFixture.with { f in
            let ada = try f.keygen("ada", principal: "ada@example.com")
            let eve = try f.keygen("eve", principal: "eve@example.com")
            try Data(ada.allowed.utf8).write(to: URL(fileURLWithPath: "\(f.root)/allowed_signers"))
            try f.writePolicy("[stages.production]\nsigned = true\n[signing]\nallowed_signers = \"allowed_signers\"\n")
            try f.register(metrics: ["auc=0.9"])
            var repo = try Repository(root: f.root)

            // Unsigned: refused. Signed by a stranger's key: refused before anything is written.
            let unsigned = Self.refusal { try f.registry.promote(model: "fraud", version: 1, stage: "production", reason: nil) }
            #expect(Self.policy(unsigned)?.summary.contains("signed: promotions to production must be signed") == true)
            try repo.setConfig("user.signingKey", eve.key)
            let before = f.snapshot()
            let stranger = Self.refusal { try f.registry.promote(model: "fraud", version: 1, stage: "production", reason: nil, sign: true) }
            guard case .refused(.signatureWouldNotVerify)? = stranger else { Issue.record("\(String(describing: stranger))"); return }
            #expect(f.snapshot() == before)

            try repo.setConfig("user.signingKey", ada.key)
            let change = try f.registry.promote(model: "fraud", version: 1, stage: "production", reason: "signed off", sign: true)
            let event = try #require(change.event), id = try #require(change.eventID)
            #expect(event.signer == "ada@example.com" && event.signature?.hasPrefix("-----BEGIN SSH SIGNATURE-----") == true)
            let report = try Governance(f.registry).verify()
            #expect(report.ok && report.models[0].signatures.map(\.signer) == ["ada@example.com"])

            // Incoming events: a good signed promotion passes; an altered one, or an unsigned one, is refused.
            try Governance(f.registry).validateIncoming(model: "fraud", events: [(id, event)])
            var altered = event
            altered.reason = "changed after signing"
            let alteredID = try f.registry.store.write(type: .event, bytes: altered.json.canonicalBytes).id
            #expect(Self.incoming(Self.refusal { try Governance(f.registry).validateIncoming(model: "fraud", events: [(alteredID, altered)]) })?
                .contains("does not verify") == true)
            var stripped = event
            stripped.signature = nil
            stripped.signer = nil
            let strippedID = try f.registry.store.write(type: .event, bytes: stripped.json.canonicalBytes).id
            #expect(Self.incoming(Self.refusal { try Governance(f.registry).validateIncoming(model: "fraud", events: [(strippedID, stripped)]) })?
                .contains("without a signature") == true)
            // Signed by a stranger (a key not in allowed_signers).
            var byEve = event
            byEve.signer = "ada@example.com"
            byEve.signature = try SSHSignature.sign(byEve.signedBytes, keyPath: eve.key)
            let eveID = try f.registry.store.write(type: .event, bytes: byEve.json.canonicalBytes).id
            #expect(Self.incoming(Self.refusal { try Governance(f.registry).validateIncoming(model: "fraud", events: [(eveID, byEve)]) }) != nil)
        }
    }
}
