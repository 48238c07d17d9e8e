import Foundation
import MregTestSupport
import Testing
import MregStore
@testable import MregRegistry
@testable import MregSupport
@testable import MregGovernance

/// `[retention]` and `[removal]` as read from policy.toml, which versions retention keeps, and
/// what a `remove` event does to a replayed state.
@Suite struct RetentionPolicyTests {
    static func parse(_ text: String) throws -> PromotionPolicy {
        try PromotionPolicy.parse(text, root: "/store/.mreg", knownStages: Registry.defaultStages)
    }

    static let id = ObjectID(bytes: [UInt8](repeating: 1, count: 32))

    /// A state with versions 1…count registered a day apart (version i on 2026-01-0i), and the given stages.
    static func state(_ model: String = "fraud", count: Int, stages: [String: Int64] = [:]) -> ModelState {
        var state = ModelState(model: model)
        for i in 1...count {
            let e = Event(model: model, sequence: Int64(i), parent: nil, action: .register, version: Int64(i), manifest: id,
                          actor: "Ada", time: "2026-01-\(i < 10 ? "0" : "")\(i)T00:00:00Z")
            state.apply(e, id: ObjectID(bytes: [UInt8](repeating: UInt8(i), count: 32)))
        }
        state.stages = stages
        return state
    }

    static func date(_ text: String) throws -> Date { try #require(Timestamp.parse(text)) }

    @Test func everyKeyIsReadAndPerModelTablesOverride() throws {
        let policy = try Self.parse("""
            [retention]
            keep_last = 3
            keep_days = 30
            keep_stages = ["production", "staging"]
            [retention.models.fraud]
            keep_last = 10
            [removal]
            require_reason = true
            """)
        let r = try #require(policy.retention)
        #expect(r.defaults == RetentionPolicy.Rules(keepLast: 3, keepDays: 30, keepStages: ["production", "staging"]))
        #expect(r.rules(for: "fraud") == RetentionPolicy.Rules(keepLast: 10, keepDays: 30, keepStages: ["production", "staging"]))
        #expect(r.rules(for: "other") == r.defaults)
        #expect(policy.removal?.requireReason == true && policy.removal?.signed == false)
    }

    @Test(arguments: [
        ("[retention]\nkeep_lst = 1", "unknown key 'keep_lst' in [retention]"),
        ("[retention]\nkeep_last = 2.0", "keep_last in [retention] must be a whole number"),
        ("[retention]\nkeep_days = 1e3", "keep_days in [retention] must be a whole number"),
        ("[retention]\nkeep_last = 1.5", "keep_last in [retention] must be a whole number"),
        ("[retention]\nkeep_last = 9999999999", "keep_last in [retention] must be a whole number from 0 to 2147483647"),
        ("[retention]\nkeep_days = -2", "keep_days in [retention] must be a whole number from 0 to 2147483647"),
        ("[retention]\nkeep_last = 1\nkeep_stages = \"production\"", "keep_stages in [retention] must be a list"),
        ("[retention]\nkeep_last = 1\nkeep_stages = [\"prod\"]", "unknown stage 'prod'"),
        ("[retention]\nkeep_stages = []", "must set keep_last or keep_days"),
        ("retention = 3", "'retention' must be a table"),
        ("[retention]\nkeep_last = 1\n[retention.models.\"a b\"]\nkeep_last = 2", "does not name a valid model"),
        ("[retention]\nkeep_last = 1\n[retention.models.fraud]\nkeep_days = true", "keep_days in [retention.models.fraud]"),
        ("[removal]\nsigned = 1", "signed in [removal] must be true or false"),
        ("[removal]\nsign = true", "unknown key 'sign' in [removal]"),
        ("[removal]\nsigned = true", "no allowed-signers file"),
    ])
    func brokenKeysFailClosed(_ text: String, _ expected: String) {
        do {
            _ = try Self.parse(text)
            Issue.record("accepted: \(text)")
        } catch {
            #expect("\(error)".contains(expected), "\(error)")
        }
    }

    @Test func aVersionIsKeptWhenAnyRuleKeepsIt() throws {
        let now = try Self.date("2026-01-08T12:00:00Z")
        var policy = RetentionPolicy()
        let state = Self.state(count: 8, stages: ["production": 1, "archived": 2, "staging": 3])
        policy.defaults = .init(keepLast: 2)
        #expect(policy.unkept(in: state, stages: Registry.defaultStages, now: now) == [2, 4, 5, 6])
        policy.defaults = .init(keepLast: 1, keepDays: 3)  // since 01-05T12: 6, 7, 8
        #expect(policy.unkept(in: state, stages: Registry.defaultStages, now: now) == [2, 4, 5])
        policy.defaults = .init(keepLast: 0, keepStages: ["production"])
        #expect(policy.unkept(in: state, stages: Registry.defaultStages, now: now) == [2, 3, 4, 5, 6, 7, 8])
        policy.models["fraud"] = .init(keepLast: 8)
        #expect(policy.unkept(in: state, stages: Registry.defaultStages, now: now).isEmpty)
    }

    @Test func aRemovedVersionLeavesTheStateButKeepsItsNumber() throws {
        var state = Self.state(count: 3)
        state.tags["best"] = 3
        state.stages["archived"] = 3
        let removal = ObjectID(bytes: [UInt8](repeating: 9, count: 32))
        state.apply(Event(model: "fraud", sequence: 4, parent: nil, action: .remove, version: 3, manifest: Self.id,
                          actor: "Bob", time: "2026-02-01T00:00:00Z", reason: "leak"), id: removal)
        #expect(state.versions.keys.sorted() == [1, 2])
        #expect(state.removed[3] == Removal(version: try #require(Self.state(count: 3).versions[3]), removedBy: "Bob",
                                            removedAt: "2026-02-01T00:00:00Z", reason: "leak", event: removal))
        #expect(state.latestVersion == 3 && state.latestLiveVersion == 2)
        #expect(state.tags.isEmpty && state.stages.isEmpty)
        // A remove event must name its version.
        let json = Event(model: "fraud", sequence: 5, parent: nil, action: .remove, actor: "Bob", time: "t").json
        #expect(throws: RegistryError.self) { try Event(json: json) }
    }
}
