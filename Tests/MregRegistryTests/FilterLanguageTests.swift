import MregTestSupport
import Foundation
import Testing
@testable import MregRegistry
@testable import MregSupport
@testable import MregFilter
@testable import MregIndex
@testable import MregGovernance
@testable import MregRemote
import MregFilter

/// The shared filter language: one query text gives the same versions as a search (the
/// index's compiled matcher), as `FilterEvaluator` over the same index rows, as a gate on
/// each version's manifest and state, and as a policy's `require` judged by `checkPromotion`.
@Suite struct FilterLanguageTests {
    /// fraud v1..v3 and churn v1..v2, registered through `Registry.register` with params,
    /// metrics, model cards and files; fraud v1 in production, churn v1 in staging, fraud v2
    /// tagged `reviewed`.
    ///
    /// | version | params | metrics | card | files |
    /// |---|---|---|---|---|
    /// | fraud 1 | optimizer adam, lr 0.01, 学习率 0.1, note it's, accent "e\u{301}te", flag true | auc 0.91 | apache-2.0, tags [fraud, tabular], datasets [census], title Fraud Détecteur | safetensors (6 parameters) |
    /// | fraud 2 | optimizer sgd, lr 0.1, size 7000000000, quote say "hi" | auc 0.85, latency_ms 40 | mit, tags [fraud] | unknown format |
    /// | fraud 3 | optimizer adam, lr 0.02 | auc 0.88 | none | unknown format |
    /// | churn 1 | optimizer Adam, 学习率 0.2 | auc 0.95 | apache-2.0, title Churn | safetensors |
    /// | churn 2 | lr 0.02, size 1500000 | none | license '', tags [], datasets [a-set, b-set] | unknown format |
    static func store(_ body: (GovernanceFixture) throws -> Void) throws {
        try GovernanceFixture.with { f in
            try f.registerVersion("fraud", seed: 1, params: ["optimizer=adam", "lr=0.01", "学习率=0.1", "note=it's", "accent=e\u{301}te", "flag=true"],
                                  metrics: ["auc=0.91"], message: "baseline", safetensors: true,
                                  card: "license: apache-2.0\ntags:\n  - fraud\n  - tabular\ndatasets: [census]", title: "Fraud Détecteur")
            try f.registerVersion("fraud", seed: 2, params: ["optimizer=sgd", "lr=0.1", "size=7000000000", "quote=say \"hi\""],
                                  metrics: ["auc=0.85", "latency_ms=40"], message: "bigger", card: "license: mit\ntags: fraud")
            try f.registerVersion("fraud", seed: 3, params: ["optimizer=adam", "lr=0.02"], metrics: ["auc=0.88"])
            try f.registerVersion("churn", seed: 4, params: ["optimizer=Adam", "学习率=0.2"], metrics: ["auc=0.95"], safetensors: true,
                                  card: "license: apache-2.0", title: "Churn")
            try f.registerVersion("churn", seed: 5, params: ["lr=0.02", "size=1500000"], metrics: [],
                                  card: "license: \"\"\ntags: []\ndatasets: [a-set, b-set]")
            let r = try f.registry
            try r.promote(model: "fraud", version: 1, stage: "production", reason: nil)
            try r.promote(model: "churn", version: 1, stage: "staging", reason: nil)
            try r.tag(model: "fraud", version: 2, tag: "reviewed", force: false)
            try body(f)
        }
    }

    static let all = ["churn@1", "churn@2", "fraud@1", "fraud@2", "fraud@3"]

    /// Each query and the versions it selects (sorted).
    static let table: [(String, [String])] = [
        // Strings: a doubled quote stands for one; a backslash is an ordinary character.
        ("params.note = 'it''s'", ["fraud@1"]),
        ("params.quote = \"say \"\"hi\"\"\"", ["fraud@2"]),
        ("params.note LIKE 'it_s'", ["fraud@1"]),
        // Unicode names, plain or in backticks.
        ("params.学习率 >= 0.1", ["churn@1", "fraud@1"]),
        ("params.`学习率` = 0.2", ["churn@1"]),
        // Counts.
        ("params.size >= 7B", ["fraud@2"]),
        ("params.size < 7.5B", ["churn@2", "fraud@2"]),
        ("params.size = 1.5M", ["churn@2"]),
        ("parameters < 2k", ["churn@1", "fraud@1"]),
        ("parameters IS NULL", ["churn@2", "fraud@2", "fraud@3"]),
        // Model cards: one value, or a list as a set; an empty list is missing.
        ("card.license = 'mit'", ["fraud@2"]),
        ("card.license IN ('mit', 'apache-2.0')", ["churn@1", "fraud@1", "fraud@2"]),
        ("card.license IS NULL", ["fraud@3"]),
        ("card.license = ''", ["churn@2"]),
        ("card.tags = 'tabular'", ["fraud@1"]),
        ("card.tags != 'tabular'", ["fraud@2"]),
        ("card.tags IS NULL", ["churn@1", "churn@2", "fraud@3"]),
        ("card.tags IS NOT NULL and not card.tags = 'tabular'", ["fraud@2"]),
        ("card.datasets LIKE '%-set'", ["churn@2"]),
        ("card.title ILIKE '%DÉTECTEUR%'", ["fraud@1"]),
        ("card.title > 'D'", ["fraud@1"]),
        // Text compares by UTF-8 bytes: a decomposed é is not a precomposed one.
        ("params.accent = 'e\u{301}te'", ["fraud@1"]),
        ("params.accent = '\u{e9}te'", []),
        ("params.optimizer < 'adam'", ["churn@1"]),
        // Types as people mean them.
        ("params.flag = true", ["fraud@1"]),
        ("params.flag = 'true'", ["fraud@1"]),
        ("params.lr = '0.01'", ["fraud@1"]),
        ("params.optimizer ILIKE 'adam'", ["churn@1", "fraud@1", "fraud@3"]),
        ("params.optimizer != 'adam'", ["churn@1", "fraud@2"]),
        ("metrics.auc NOT IN (0.85, 0.88)", ["churn@1", "fraud@1"]),
        ("metrics.latency_ms IS NOT NULL", ["fraud@2"]),
        // Stages, tags, the version's own fields.
        ("stage = 'production' or tag = 'reviewed'", ["fraud@1", "fraud@2"]),
        ("stage != 'production'", ["churn@1", "churn@2", "fraud@2", "fraud@3"]),
        ("stage IS NULL", ["churn@2", "fraud@2", "fraud@3"]),
        ("tag NOT IN ('reviewed')", ["churn@1", "churn@2", "fraud@1", "fraud@3"]),
        ("model = 'fraud' and not (stage = 'production' or tag = 'reviewed')", ["fraud@3"]),
        ("version = 'v2'", ["churn@2", "fraud@2"]),
        ("author LIKE 'Ada <%'", all),
        ("created > '2000'", all),
        ("created < '2000-01-01'", []),
        ("message ILIKE 'BASE%'", ["fraud@1"]),
        ("format = 'safetensors'", ["churn@1", "fraud@1"]),
        ("format IS NULL", ["churn@2", "fraud@2", "fraud@3"]),
        // Precedence and keywords in any case.
        ("metrics.auc > 0.9 or card.license = 'mit' and metrics.auc < 0.9", ["churn@1", "fraud@1", "fraud@2"]),
        ("METRICS.auc >= 0.9 AND Card.license LIKE 'apache%'", ["churn@1", "fraud@1"]),
        ("not not metrics.auc > 0.9", ["churn@1", "fraud@1"]),
    ]

    @Test func theSameQueryGivesTheSameVersionsAsASearchAndAsAGate() throws {
        try Self.store { f in
            let r = try f.registry
            let rows = try RegistryIndex(registry: r).search(SearchQuery.parse("")).hits
            #expect(rows.count == 5)
            var states = [String: ModelState]()
            for model in ["fraud", "churn"] { states[model] = try r.resolve(model).state }
            for (query, expected) in Self.table {
                // A search: the index's compiled matcher.
                let q = try SearchQuery.parse(query)
                let searched = try RegistryIndex(registry: r).search(q).hits.map { "\($0.model)@\($0.version)" }.sorted()
                #expect(searched == expected, "search \(query)")
                // The one evaluator over the same index rows.
                let evaluator = FilterEvaluator(q.expression)
                let evaluated = rows.filter { evaluator.matches($0) }.map { "\($0.model)@\($0.version)" }.sorted()
                #expect(evaluated == expected, "evaluator over index rows: \(query)")
                // A gate on each version's manifest and state.
                let gate = try GateExpression(query)
                var gated = [String]()
                for name in Self.all {
                    let v = try r.resolve(name)
                    let manifest = try Manifest.load(v.manifestID, from: r.store)
                    let subject = GateExpression.Subject(manifest: manifest, version: v.version, state: try #require(states[v.model]))
                    if gate.evaluate(subject) { gated.append(name) }
                }
                #expect(gated == expected, "gate \(query)")
            }
        }
    }

    @Test func policyGatesAgreeWithSearch() throws {
        try Self.store { f in
            for (query, expected) in Self.table where !query.contains("'''") {
                try f.writePolicy("[stages.archived]\nrequire = '''\(query) '''\n")
                let r = try f.registry
                var passed = [String]()
                for name in Self.all {
                    let check = try Governance(r).checkPromotion(name, stage: "archived", reason: nil, signed: false)
                    if try #require(check.verdict).passed { passed.append(name) }
                }
                #expect(passed == expected, "policy require = \(query)")
            }
        }
    }

    @Test func explanationsShowEveryKindOfField() throws {
        try Self.store { f in
            let r = try f.registry
            let v = try r.resolve("fraud@2")
            let subject = GateExpression.Subject(manifest: try Manifest.load(v.manifestID, from: r.store), version: 2, state: v.state)
            let gate = try GateExpression("card.tags IN ('tabular') or stage IS NOT NULL or parameters > 7B")
            #expect(gate.falseComparisons(subject) == [
                "card.tags IN ('tabular') is false (card.tags = [fraud])",
                "stage IS NOT NULL is false (stage = [])",
                "parameters > 7B is false (parameters = absent)",
            ])
            #expect(gate.fieldValues(subject) == "card.tags = [fraud], stage = [], parameters = absent")
        }
    }

    @Test func indexFilesOfTheFormatBeforeCardFieldsAreRebuilt() throws {
        try Self.store { f in
            let r = try f.registry
            #expect(try RegistryIndex(registry: r).search(SearchQuery.parse("card.license = 'mit'")).hits.map(\.version) == [2])
            // Mark every index file as written by format 1 (no card fields): they must be ignored.
            let files = ["\(f.root)/index/all", "\(f.root)/index/models/fraud", "\(f.root)/index/models/churn"]
            func version(_ path: String) throws -> UInt32 {
                let bytes = try #require(FileManager.default.contents(atPath: path))
                return bytes[8..<12].enumerated().reduce(0) { $0 | UInt32($1.element) << (8 * $1.offset) }
            }
            for path in files {
                #expect(try version(path) == IndexFile.formatVersion)
                var bytes = try #require(FileManager.default.contents(atPath: path))
                bytes.replaceSubrange(8..<12, with: [1, 0, 0, 0])
                try bytes.write(to: URL(fileURLWithPath: path))
            }
            let again = try f.registry
            #expect(try RegistryIndex(registry: again).search(SearchQuery.parse("card.license = 'mit' or card.tags = 'tabular'")).hits.map(\.version).sorted() == [1, 2])
            #expect(try version("\(f.root)/index/models/fraud") == IndexFile.formatVersion)
        }
    }

    // MARK: the rules of the language

    static func parse(_ text: String) throws -> FilterExpression {
        try FilterParser.parse(text, dates: FilterParser.userDates)
    }

    static func error(_ text: String) -> FilterError? {
        do {
            _ = try FilterParser.parse(text, dates: FilterParser.userDates)
            return nil
        } catch {
            return error
        }
    }

    @Test func literalsNamesAndCounts() throws {
        func only(_ text: String) throws -> FilterExpression.Condition {
            guard case .condition(let c) = try Self.parse(text) else { throw FilterError(column: 0, "not one condition") }
            return c
        }
        #expect(try only("params.a = 'it''s'").values == [.string("it's")])
        #expect(try only("params.a LIKE '50\\%'").values == [.string("50\\%")])
        #expect(try only("params.学习率 = 1").field == .param("学习率"))
        #expect(try only("card.言語 = 'ja'").field == .card("言語"))
        #expect(try only("params.cafe\u{301} = 1").field == .param("cafe\u{301}"))
        #expect(try only("card.`base model` IS NULL").field == .card("base model"))
        #expect(try only("metrics.n = 2k").values == [.number(2_000, exact: 2_000)])
        #expect(try only("metrics.n = 1.5M").values == [.number(1_500_000, exact: 1_500_000)])
        #expect(try only("metrics.n = 7B").values == [.number(7e9, exact: 7_000_000_000)])
        #expect(try only("metrics.auc >= 0.90").text == "metrics.auc >= 0.90")
        #expect(try only("  stage IN ('a' , \"b\")  ").text == "stage IN ('a' , \"b\")")
        #expect(FilterField.card("base model").description == "card.`base model`")
        #expect(FilterField.param("学习率").description == "params.学习率")
    }

    @Test func aBackslashDoesNotEscapeAQuote() {
        #expect(Self.error("params.a = 'it\\'s'")?.description
                == "column 16: a backslash does not escape a quote: write a quote inside a string twice, as in 'it''s'")
        #expect(Self.error("params.a = 'C:\\' and params.b = 1") == nil)
        #expect(Self.error("params.a = 'x\\")?.message.hasPrefix("unterminated string: add the closing ' (a quote inside is written twice") == true)
    }

    @Test func deepNestingIsRefusedWithItsColumn() throws {
        let deep = String(repeating: "(", count: 30_000) + "metrics.auc > 1" + String(repeating: ")", count: 30_000)
        #expect(Self.error(deep)?.description == "column 101: '(' nests deeper than 100 levels of parentheses and NOT")
        let nots = String(repeating: "not ", count: 30_000) + "metrics.auc > 1"
        #expect(Self.error(nots)?.description == "column 401: 'not' nests deeper than 100 levels of parentheses and NOT")
        let fine = String(repeating: "(", count: 100) + "metrics.auc > 1" + String(repeating: ")", count: 100)
        #expect(Self.error(fine) == nil)
        // Both contexts refuse it on one line.
        do {
            _ = try SearchQuery.parse(deep)
            Issue.record("a search 30,000 parentheses deep parsed")
        } catch let e as RegistryError {
            #expect(e.description == "search: column 101: '(' nests deeper than 100 levels of parentheses and NOT")
        }
        do {
            _ = try GateExpression(nots)
            Issue.record("a gate 30,000 NOTs deep parsed")
        } catch let e as RegistryError {
            #expect(e.description == "column 401: 'not' nests deeper than 100 levels of parentheses and NOT")
        }
    }

    @Test func longFlatChainsEvaluate() throws {
        let terms = (0..<30_000).map { "metrics.m\($0) = \($0)" }
        let expression = try Self.parse(terms.joined(separator: " or "))
        #expect(expression.conditions.count == 30_000)
        let subject = GateExpression.Subject(metrics: ["m29999": 29_999])
        #expect(FilterEvaluator(expression).matches(subject))
        #expect(!FilterEvaluator(expression).matches(GateExpression.Subject(metrics: ["m1": 2])))
    }

    @Test func gatesCheckStageNamesAsSearchDoes() {
        #expect(throws: RegistryError.self) { try GateExpression("stage = 'Production'", stages: Registry.defaultStages) }
        do {
            _ = try GateExpression("stage = 'Production'", stages: Registry.defaultStages)
        } catch let e as RegistryError {
            #expect(e.description == "column 1: unknown stage 'Production': stage names are case-sensitive; did you mean 'production'?")
        } catch {
            Issue.record("\(error)")
        }
        #expect((try? GateExpression("stage IN ('staging', 'production')", stages: Registry.defaultStages)) != nil)
    }
}

extension GovernanceFixture {
    /// Registers a version through `Registry.register`: a file (a 6-parameter safetensors file,
    /// else bytes of no known format), `KEY=VALUE` params and metrics, and a model card with
    /// this YAML front matter and `# title`.
    func registerVersion(_ model: String, seed: Int, params: [String], metrics: [String], message: String = "",
                         safetensors: Bool = false, card: String? = nil, title: String? = nil) throws {
        let folder = "\(dir)/run-\(model)-\(seed)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let file: String
        if safetensors {
            var header = Array(#"{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}"#.utf8)
            while header.count % 8 != 0 { header.append(0x20) }
            let length = withUnsafeBytes(of: UInt64(header.count).littleEndian) { Array($0) }
            file = "\(folder)/model.safetensors"
            try Data(length + header + [UInt8](repeating: UInt8(seed), count: 24)).write(to: URL(fileURLWithPath: file))
        } else {
            file = "\(folder)/weights.dat"
            try Data([0x00, 0xff, 0x00, 0xfe, UInt8(seed), 0x80, 0x81, 0x00]).write(to: URL(fileURLWithPath: file))
        }
        var request = RegisterRequest(model: model, paths: [file], directory: dir)
        request.params = params
        request.metrics = metrics
        request.message = message
        if card != nil || title != nil {
            let path = "\(folder)/README.md"
            let front = card.map { "---\n\($0)\n---\n" } ?? ""
            try Data((front + (title.map { "# \($0)\n" } ?? "")).utf8).write(to: URL(fileURLWithPath: path))
            request.cardFile = path
        }
        _ = try registry.register(request)
    }
}
