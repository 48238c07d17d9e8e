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
        return kind == "sqlite" ? "sqlite://\(dir)/sqlite/mlflow.db" : "\(dir)/filestore/mlruns"
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

            let allowed = try mreg.run(["import", "mlflow", uri, "--allow-missing"], cwd: dir)
            #expect(allowed.status == 0, "\(allowed)")
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
            let future = try mreg.run(["import", "mlflow", "sqlite://\(dir)/future.db"], cwd: dir)
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
            #expect(differences(before, snapshot("\(dir)/.mreg")).isEmpty)
        }
    }
}
