import Foundation
import MregTestSupport
import Testing

/// `mreg search`, `mreg reindex`, and the index behind list, log and show.
@Suite struct SearchTests {
    /// fraud v1 (adam, auc 0.9, reviewed), v2 (adam, auc 0.93, production), v3 (sgd, auc 0.95); churn v1 (adam, auc 0.8).
    static func store(_ mreg: MregRunner, _ dir: String) throws {
        try writeFile("\(dir)/w1.bin", "one")
        try writeFile("\(dir)/w2.bin", "two")
        try writeFile("\(dir)/w3.bin", "three")
        try writeFile("\(dir)/c1.bin", "churn")
        try mreg.run(["register", "fraud", "w1.bin", "-p", "optimizer=adam", "-p", "lr=0.01", "-M", "auc=0.9", "-m", "baseline",
                      "--tag", "reviewed"], cwd: dir).succeeded()
        try mreg.run(["register", "fraud", "w2.bin", "-p", "optimizer=adam", "-p", "lr=0.02", "-M", "auc=0.93",
                      "--stage", "production"], cwd: dir).succeeded()
        try mreg.run(["register", "fraud", "w3.bin", "-p", "optimizer=sgd", "-p", "lr=0.1", "-M", "auc=0.95"], cwd: dir).succeeded()
        try mreg.run(["register", "churn", "c1.bin", "-p", "optimizer=adam", "-p", "drop-out=0.5", "-M", "auc=0.8"], cwd: dir).succeeded()
    }

    static func found(_ r: RunResult) throws -> [String] {
        try (RegisterTests.json(r.succeeded()) as! [[String: Any]]).map { "\($0["model"] as! String)@\($0["version"] as! Int)" }
    }

    /// A removed version keeps its index row, flagged: only a query naming `removed` finds
    /// it (with who, when and why in --json), before and after a reindex.
    @Test func searchFindsRemovedVersionsOnlyWithRemoved() throws {
        try withStore { mreg, dir in
            try Self.store(mreg, dir)
            try mreg.run(["rm", "fraud@1", "--reason", "leaked data"], cwd: dir, env: ["MREG_NOW": "2099-05-01T10:00:00Z"]).succeeded()
            for round in ["after rm", "after reindex"] {
                #expect(try Self.found(mreg.run(["search", "--order-by", "version", "--json"], cwd: dir)).sorted()
                        == ["churn@1", "fraud@2", "fraud@3"], "\(round)")
                #expect(try Self.found(mreg.run(["search", "params.optimizer = 'adam'", "--json"], cwd: dir)).sorted()
                        == ["churn@1", "fraud@2"], "\(round)")
                #expect(try Self.found(mreg.run(["search", "removed = true", "--json"], cwd: dir)) == ["fraud@1"], "\(round)")
                #expect(try Self.found(mreg.run(["search", "removed = true and params.optimizer = 'sgd'", "--json"], cwd: dir)).isEmpty)
                #expect(try Self.found(mreg.run(["search", "removed = false", "--json"], cwd: dir)).sorted()
                        == ["churn@1", "fraud@2", "fraud@3"], "\(round)")
                let hits = try RegisterTests.json(mreg.run(["search", "removed = true", "--json"], cwd: dir).succeeded()) as? [[String: Any]]
                let hit = try #require(hits?.first)
                #expect(hit["removed"] as? Bool == true && hit["removal_reason"] as? String == "leaked data", "\(hit)")
                #expect(hit["removed_at"] as? String == "2099-05-01T10:00:00Z" && (hit["removed_by"] as? String)?.contains("<") == true, "\(hit)")
                #expect(try mreg.run(["list"], cwd: dir).succeeded().stdout.contains("fraud"))
                #expect(try mreg.run(["search", "removed = 'maybe'"], cwd: dir).status == 64)
                try mreg.run(["reindex"], cwd: dir).succeeded()
            }
        }
    }

    @Test func searchFindsVersionsAcrossModels() throws {
        try withStore { mreg, dir in
            try Self.store(mreg, dir)
            let issue = "params.optimizer = 'adam' and (metrics.auc >= 0.9 or tag = 'reviewed') and stage = 'production'"
            #expect(try Self.found(mreg.run(["search", issue, "--json"], cwd: dir)) == ["fraud@2"])
            #expect(try Self.found(mreg.run(["search", "params.optimizer = 'adam' and (metrics.auc >= 0.92 or tag = 'reviewed')",
                                             "--order-by", "version", "--json"], cwd: dir)) == ["fraud@1", "fraud@2"])
            #expect(try Self.found(mreg.run(["search", "params.`drop-out` > 0.1", "--json"], cwd: dir)) == ["churn@1"])
            #expect(try Self.found(mreg.run(["search", "model ILIKE 'FR%' AND metrics.auc IN (0.9, 0.95)", "--order-by", "metrics.auc DESC",
                                             "--json"], cwd: dir)) == ["fraud@3", "fraud@1"])
            #expect(try Self.found(mreg.run(["search", "created >= '2000-01-01' and author LIKE 'Test%'", "--json"], cwd: dir)).count == 4)
            #expect(try Self.found(mreg.run(["search", "--order-by", "metrics.auc DESC", "--limit", "2", "--json"], cwd: dir))
                    == ["fraud@3", "fraud@2"])
            // The words of an unquoted filter are joined.
            #expect(try Self.found(mreg.run(["search", "version", "=", "3", "--json"], cwd: dir)) == ["fraud@3"])

            // JSON schema.
            let hit = (try RegisterTests.json(mreg.run(["search", "stage = 'production'", "--json"], cwd: dir).succeeded()) as! [[String: Any]])[0]
            #expect(Set(hit.keys) == ["model", "version", "manifest", "stages", "tags", "created", "author", "message", "formats",
                                      "parameters", "params", "metrics", "card"])
            #expect(hit["stages"] as? [String] == ["production"] && hit["tags"] as? [String] == [])
            #expect((hit["params"] as? [String: Any])?["lr"] as? Double == 0.02)
            #expect((hit["manifest"] as? String).map { $0.count } == 64)
            #expect(try mreg.run(["rev-parse", "fraud@production"], cwd: dir).output == hit["manifest"] as? String)

            // The table: fixed columns, then the fields the query and the order name.
            let table = try mreg.run(["search", "params.optimizer = 'adam'", "--order-by", "metrics.auc DESC"], cwd: dir).succeeded()
            #expect(table.lines.count == 4)
            #expect(table.lines[0].split(separator: " ", omittingEmptySubsequences: true)
                    == ["MODEL", "VERSION", "STAGES", "TAGS", "CREATED", "params.optimizer", "metrics.auc"])
            let cells = table.lines.map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
            #expect(cells[1].prefix(4) == ["fraud", "v2", "production", "-"] && cells[1].suffix(2) == ["adam", "0.93"])
            #expect(cells[2].prefix(4) == ["fraud", "v1", "-", "reviewed"] && cells[2].suffix(2) == ["adam", "0.9"])
            #expect(cells[3].prefix(2) == ["churn", "v1"] && cells[3].suffix(2) == ["adam", "0.8"])
            let limited = try mreg.run(["search", "--limit", "1"], cwd: dir).succeeded()
            #expect(limited.lines.count == 2 && limited.stderr.contains("showing 1 of 4"))
            let none = try mreg.run(["search", "model = 'nope'"], cwd: dir).succeeded()
            #expect(none.stdout.isEmpty && none.stderr.contains("no version matches"))
        }
    }

    @Test func aMalformedQueryNamesItsColumn() throws {
        try withStore { mreg, dir in
            try Self.store(mreg, dir)
            for (query, message) in [
                ("params.optimizer = 'adam' and metrics.auc >=", "mreg: error: search: column 45: expected a value after '>='"),
                ("metrics.auc >= 0.9 and (tag = 'x'", "mreg: error: search: column 34: expected ')' to close the '(' at column 24"),
                ("colour = 'red'", "mreg: error: search: column 1: unknown field 'colour'"),
            ] {
                let r = try mreg.run(["search", query], cwd: dir)
                #expect(r.status == 64, "\(r)")
                #expect(r.stderrIsOneLine && r.stderr.hasPrefix(message), "\(r)")
                #expect(r.stdout.isEmpty)
            }
            let order = try mreg.run(["search", "--order-by", "metrics.auc SIDEWAYS"], cwd: dir)
            #expect(order.status == 64 && order.stderr.contains("--order-by 'metrics.auc SIDEWAYS'"))
        }
    }

    /// A register whose index update is lost (another process's slower write, or an interrupted
    /// command) leaves the index behind the heads: every reader notices and catches up.
    @Test func theIndexHealsAfterAnotherProcessMovesAHead() throws {
        try withStore { mreg, dir in
            try Self.store(mreg, dir)
            try mreg.run(["list"], cwd: dir).succeeded()
            let index = "\(dir)/.mreg/index"
            #expect(FileManager.default.fileExists(atPath: "\(index)/all"))
            #expect(FileManager.default.fileExists(atPath: "\(index)/models/fraud"))
            try FileManager.default.copyItem(atPath: index, toPath: "\(dir)/index-then")
            try writeFile("\(dir)/w4.bin", "four")
            try mreg.run(["register", "fraud", "w4.bin", "-p", "optimizer=adam", "-M", "auc=0.99"], cwd: dir).succeeded()
            try FileManager.default.removeItem(atPath: index)
            try FileManager.default.copyItem(atPath: "\(dir)/index-then", toPath: index)
            let staleRecord = try readFile("\(index)/models/fraud")

            let list = try RegisterTests.json(mreg.run(["list", "--json"], cwd: dir).succeeded()) as! [[String: Any]]
            #expect(list.first { $0["model"] as? String == "fraud" }?["latest"] as? Int == 4)
            #expect(try readFile("\(index)/models/fraud") != staleRecord)  // written back
            #expect(try Self.found(mreg.run(["search", "metrics.auc > 0.98", "--json"], cwd: dir)) == ["fraud@4"])
            #expect(try mreg.run(["show", "fraud", "--json"], cwd: dir).succeeded().stdout.contains("\"version\": 4"))
            let log = try RegisterTests.json(mreg.run(["log", "fraud", "--json"], cwd: dir).succeeded()) as! [[String: Any]]
            #expect(log.first?["version"] as? Int == 4 && log.first?["action"] as? String == "register")

            // A head moved with plumbing alone (no index update at all): tag v1 'golden' by hand.
            let head = try mreg.run(["rev-parse", "refs/models/fraud/head"], cwd: dir).succeeded().output
            let manifest = try mreg.run(["rev-parse", "fraud@1"], cwd: dir).succeeded().output
            let event = "{\"action\":\"tag\",\"actor\":\"Eve <eve@example.com>\",\"manifest\":\"\(manifest)\",\"model\":\"fraud\","
                + "\"parent\":\"\(head)\",\"schema\":\"mreg.event/1\",\"seq\":\(log.count + 1),\"tag\":\"golden\","
                + "\"time\":\"2026-03-01T00:00:00Z\",\"version\":1}"
            let id = try mreg.run(["hash-object", "-w", "-t", "event", "--stdin"], cwd: dir, stdin: Array(event.utf8)).succeeded().output
            try mreg.run(["update-ref", "refs/models/fraud/head", id, head], cwd: dir).succeeded()
            #expect(try Self.found(mreg.run(["search", "tag = 'golden'", "--json"], cwd: dir)) == ["fraud@1"])
            #expect(try mreg.run(["log", "fraud", "--oneline", "-n", "1"], cwd: dir).succeeded().stdout.contains("tag v1 as 'golden' by Eve"))
            #expect(try mreg.run(["show", "fraud@golden", "--json"], cwd: dir).succeeded().stdout.contains("\"version\": 1"))

            // A deleted index, and leftovers of an interrupted write, are no trouble.
            try FileManager.default.removeItem(atPath: index)
            #expect(try Self.found(mreg.run(["search", "model = 'churn'", "--json"], cwd: dir)) == ["churn@1"])
            try writeFile("\(index)/models/.tmp-99999-1", "half a record")
            try writeFile("\(index)/all", "not an index")
            let again = try RegisterTests.json(mreg.run(["list", "--json"], cwd: dir).succeeded()) as! [[String: Any]]
            #expect(again.map { $0["model"] as! String } == ["churn", "fraud"])
        }
    }

    /// Racing writers each write the record for the head they moved; whichever rename lands
    /// last, readers end up with every version.
    @Test func concurrentRegistersLeaveACorrectIndex() throws {
        try withStore { mreg, dir in
            for i in 0..<6 { try writeFile("\(dir)/w\(i).bin", "weights \(i)") }
            let running = try (0..<6).map { i in
                try mreg.start(["register", "race", "w\(i).bin", "-M", "auc=0.\(i)"], cwd: dir)
            }
            for p in running { try p.wait().succeeded() }
            let hits = try Self.found(mreg.run(["search", "model = 'race'", "--order-by", "version", "--json"], cwd: dir))
            #expect(hits == (1...6).map { "race@\($0)" })
            let list = try RegisterTests.json(mreg.run(["list", "--json"], cwd: dir).succeeded()) as! [[String: Any]]
            #expect(list.first?["latest"] as? Int == 6 && list.first?["versions"] as? Int == 6)
            let log = try RegisterTests.json(mreg.run(["log", "race", "--json"], cwd: dir).succeeded()) as! [[String: Any]]
            #expect(log.count == 6)
        }
    }

    @Test func reindexRebuildsAndReports() throws {
        try withStore { mreg, dir in
            let empty = try mreg.run(["reindex"], cwd: dir).succeeded()
            #expect(empty.stdout.hasPrefix("Indexed 0 model(s), 0 version(s), 0 event(s) in "))
            try Self.store(mreg, dir)
            try writeFile("\(dir)/.mreg/index/models/.tmp-1-2", "leftover")
            let r = try mreg.run(["reindex"], cwd: dir).succeeded()
            #expect(r.stdout.hasPrefix("Indexed 2 model(s), 4 version(s), 6 event(s) in "), "\(r)")
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/.mreg/index/models/.tmp-1-2"))
            let j = try RegisterTests.json(mreg.run(["reindex", "--json"], cwd: dir).succeeded()) as! [String: Any]
            #expect(j["models"] as? Int == 2 && j["versions"] as? Int == 4 && j["events"] as? Int == 6)
            #expect((j["bytes"] as? Int ?? 0) > 0 && j["seconds"] is Double)
            // The index is not part of the store's contents: fsck stays clean.
            try mreg.run(["fsck", "--no-dangling"], cwd: dir).succeeded()
            #expect(try Self.found(mreg.run(["search", "tag = 'reviewed'", "--json"], cwd: dir)) == ["fraud@1"])
        }
    }
}
