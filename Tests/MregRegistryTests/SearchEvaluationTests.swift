import MregTestSupport
import Foundation
import Testing
@testable import MregRegistry
import MregFilter
@testable import MregSupport
@testable import MregIndex
@testable import MregGovernance
@testable import MregRemote

/// What searches find in a small store, and in what order.
@Suite struct SearchEvaluationTests {
    /// fraud v1..v3, churn v1..v2, llama v1 (GGUF, 7B), with stages and tags.
    static func store(_ body: (IndexFixture) throws -> Void) throws {
        try IndexFixture.with { f in
            let r = f.registry
            try f.register("fraud", params: ["optimizer": "adam", "lr": 0.01, "epochs": 10, "layers": [64, 32]],
                           metrics: ["auc": 0.90], message: "baseline", time: "2026-01-10T09:00:00Z")
            try f.register("fraud", params: ["optimizer": "adam", "lr": 0.02, "epochs": 10, "seed": "42"],
                           metrics: ["auc": 0.93, "loss": 0.2], message: "higher lr", time: "2026-02-10T09:00:00Z",
                           actor: "Bob <bob@example.com>")
            try f.register("fraud", params: ["optimizer": "sgd", "lr": 0.1, "use_bias": true],
                           metrics: ["auc": 0.88], message: "SGD try", time: "2026-03-10T09:00:00Z")
            try f.register("churn", params: ["optimizer": "Adam", "dropout-rate": 0.5], metrics: ["auc": 0.95],
                           format: "onnx", parameters: nil, time: "2026-02-20T12:30:00Z")
            try f.register("churn", params: ["optimizer": "adam"], metrics: [:], format: nil, parameters: nil,
                           time: "2026-03-01T00:00:00Z")
            try f.register("llama", params: ["quant": "q4"], metrics: ["ppl": 5.5], format: "gguf", parameters: 7_000_000_000,
                           time: "2026-03-15T08:00:00Z")
            try r.promote(model: "fraud", version: 2, stage: "production", reason: nil)
            try r.promote(model: "fraud", version: 2, stage: "staging", reason: nil)
            try r.promote(model: "churn", version: 1, stage: "staging", reason: nil)
            try r.tag(model: "fraud", version: 1, tag: "reviewed", force: false)
            try r.tag(model: "fraud", version: 2, tag: "reviewed-2", force: false)
            try body(f)
        }
    }

    static func find(_ r: Registry, _ q: String, order: [String] = []) throws -> [String] {
        try RegistryIndex(registry: r).search(SearchQuery.parse(q), order: order.map(SearchOrder.parse)).hits.map { "\($0.model)@\($0.fields.version)" }
    }

    @Test func theIssueExampleAndPrecedence() throws {
        try Self.store { (f: IndexFixture) throws in
            let r = f.registry
            #expect(try Self.find(r, "params.optimizer = 'adam' and (metrics.auc >= 0.9 or tag = 'reviewed') and stage = 'production'")
                    == ["fraud@2"])
            #expect(try Self.find(r, "params.optimizer = 'adam' and metrics.auc >= 0.95 or tag = 'reviewed'").sorted() == ["fraud@1"])
            #expect(try Self.find(r, "params.optimizer = 'adam' and (metrics.auc >= 0.95 or tag = 'reviewed')") == ["fraud@1"])
            #expect(try Self.find(r, "not (model = 'fraud' or model = 'churn')") == ["llama@1"])
            #expect(try Self.find(r, "").count == 6)
        }
    }

    @Test func comparisonsOnEveryKindOfField() throws {
        try Self.store { (f: IndexFixture) throws in
            let r = f.registry
            #expect(try Self.find(r, "model = 'churn'", order: ["version"]) == ["churn@1", "churn@2"])
            #expect(try Self.find(r, "model != 'fraud'", order: ["model", "version"]) == ["churn@1", "churn@2", "llama@1"])
            #expect(try Self.find(r, "model > 'fraud'") == ["llama@1"])
            #expect(try Self.find(r, "version >= 3") == ["fraud@3"])
            #expect(try Self.find(r, "version = 'v2'", order: ["model"]) == ["churn@2", "fraud@2"])
            #expect(try Self.find(r, "author = 'Bob <bob@example.com>'") == ["fraud@2"])
            #expect(try Self.find(r, "author LIKE 'Ada%'").count == 5)
            #expect(try Self.find(r, "message ILIKE '%sgd%'") == ["fraud@3"])
            #expect(try Self.find(r, "params.lr < 0.05", order: ["params.lr"]) == ["fraud@1", "fraud@2"])
            #expect(try Self.find(r, "params.lr = '0.02'") == ["fraud@2"])          // quoted number, MLflow-style
            #expect(try Self.find(r, "params.epochs = 10.0", order: ["version"]) == ["fraud@1", "fraud@2"])
            #expect(try Self.find(r, "params.seed > 40") == ["fraud@2"])            // a numeric string compares as a number
            #expect(try Self.find(r, "params.seed = '42'") == ["fraud@2"])
            #expect(try Self.find(r, "params.use_bias = true") == ["fraud@3"])
            #expect(try Self.find(r, "params.use_bias = 'true'") == ["fraud@3"])
            #expect(try Self.find(r, "params.layers = '[64,32]'") == ["fraud@1"])
            #expect(try Self.find(r, "params.`dropout-rate` = 0.5") == ["churn@1"])
            #expect(try Self.find(r, "params.dropout-rate >= 0.5") == ["churn@1"])
            #expect(try Self.find(r, "params.optimizer = 'adam'").count == 3)
            #expect(try Self.find(r, "params.optimizer ILIKE 'adam'").count == 4)
            #expect(try Self.find(r, "params.optimizer LIKE 'a%'").count == 3)
            #expect(try Self.find(r, "params.lr LIKE '0.0%'", order: ["version"]) == ["fraud@1", "fraud@2"])  // numbers match as text
            #expect(try Self.find(r, "params.optimizer IN ('sgd', 'Adam')", order: ["model"]) == ["churn@1", "fraud@3"])
            #expect(try Self.find(r, "metrics.loss IS NOT NULL") == ["fraud@2"])
            #expect(try Self.find(r, "metrics.auc IS NULL", order: ["model"]) == ["churn@2", "llama@1"])
            #expect(try Self.find(r, "params.nope = 1").isEmpty)
            #expect(try Self.find(r, "parameters > 1B") == ["llama@1"])
            #expect(try Self.find(r, "parameters = 4160").count == 3)
            #expect(try Self.find(r, "parameters IS NULL", order: ["model", "version"]) == ["churn@1", "churn@2"])
            #expect(try Self.find(r, "format = 'gguf'") == ["llama@1"])
            #expect(try Self.find(r, "format IS NULL") == ["churn@2"])
        }
    }

    @Test func missingValuesNeverMatchAComparisonEvenANegativeOne() throws {
        try Self.store { (f: IndexFixture) throws in
            let r = f.registry
            // SQL semantics: a version without params.seed is neither = nor != '42'.
            #expect(try Self.find(r, "params.seed != '42'").isEmpty)
            #expect(try Self.find(r, "params.quant NOT IN ('q8')") == ["llama@1"])
            #expect(try Self.find(r, "params.optimizer != 'adam'", order: ["model"]) == ["churn@1", "fraud@3"])
        }
    }

    @Test func stagesTagsAndFormatsAreSetsOfValues() throws {
        try Self.store { (f: IndexFixture) throws in
            let r = f.registry
            #expect(try Self.find(r, "stage = 'staging'", order: ["model"]) == ["churn@1", "fraud@2"])
            #expect(try Self.find(r, "stage = 'production' and stage = 'staging'") == ["fraud@2"])
            // Negations hold when no value satisfies the positive form (and for versions without any).
            #expect(try Self.find(r, "stage != 'production'").count == 5)
            #expect(try Self.find(r, "stage NOT IN ('production', 'staging')").count == 4)
            #expect(try Self.find(r, "stage IS NULL").count == 4)
            #expect(try Self.find(r, "stage IS NOT NULL", order: ["model"]) == ["churn@1", "fraud@2"])
            #expect(try Self.find(r, "tag LIKE 'reviewed%'", order: ["version"]) == ["fraud@1", "fraud@2"])
            #expect(try Self.find(r, "tag = 'reviewed'") == ["fraud@1"])
            #expect(try Self.find(r, "tag NOT LIKE 'rev%'").count == 4)
            #expect(try Self.find(r, "format != 'safetensors'", order: ["model", "version"]) == ["churn@1", "churn@2", "llama@1"])
        }
    }

    @Test func createdComparesWithDateSpans() throws {
        try Self.store { (f: IndexFixture) throws in
            let r = f.registry
            #expect(try Self.find(r, "created = '2026-02'", order: ["model"]) == ["churn@1", "fraud@2"])
            #expect(try Self.find(r, "created >= '2026-03-01'", order: ["created"]) == ["churn@2", "fraud@3", "llama@1"])
            #expect(try Self.find(r, "created > '2026-03-01'", order: ["created"]) == ["fraud@3", "llama@1"])  // after that day
            #expect(try Self.find(r, "created <= '2026-02-10'", order: ["created"]) == ["fraud@1", "fraud@2"])
            #expect(try Self.find(r, "created < '2026-02-10'") == ["fraud@1"])
            #expect(try Self.find(r, "created = '2026-02-20 12:30'") == ["churn@1"])
            #expect(try Self.find(r, "created = '2026-02-20T14:30:00+02:00'") == ["churn@1"])
            #expect(try Self.find(r, "created LIKE '2026-01%'") == ["fraud@1"])
            #expect(try Self.find(r, "created IN ('2026-01', '2026-03-15')", order: ["created"]) == ["fraud@1", "llama@1"])
        }
    }

    @Test func orderingLimitAndTotals() throws {
        try Self.store { (f: IndexFixture) throws in
            let r = f.registry
            // Default: newest first.
            #expect(try Self.find(r, "") == ["llama@1", "fraud@3", "churn@2", "churn@1", "fraud@2", "fraud@1"])
            // Missing values last in both directions.
            #expect(try Self.find(r, "", order: ["metrics.auc DESC"]) == ["churn@1", "fraud@2", "fraud@1", "fraud@3", "churn@2", "llama@1"])
            #expect(try Self.find(r, "", order: ["metrics.auc"]).prefix(4) == ["fraud@3", "fraud@1", "fraud@2", "churn@1"])
            #expect(try Self.find(r, "", order: ["model DESC", "version ASC"]) == ["llama@1", "fraud@1", "fraud@2", "fraud@3", "churn@1", "churn@2"])
            let limited = try RegistryIndex(registry: r).search(SearchQuery.parse("model = 'fraud'"), order: [SearchOrder(field: .metric("auc"), descending: true)], limit: 2)
            #expect(limited.hits.map(\.fields.version) == [2, 1] && limited.total == 3 && limited.searched == 6)
            #expect(limited.extraColumns == [.metric("auc")])
            let hit = limited.hits[0]
            #expect(hit.stages == ["production", "staging"] && hit.tags == ["reviewed-2"] && hit.fields.formats == ["safetensors"])
            #expect(hit.fields.params["seed"] == "42" && hit.fields.metrics["loss"] == 0.2 && hit.fields.parameters == 4160)
            let json = hit.json
            #expect(json["model"] == "fraud" && json["version"] == 2 && json["created"] == "2026-02-10T09:00:00Z")
            #expect(json["manifest"]?.stringValue?.count == 64 && json["params"]?["lr"] == 0.02)
        }
    }
}
