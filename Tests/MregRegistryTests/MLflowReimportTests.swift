import Foundation
import MregStore
import MregTestSupport
import Testing
@testable import MregRegistry
@testable import MregSupport

/// `Registry.importMLflow` run again after MLflow changed (the file-store fixture, edited as MLflow
/// would leave it): what an import set follows MLflow, what a person set by hand is left alone.
@Suite struct MLflowReimportTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/mlflow").path

    /// The file-store fixture copied into `dir`; returns its `mlruns` folder.
    static func fileStore(in dir: String) throws -> String {
        try FileManager.default.copyItem(atPath: "\(fixtures)/filestore", toPath: "\(dir)/filestore")
        return "\(dir)/filestore/mlruns"
    }

    @Test func missingArtefactsRoundTripAndChangesReadAsSaid() throws {
        let missing = MLflowStore.MissingArtefacts(path: "/data/mlruns/1/abc/artifacts", reason: "does not exist")
        #expect(MLflowStore.MissingArtefacts(json: missing.json) == missing)
        #expect(MLflowStore.MissingArtefacts(json: .string("gone")) == nil)
        #expect(missing.text == "/data/mlruns/1/abc/artifacts does not exist")
        #expect(MLflowImportChange(kind: .tag, name: "champion", oldVersion: 2, newVersion: 1, recorded: true).text == "tagged champion (moved from v2)")
        #expect(MLflowImportChange(kind: .mlflowTag, name: "validated", old: "true", recorded: false).text
                == "MLflow tag validated removed (was true), not recorded")
        #expect(MLflowImportChange(kind: .demote, name: "staging", mlflowStage: "None", recorded: true).json["recorded"] == .bool(true))
        // One schema: tag and stage kinds carry mreg version numbers, MLflow tags and descriptions texts.
        let demote = MLflowImportChange(kind: .demote, name: "production", oldVersion: 2, mlflowStage: "None", recorded: true).json
        #expect(demote["old"] == .int(2) && demote["new"] == .null && demote["mlflow_stage"] == .string("None"), "\(demote)")
        let moved = MLflowImportChange(kind: .tag, name: "champion", oldVersion: 3, newVersion: 1, recorded: true).json
        #expect(moved["old"] == .int(3) && moved["new"] == .int(1) && moved["mlflow_stage"] == nil, "\(moved)")
        let tag = MLflowImportChange(kind: .mlflowTag, name: "validated", old: "true", new: "false", recorded: false).json
        #expect(tag["old"] == .string("true") && tag["new"] == .string("false"), "\(tag)")
    }

    @Test func whatAPersonChangedByHandIsLeftAloneWhenMLflowLetsGo() throws {
        try GovernanceFixture.with { fx in
            let mlruns = try Self.fileStore(in: fx.dir)
            let registry = try fx.registry
            let first = try registry.importMLflow(uri: mlruns, models: ["fraud-detector"], dryRun: false, arguments: ["mreg"])
            #expect(first.versions.map(\.version) == [1, 2] && first.versions.allSatisfy(\.added))
            // By hand: champion moved to v1, v2 promoted into staging again (both no longer the import's).
            try registry.tag(model: "fraud-detector", version: 1, tag: "champion", force: true)
            try registry.demote(model: "fraud-detector", stage: "staging", reason: nil)
            try registry.promote(model: "fraud-detector", version: 2, stage: "staging", reason: "by hand")
            // In MLflow: the alias removed, v2 back to stage None.
            let model = "\(mlruns)/models/fraud-detector"
            try FileManager.default.removeItem(atPath: "\(model)/aliases/champion")
            let meta = try String(contentsOfFile: "\(model)/version-2/meta.yaml", encoding: .utf8)
            try writeFile("\(model)/version-2/meta.yaml", meta.replacingOccurrences(of: "current_stage: Staging", with: "current_stage: None"))

            let again = try registry.importMLflow(uri: mlruns, models: [], dryRun: false, arguments: ["mreg"])
            let v1 = try #require(again.versions.first { $0.model == "fraud-detector" && $0.mlflowVersion == 1 })
            let v2 = try #require(again.versions.first { $0.model == "fraud-detector" && $0.mlflowVersion == 2 })
            #expect(v1.changes.isEmpty && v1.tags == ["champion"] && v1.stage == "production", "\(v1)")
            #expect(v2.changes.isEmpty && v2.stage == "staging", "\(v2)")
            let state = try registry.state(of: "fraud-detector")
            #expect(state.tags["champion"] == 1 && state.stages["staging"] == 2)
            #expect(again.versions.contains { $0.model == "churn" && $0.added })
        }
    }

    @Test func aChangedModelDescriptionIsReported() throws {
        try GovernanceFixture.with { fx in
            let mlruns = try Self.fileStore(in: fx.dir)
            let registry = try fx.registry
            _ = try registry.importMLflow(uri: mlruns, models: ["fraud-detector"], dryRun: false, arguments: ["mreg"])
            let meta = "\(mlruns)/models/fraud-detector/meta.yaml"
            let text = try String(contentsOfFile: meta, encoding: .utf8)
            #expect(text.contains("description: Flags fraudulent card payments."))
            try writeFile(meta, text.replacingOccurrences(of: "description: Flags fraudulent card payments.", with: "description: Flags fraud."))
            let again = try registry.importMLflow(uri: mlruns, models: ["fraud-detector"], dryRun: true, arguments: ["mreg"])
            for v in again.versions {
                #expect(v.changes == [MLflowImportChange(kind: .modelDescription, old: "Flags fraudulent card payments.", new: "Flags fraud.", recorded: false)], "\(v)")
            }
            #expect(again.versions.first?.changes.first?.text == "MLflow model description changed, not recorded")
        }
    }

    @Test func aDeletedVersionIsReportedAndKept() throws {
        try GovernanceFixture.with { fx in
            let mlruns = try Self.fileStore(in: fx.dir)
            let registry = try fx.registry
            _ = try registry.importMLflow(uri: mlruns, models: [], dryRun: false, arguments: ["mreg"])
            // MLflow's file store marks a deleted version's meta.yaml Deleted_Internal.
            let meta = "\(mlruns)/models/churn/version-1/meta.yaml"
            let text = try String(contentsOfFile: meta, encoding: .utf8)
            try writeFile(meta, text.replacingOccurrences(of: "current_stage: None", with: "current_stage: Deleted_Internal"))
            let again = try registry.importMLflow(uri: mlruns, models: ["churn"], dryRun: false, arguments: ["mreg"])
            #expect(again.versions.count == 1 && again.versions.first?.deleted == true && again.versions.first?.version == 1)
            #expect(try registry.state(of: "churn").versions[1] != nil)
        }
    }
}
