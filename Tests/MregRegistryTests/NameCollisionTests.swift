import Foundation
import MregTestSupport
import Testing
import MregStore
@testable import MregRegistry

@Suite("Tags and stages do not shadow each other")
struct NameCollisionTests {
    @Test func aTagNamedLikeAStageIsRefused() throws {
        try GovernanceFixture.with { f in
            try f.register(metrics: [])
            let registry = try f.registry
            for stage in registry.stages {
                #expect(throws: RegistryError.self) { try registry.tag(model: "fraud", version: 1, tag: stage, force: true) }
            }
            do {
                try registry.validateNewTag("production")
                Issue.record("a tag named 'production' was accepted")
            } catch RegistryError.invalidName(let kind, let name, let reason) {
                #expect(kind == .tag && name == "production" && reason.contains("stage"))
            }
            // A stage only the model's history holds is reserved too.
            #expect(throws: RegistryError.self) { try registry.validateNewTag("canary", stagesHeld: ["canary"]) }
            try registry.validateNewTag("best")
            try registry.tag(model: "fraud", version: 1, tag: "best", force: false)
            #expect(try registry.state(of: "fraud").tags["best"] == 1)
        }
    }

    @Test func aNewStageNamedLikeATagIsRefused() throws {
        try GovernanceFixture.with { f in
            try f.register(metrics: [])
            let registry = try f.registry
            try registry.tag(model: "fraud", version: 1, tag: "best", force: false)
            do {
                try registry.validateNewStages(["development", "best"])
                Issue.record("a stage named like tag 'best' was accepted")
            } catch RegistryError.invalidName(let kind, let name, let reason) {
                #expect(kind == .stage && name == "best" && reason.contains("fraud has a tag"))
            }
            // Stages already in effect, and fresh names, pass.
            try registry.validateNewStages(["production", "qa"])
        }
    }
}
