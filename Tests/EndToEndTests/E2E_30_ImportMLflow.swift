import Foundation
import MregTestSupport
import Testing

/// `mreg import mlflow`: the stores in Tests/Fixtures/mlflow, made by real MLflow 3.1.4
/// (`make-fixture.py`), copied to a temporary folder (their artefacts found beside the store).
@Suite struct ImportMLflowTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/mlflow").path

    /// The fixture `kind` (`sqlite` or `filestore`) copied into `dir`; returns the store's URI.
    static func copy(_ kind: String, into dir: String) throws -> String {
        try FileManager.default.copyItem(atPath: "\(fixtures)/\(kind)", toPath: "\(dir)/\(kind)")
        return kind == "sqlite" ? "sqlite:///\(dir)/sqlite/mlflow.db" : "\(dir)/filestore/mlruns"
    }

    /// What make-fixture.py recorded: `[model: [{version, run_id, creation_timestamp, ...}]]`.
    static func expected(_ kind: String) throws -> [String: [[String: Any]]] {
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(fixtures)/expected.json"))
        let all = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try #require((all[kind] as? [String: Any])?["models"] as? [String: [[String: Any]]])
    }

    static func json(_ r: RunResult) throws -> Any { try JSONSerialization.jsonObject(with: Data(try r.succeeded().stdoutBytes)) }

    static func utc(_ ms: Int) -> String {
        let f = ISO8601DateFormatter()
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: Date(timeIntervalSince1970: TimeInterval(ms / 1000)))
    }

    /// Both fixtures import the same: versions, params, metrics, tags, alias, stages, description, times.
    @Test(arguments: ["sqlite", "filestore"])
    func aStoreImportsWithEverythingItRecords(kind: String) throws {
        try withStore { mreg, dir in
            let uri = try Self.copy(kind, into: dir)
            let facts = try Self.expected(kind)
            let r = try mreg.run(["import", "mlflow", uri], cwd: dir).succeeded()
            #expect(r.lines == ["churn v1 from MLflow version 1 imported (2 files)",
                                "fraud-detector v1 from MLflow version 1 imported (2 files); production",
                                "fraud-detector v2 from MLflow version 2 imported (2 files); tagged champion; staging"], "\(r)")
            let show = try #require(try Self.json(mreg.run(["show", "fraud-detector@champion", "--json"], cwd: dir)) as? [String: Any])
            let params = try #require(show["params"] as? [String: Any])
            let run2 = try #require(facts["fraud-detector"]?[1]["run_id"] as? String)
            #expect(show["version"] as? Int == 2 && params["lr"] as? Double == 0.02 && params["epochs"] as? Int == 10
                    && params["optimizer"] as? String == "adam" && params["mlflow.tag.validated"] as? String == "true"
                    && params["mlflow.run_id"] as? String == run2 && params["mlflow.version"] as? Int == 2, "\(show)")
            let metrics = try #require(show["metrics"] as? [String: Any])
            #expect(metrics["auc"] as? Double == 0.93 && metrics["loss"] as? Double == 0.4, "\(metrics)")
            let card = try #require(show["card"] as? [String: Any])
            #expect(card["description"] as? String == "Higher learning rate; better AUC."
                    && card["model_description"] as? String == "Flags fraudulent card payments.", "\(card)")
            let files = (show["files"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String }
            #expect(files == ["config.json", "weights.bin"])
            let production = try #require(try Self.json(mreg.run(["show", "fraud-detector@production", "--json"], cwd: dir)) as? [String: Any])
            #expect(production["version"] as? Int == 1)
            try mreg.run(["export", "fraud-detector@staging", "out"], cwd: dir).succeeded()
            #expect(try Data(contentsOf: URL(fileURLWithPath: "\(dir)/out/config.json")) == Data("{\"layers\": 2, \"lr\": 0.02}".utf8))

            // The register events keep MLflow's ids, user and creation time; the actor is the importer.
            let log = try #require(try Self.json(mreg.run(["log", "fraud-detector", "--json"], cwd: dir)) as? [[String: Any]])
            let registers = log.filter { $0["action"] as? String == "register" }
            #expect(registers.count == 2)
            for event in registers {
                let imported = try #require(event["imported"] as? [String: Any])
                let number = try #require(imported["version"] as? Int)
                let fact = try #require(facts["fraud-detector"]?[number - 1])
                #expect(imported["from"] as? String == "mlflow" && imported["model"] as? String == "fraud-detector"
                        && imported["run"] as? String == fact["run_id"] as? String && imported["user"] as? String == "ada"
                        && imported["time"] as? String == Self.utc(fact["creation_timestamp"] as? Int ?? 0), "\(imported)")
                #expect((event["actor"] as? String ?? "").contains("@"))
            }
            let promote = log.first { $0["action"] as? String == "promote" && $0["stage"] as? String == "production" }
            #expect((promote?["imported"] as? [String: Any])?["stage"] as? String == "Production")

            // Again: nothing new. An alias tag removed here comes back (an interrupted import resumes).
            let again = try mreg.run(["import", "mlflow", uri], cwd: dir).succeeded()
            #expect(again.lines.count == 3 && again.lines.allSatisfy { $0.hasSuffix("(already imported)") }, "\(again)")
            try mreg.run(["tag", "-d", "fraud-detector", "champion"], cwd: dir).succeeded()
            let resumed = try mreg.run(["import", "mlflow", uri], cwd: dir).succeeded()
            #expect(resumed.lines.last == "fraud-detector v2 from MLflow version 2 (already imported); tagged champion", "\(resumed)")
            let latest = try #require(try Self.json(mreg.run(["show", "fraud-detector", "--json"], cwd: dir)) as? [String: Any])
            #expect(latest["version"] as? Int == 2)
            // A version removed here stays removed.
            try mreg.run(["rm", "churn@1", "--reason", "not ours"], cwd: dir).succeeded()
            let afterRemoval = try mreg.run(["import", "mlflow", uri], cwd: dir).succeeded()
            #expect(afterRemoval.lines.first == "churn v1 from MLflow version 1 (already imported)", "\(afterRemoval)")
        }
    }

    @Test func aDryRunWritesNothingAndModelPicksModels() throws {
        try withStore { mreg, dir in
            let uri = try Self.copy("sqlite", into: dir)
            let before = snapshot("\(dir)/.mreg")
            let dry = try mreg.run(["import", "mlflow", uri, "--dry-run"], cwd: dir).succeeded()
            #expect(dry.lines == ["churn v1 from MLflow version 1 would be imported (2 files)",
                                  "fraud-detector v1 from MLflow version 1 would be imported (2 files); production",
                                  "fraud-detector v2 from MLflow version 2 would be imported (2 files); tagged champion; staging"], "\(dry)")
            #expect(differences(before, snapshot("\(dir)/.mreg")).isEmpty)

            let one = try mreg.run(["import", "mlflow", "\(dir)/sqlite/mlflow.db", "--model", "churn", "--json"], cwd: dir)
            let out = try #require(try Self.json(one) as? [String: Any])
            let versions = try #require(out["versions"] as? [[String: Any]])
            #expect(versions.count == 1 && versions.first?["model"] as? String == "churn" && versions.first?["added"] as? Bool == true)
            #expect((out["store"] as? [String: Any])?["schema"] as? String == "bda7b8c39065")
            let unknown = try mreg.run(["import", "mlflow", uri, "--model", "nope"], cwd: dir)
            #expect(unknown.status == 2 && unknown.stderrIsOneLine && unknown.stderr.contains("'nope'"), "\(unknown)")
        }
    }

    @Test func missingArtefactsAreReportedAndFailUnlessAllowed() throws {
        try withStore { mreg, dir in
            let uri = try Self.copy("sqlite", into: dir)
            let run2 = try #require(try Self.expected("sqlite")["fraud-detector"]?[1]["run_id"] as? String)
            let experiment = try #require(try FileManager.default.contentsOfDirectory(atPath: "\(dir)/sqlite/mlruns").first {
                FileManager.default.fileExists(atPath: "\(dir)/sqlite/mlruns/\($0)/\(run2)")
            })
            try FileManager.default.removeItem(atPath: "\(dir)/sqlite/mlruns/\(experiment)/\(run2)/artifacts")
            // A dry run predicts the failure (exit 1), writing nothing.
            let before = snapshot("\(dir)/.mreg")
            let dry = try mreg.run(["import", "mlflow", uri, "--model", "fraud-detector", "--dry-run"], cwd: dir)
            #expect(dry.status == 1 && dry.stderrIsOneLine && dry.stderr.contains("would be imported without"), "\(dry)")
            #expect(differences(before, snapshot("\(dir)/.mreg")).isEmpty)
            let r = try mreg.run(["import", "mlflow", uri, "--model", "fraud-detector"], cwd: dir)
            #expect(r.status == 1 && r.stderrIsOneLine && r.stderr.contains("--allow-missing"), "\(r)")
            #expect(r.lines.last?.hasPrefix("fraud-detector v2 from MLflow version 2 imported without files; tagged champion; staging; artefacts missing: ") == true
                    && r.lines.last?.contains("does not exist") == true, "\(r)")
            let show = try #require(try Self.json(mreg.run(["show", "fraud-detector@2", "--json"], cwd: dir)) as? [String: Any])
            #expect((show["files"] as? [Any])?.isEmpty == true && (show["metrics"] as? [String: Any])?["auc"] as? Double == 0.93)

            // show marks it; --json names the current path (beside the store), not MLflow's old one.
            let shown = try mreg.run(["show", "fraud-detector@2"], cwd: dir).succeeded()
            #expect(shown.stdout.contains("Missing") && shown.stdout.contains("imported without its artefacts (\(dir)/sqlite/mlruns/")
                    && !shown.stdout.contains("mreg-mlflow-fixture"), "\(shown)")

            let allowed = try mreg.run(["import", "mlflow", uri, "--allow-missing", "--json"], cwd: dir)
            #expect(allowed.status == 0, "\(allowed)")
            let versions = try #require((try Self.json(allowed) as? [String: Any])?["versions"] as? [[String: Any]])
            let v2 = try #require(versions.first { $0["model"] as? String == "fraud-detector" && $0["mlflow_version"] as? Int == 2 })
            let missing = try #require(v2["missing"] as? [[String: Any]])
            #expect(v2["added"] as? Bool == false && missing.count == 1
                    && missing.first?["path"] as? String == "\(dir)/sqlite/mlruns/\(experiment)/\(run2)/artifacts/model"
                    && missing.first?["reason"] as? String == "does not exist", "\(v2)")
            // Real values for a version imported before: its tag and stage.
            #expect(v2["tags"] as? [String] == ["champion"] && v2["stage"] as? String == "staging", "\(v2)")

            // The artefacts are back: a new version with them completes v2; the tag and stage move to it.
            try FileManager.default.copyItem(atPath: "\(Self.fixtures)/sqlite/mlruns/\(experiment)/\(run2)/artifacts",
                                             toPath: "\(dir)/sqlite/mlruns/\(experiment)/\(run2)/artifacts")
            let dryTopUp = try mreg.run(["import", "mlflow", uri, "--model", "fraud-detector", "--dry-run"], cwd: dir).succeeded()
            #expect(dryTopUp.lines.last == "fraud-detector v3 from MLflow version 2 would be imported (2 files), completing v2 (imported without files); tagged champion; staging", "\(dryTopUp)")
            let topUp = try mreg.run(["import", "mlflow", uri, "--model", "fraud-detector"], cwd: dir).succeeded()
            #expect(topUp.lines == ["fraud-detector v1 from MLflow version 1 (already imported)",
                                    "fraud-detector v3 from MLflow version 2 imported (2 files), completing v2 (imported without files); tagged champion; staging"], "\(topUp)")
            #expect(topUp.stderr.contains("MLflow version 2 is mreg v3: the numbers differ"), "\(topUp)")
            let champion = try #require(try Self.json(mreg.run(["show", "fraud-detector@champion", "--json"], cwd: dir)) as? [String: Any])
            let imported = try #require(champion["imported"] as? [String: Any])
            #expect(champion["version"] as? Int == 3 && (champion["files"] as? [Any])?.count == 2
                    && imported["version"] as? Int == 2 && imported["completes"] as? Int == 2 && imported["missing"] == nil, "\(champion)")
            let staging = try #require(try Self.json(mreg.run(["show", "fraud-detector@staging", "--json"], cwd: dir)) as? [String: Any])
            #expect(staging["version"] as? Int == 3)
            // The old one now says what completed it.
            let old = try mreg.run(["show", "fraud-detector@2"], cwd: dir).succeeded()
            #expect(old.stdout.contains("completed by v3") && !old.stdout.contains("run 'mreg import mlflow' again"), "\(old)")
            let oldJSON = try #require(try Self.json(mreg.run(["show", "fraud-detector@2", "--json"], cwd: dir)) as? [String: Any])
            #expect(oldJSON["completed_by"] as? Int == 3, "\(oldJSON)")
            // Once complete, nothing more to do.
            let settled = try mreg.run(["import", "mlflow", uri, "--model", "fraud-detector"], cwd: dir).succeeded()
            #expect(settled.lines == ["fraud-detector v1 from MLflow version 1 (already imported)",
                                      "fraud-detector v3 from MLflow version 2 (already imported)"], "\(settled)")
        }
    }

    /// Changes made in MLflow after a first import (sqlite-later/mlflow.db, made by real MLflow
    /// from sqlite/: champion moved 2 → 1, v1 Production → Archived, v2 Staging → Production, tag
    /// validated true → false, tag reviewer and a description added on v1, churn v1 deleted and
    /// v2 registered) are followed or reported by the next import.
    @Test func aReimportFollowsWhatChangedInMLflow() throws {
        try withStore { mreg, dir in
            let uri = try Self.copy("sqlite", into: dir)
            try mreg.run(["import", "mlflow", uri], cwd: dir).succeeded()
            let db = "\(dir)/sqlite/mlflow.db"
            try FileManager.default.removeItem(atPath: db)
            try FileManager.default.copyItem(atPath: "\(Self.fixtures)/sqlite-later/mlflow.db", toPath: db)
            let v1 = "fraud-detector v1 from MLflow version 1 (already imported); MLflow tag reviewer added (grace), not recorded; "
                + "MLflow description changed, not recorded; tagged champion (moved from v2); promoted to archived"
            let v2 = "fraud-detector v2 from MLflow version 2 (already imported); MLflow tag validated changed from true to false, not recorded; "
                + "demoted from staging (MLflow stage now Production); promoted to production (was v1)"

            let before = snapshot("\(dir)/.mreg")
            let dry = try mreg.run(["import", "mlflow", uri, "--dry-run"], cwd: dir).succeeded()
            #expect(dry.lines == ["churn v1 from MLflow version 1 (already imported); deleted in MLflow, kept here",
                                  "churn v2 from MLflow version 2 would be imported (2 files)", v1, v2], "\(dry)")
            #expect(differences(before, snapshot("\(dir)/.mreg")).isEmpty)

            let r = try mreg.run(["import", "mlflow", uri], cwd: dir).succeeded()
            #expect(r.lines == ["churn v1 from MLflow version 1 (already imported); deleted in MLflow, kept here",
                                "churn v2 from MLflow version 2 imported (2 files)", v1, v2], "\(r)")
            #expect(r.stderrIsOneLine && r.stderr.contains("churn v1 (MLflow version 1) is deleted in MLflow")
                    && r.stderr.contains("'mreg rm churn@1"), "\(r)")
            func version(_ rev: String) throws -> Int? {
                try (Self.json(mreg.run(["show", rev, "--json"], cwd: dir)) as? [String: Any])?["version"] as? Int
            }
            #expect(try version("fraud-detector@champion") == 1 && version("fraud-detector@production") == 2
                    && version("fraud-detector@archived") == 1 && version("churn@1") == 1)
            let staging = try mreg.run(["show", "fraud-detector@staging"], cwd: dir)
            #expect(staging.status == 2, "\(staging)")
            // The changes are events marked imported, after the importer's own time.
            let log = try #require(try Self.json(mreg.run(["log", "fraud-detector", "--json"], cwd: dir)) as? [[String: Any]])
            let demote = try #require(log.first { $0["action"] as? String == "demote" })
            #expect(demote["stage"] as? String == "staging" && (demote["imported"] as? [String: Any])?["stage"] as? String == "Production", "\(demote)")
            let oneline = try mreg.run(["log", "fraud-detector", "--oneline"], cwd: dir).succeeded()
            #expect(oneline.stdout.contains("[imported from MLflow: created ") && oneline.stdout.contains(" by ada (fraud-detector version 1"), "\(oneline)")

            // Again: the versions are all there; only what a manifest cannot record is reported again, no event added.
            let events = log.count
            let again = try mreg.run(["import", "mlflow", uri, "--json"], cwd: dir).succeeded()
            let versions = try #require((try Self.json(again) as? [String: Any])?["versions"] as? [[String: Any]])
            let first = try #require(versions.first { $0["model"] as? String == "fraud-detector" && $0["mlflow_version"] as? Int == 1 })
            let changes = try #require(first["changes"] as? [[String: Any]])
            #expect(first["tags"] as? [String] == ["champion"] && first["stage"] as? String == "archived"
                    && changes.map { $0["kind"] as? String } == ["mlflow_tag", "description"]
                    && changes.allSatisfy { $0["recorded"] as? Bool == false }, "\(first)")
            #expect(versions.contains { $0["model"] as? String == "churn" && $0["deleted_in_mlflow"] as? Bool == true })
            let after = try #require(try Self.json(mreg.run(["log", "fraud-detector", "--json"], cwd: dir)) as? [[String: Any]])
            #expect(after.count == events)
        }
    }

    /// `sqlite:///PATH` is relative to the current folder (as SQLAlchemy reads it), `sqlite:////PATH` absolute.
    @Test func sqliteURIsFollowSQLAlchemy() throws {
        try withStore { mreg, dir in
            _ = try Self.copy("sqlite", into: dir)
            let relative = try mreg.run(["import", "mlflow", "sqlite:///sqlite/mlflow.db", "--dry-run", "--model", "churn"], cwd: dir).succeeded()
            #expect(relative.lines == ["churn v1 from MLflow version 1 would be imported (2 files)"], "\(relative)")
            let absolute = try mreg.run(["import", "mlflow", "sqlite:///\(dir)/sqlite/mlflow.db", "--dry-run", "--model", "churn"], cwd: dir)
                .succeeded()
            #expect(absolute.lines == relative.lines, "\(absolute)")
        }
    }

    /// Two unrelated stores with the same model names: the second's versions (other runs) are
    /// new versions, and its aliases and stages leave the first store's versions alone.
    @Test func anUnrelatedStoreWithTheSameNamesAddsNewVersionsAndMovesNothing() throws {
        try withStore { mreg, dir in
            let files = try Self.copy("filestore", into: dir)
            let sqlite = try Self.copy("sqlite", into: dir)
            try mreg.run(["import", "mlflow", files], cwd: dir).succeeded()
            let r = try mreg.run(["import", "mlflow", sqlite], cwd: dir).succeeded()
            #expect(r.lines == ["churn v2 from MLflow version 1 imported (2 files)",
                                "fraud-detector v3 from MLflow version 1 imported (2 files); not promoted to production (it holds v1, not imported from this MLflow store)",
                                "fraud-detector v4 from MLflow version 2 imported (2 files); not tagged champion (it names v2, not imported from this MLflow store); not promoted to staging (it holds v2, not imported from this MLflow store)"], "\(r)")
            #expect(r.stderr.contains("the numbers differ") && !r.stderr.contains("deleted in MLflow"), "\(r)")
            func version(_ rev: String) throws -> Int? {
                try (Self.json(mreg.run(["show", rev, "--json"], cwd: dir)) as? [String: Any])?["version"] as? Int
            }
            #expect(try version("fraud-detector@production") == 1 && version("fraud-detector@staging") == 2
                    && version("fraud-detector@champion") == 2)
            let log = try #require(try Self.json(mreg.run(["log", "fraud-detector", "--json"], cwd: dir)) as? [[String: Any]])
            #expect(!log.contains { $0["action"] as? String == "demote" }, "\(log)")
            // Each store again: all already imported, nothing moves.
            for uri in [files, sqlite] {
                let again = try mreg.run(["import", "mlflow", uri], cwd: dir).succeeded()
                #expect(again.lines.count == 3 && again.lines.allSatisfy { $0.contains(" (already imported)") }
                        && !again.stdout.contains("; tagged") && !again.stdout.contains("; promoted"), "\(again)")
            }
            let after = try #require(try Self.json(mreg.run(["log", "fraud-detector", "--json"], cwd: dir)) as? [[String: Any]])
            #expect(after.count == log.count)
        }
    }

    /// A fresh import of a store whose churn v1 was deleted: MLflow's v2 becomes mreg v1, said
    /// on stderr; the MLflow number shows in show and show --json.
    @Test func differentNumbersAreWarnedAndTheMLflowNumberShown() throws {
        try withStore { mreg, dir in
            let uri = try Self.copy("sqlite", into: dir)
            try FileManager.default.removeItem(atPath: "\(dir)/sqlite/mlflow.db")
            try FileManager.default.copyItem(atPath: "\(Self.fixtures)/sqlite-later/mlflow.db", toPath: "\(dir)/sqlite/mlflow.db")
            let r = try mreg.run(["import", "mlflow", uri, "--model", "churn"], cwd: dir).succeeded()
            #expect(r.lines == ["churn v1 from MLflow version 2 imported (2 files)"], "\(r)")
            #expect(r.stderrIsOneLine && r.stderr.contains("churn MLflow version 2 is mreg v1: the numbers differ"), "\(r)")
            let show = try #require(try Self.json(mreg.run(["show", "churn@1", "--json"], cwd: dir)) as? [String: Any])
            #expect((show["imported"] as? [String: Any])?["version"] as? Int == 2, "\(show)")
            let text = try mreg.run(["show", "churn@1"], cwd: dir).succeeded()
            #expect(text.lines.contains { $0.hasPrefix("Imported    from MLflow: created ")
                && $0.contains(" by ada (churn version 2, run ") }, "\(text)")
        }
    }

    /// A file store edited as MLflow would leave it: an alias deleted and a stage set back to None.
    @Test func aRemovedAliasAndAStageBackToNoneAreUndone() throws {
        try withStore { mreg, dir in
            let uri = try Self.copy("filestore", into: dir)
            try mreg.run(["import", "mlflow", uri], cwd: dir).succeeded()
            let models = "\(dir)/filestore/mlruns/models/fraud-detector"
            try FileManager.default.removeItem(atPath: "\(models)/aliases/champion")
            let meta = "\(models)/version-2/meta.yaml"
            let text = try String(contentsOfFile: meta, encoding: .utf8)
            #expect(text.contains("current_stage: Staging"))
            try writeFile(meta, text.replacingOccurrences(of: "current_stage: Staging", with: "current_stage: None"))
            let r = try mreg.run(["import", "mlflow", uri, "--model", "fraud-detector"], cwd: dir).succeeded()
            #expect(r.lines == ["fraud-detector v1 from MLflow version 1 (already imported)",
                                "fraud-detector v2 from MLflow version 2 (already imported); untagged champion (no longer an MLflow alias); demoted from staging (MLflow stage now None)"], "\(r)")
            #expect(try mreg.run(["show", "fraud-detector@champion"], cwd: dir).status == 2)
            #expect(try mreg.run(["show", "fraud-detector@staging"], cwd: dir).status == 2)
        }
    }

    @Test func anUnknownSchemaOrSomethingElseIsRefusedAndTheStoreLeftAlone() throws {
        try withStore { mreg, dir in
            _ = try Self.copy("sqlite", into: dir)
            // The same database with another alembic revision (patched in place: same length).
            var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(dir)/sqlite/mlflow.db")))
            let old = Array("bda7b8c39065".utf8), new = Array("ffffffffffff".utf8)
            var patched = 0
            var i = 0
            while i + old.count <= bytes.count {
                if Array(bytes[i..<i + old.count]) == old { bytes.replaceSubrange(i..<i + old.count, with: new); patched += 1 }
                i += 1
            }
            #expect(patched >= 1)
            try Data(bytes).write(to: URL(fileURLWithPath: "\(dir)/future.db"))
            let before = snapshot("\(dir)/.mreg")
            let future = try mreg.run(["import", "mlflow", "sqlite:///\(dir)/future.db"], cwd: dir)
            #expect(future.status == 64 && future.stderrIsOneLine && future.stderr.contains("ffffffffffff")
                    && future.stderr.contains("97727af70f4d"), "\(future)")

            try writeFile("\(dir)/notes.txt", "hello")
            let text = try mreg.run(["import", "mlflow", "notes.txt"], cwd: dir)
            #expect(text.status == 64 && text.stderrIsOneLine && text.stderr.contains("not an MLflow store"), "\(text)")
            try writeFile("\(dir)/empty/a.txt", "x")
            let folder = try mreg.run(["import", "mlflow", "empty"], cwd: dir)
            #expect(folder.status == 64 && folder.stderr.contains("not an MLflow store"), "\(folder)")
            let nothing = try mreg.run(["import", "mlflow", "sqlite:///nowhere/mlflow.db"], cwd: dir)
            #expect(nothing.status == 2, "\(nothing)")
            let remote = try mreg.run(["import", "mlflow", "http://mlflow.example.com"], cwd: dir)
            #expect(remote.status == 64 && remote.stderr.contains("only local MLflow stores"), "\(remote)")
            let databricks = try mreg.run(["import", "mlflow", "databricks"], cwd: dir)
            #expect(databricks.status == 64 && databricks.stderr.contains("only local MLflow stores"), "\(databricks)")
            _ = try Self.copy("filestore", into: dir)
            let experiment = try mreg.run(["import", "mlflow", "file://\(dir)/filestore/mlruns/0"], cwd: dir)
            #expect(experiment.status == 64 && experiment.stderrIsOneLine && experiment.stderr.contains("experiment folder")
                    && experiment.stderr.contains("filestore/mlruns"), "\(experiment)")
            #expect(differences(before, snapshot("\(dir)/.mreg")).isEmpty)
        }
    }
}
