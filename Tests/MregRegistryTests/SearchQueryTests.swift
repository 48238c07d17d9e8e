import MregTestSupport
import Testing
@testable import MregRegistry
import MregFilter
@testable import MregSupport
@testable import MregIndex
@testable import MregGovernance
@testable import MregRemote

/// The search language: grammar, precedence, literals and the column of every syntax error.
@Suite struct SearchQueryTests {
    typealias Q = SearchQuery

    static func cond(_ field: SearchField, _ op: Q.Operator, _ values: [Q.Literal], _ column: Int) -> Q.Expression {
        .condition(Q.Condition(field: field, op: op, values: values, column: column))
    }

    static func expr(_ text: String) throws -> Q.Expression { try Q.parse(text).expression }

    /// The message of the error a malformed query raises.
    static func error(_ text: String) -> String? {
        do {
            _ = try Q.parse(text)
            return nil
        } catch RegistryError.badInput(.syntax(let s)) {
            return s.description
        } catch {
            return "\(error)"
        }
    }

    @Test func emptyQueryMatchesEverything() throws {
        #expect(try Self.expr("") == .all)
        #expect(try Self.expr("   ") == .all)
    }

    @Test func andBindsTighterThanOrAndParenthesesOverride() throws {
        let a = Self.cond(.param("optimizer"), .equal, [.string("adam")], 1)
        // a AND b OR c  ==  (a AND b) OR c
        let e1 = try Self.expr("params.optimizer = 'adam' and metrics.auc >= 0.9 or tag = 'reviewed'")
        #expect(e1 == .or(.and(a, Self.cond(.metric("auc"), .greaterOrEqual, [.number(0.9, exact: nil)], 31)),
                          Self.cond(.tag, .equal, [.string("reviewed")], 53)))
        // a AND (b OR c) AND d
        let e2 = try Self.expr("params.optimizer = 'adam' and (metrics.auc >= 0.9 or tag = 'reviewed') and stage = 'production'")
        #expect(e2 == .and(.and(a, .or(Self.cond(.metric("auc"), .greaterOrEqual, [.number(0.9, exact: nil)], 32),
                                       Self.cond(.tag, .equal, [.string("reviewed")], 54))),
                           Self.cond(.stage, .equal, [.string("production")], 76)))
        // a OR b AND c  ==  a OR (b AND c)
        if case .or(_, .and) = try Self.expr("model = 'a' OR model = 'b' AND version = 1") {} else { Issue.record("AND must bind tighter") }
        // NOT binds tighter than AND.
        if case .and(.not, .condition) = try Self.expr("not model = 'a' and version = 1") {} else { Issue.record("NOT must bind tightest") }
        if case .not(.or) = try Self.expr("NOT (model = 'a' or version = 1)") {} else { Issue.record("NOT over parentheses") }
        #expect(try Self.expr("((model = 'a'))") == Self.cond(.model, .equal, [.string("a")], 3))
    }

    @Test func everyOperatorAndKeywordsInAnyCase() throws {
        let ops: [(String, Q.Operator)] = [("=", .equal), ("==", .equal), ("!=", .notEqual), ("<>", .notEqual), ("<", .less),
                                           ("<=", .lessOrEqual), (">", .greater), (">=", .greaterOrEqual)]
        for (text, op) in ops {
            #expect(try Self.expr("metrics.auc \(text) 1") == Self.cond(.metric("auc"), op, [.number(1, exact: 1)], 1), "\(text)")
            #expect(try Self.expr("metrics.auc\(text)1") == Self.cond(.metric("auc"), op, [.number(1, exact: 1)], 1), "\(text) unspaced")
        }
        #expect(try Self.expr("model LIKE 'fraud%'") == Self.cond(.model, .like, [.string("fraud%")], 1))
        #expect(try Self.expr("model ilike 'FRAUD%'") == Self.cond(.model, .ilike, [.string("FRAUD%")], 1))
        #expect(try Self.expr("model not like 'x%'") == Self.cond(.model, .notLike, [.string("x%")], 1))
        #expect(try Self.expr("model NOT ILIKE 'x%'") == Self.cond(.model, .notIlike, [.string("x%")], 1))
        #expect(try Self.expr("stage in ('production', \"staging\")") == Self.cond(.stage, .in, [.string("production"), .string("staging")], 1))
        #expect(try Self.expr("version NOT IN (1,2, 3)") == Self.cond(.version, .notIn, [.number(1, exact: 1), .number(2, exact: 2), .number(3, exact: 3)], 1))
        #expect(try Self.expr("params.seed is null") == Self.cond(.param("seed"), .isNull, [], 1))
        #expect(try Self.expr("params.seed IS NOT NULL") == Self.cond(.param("seed"), .isNotNull, [], 1))
        #expect(try Self.expr("model = 'a' AnD version = 2") == .and(Self.cond(.model, .equal, [.string("a")], 1),
                                                                     Self.cond(.version, .equal, [.number(2, exact: 2)], 17)))
    }

    @Test func fieldsAliasesAndBacktickedKeys() throws {
        #expect(try Q.parse("name = 'a' and tags = 'b' and stages = 'c' and attributes.author = 'd' and formats = 'gguf'").fields
                == [.model, .tag, .stage, .author, .format])
        #expect(try Q.parse("param.lr = 1 and metric.auc = 1").fields == [.param("lr"), .metric("auc")])
        #expect(try Q.parse("params.optimizer.lr = 0.01").fields == [.param("optimizer.lr")])
        #expect(try Q.parse("params.`a-b c` = 1").fields == [.param("a-b c")])
        #expect(try Q.parse("metrics.`val loss` <= 0.2").fields == [.metric("val loss")])
        #expect(try Q.parse("params.\"odd key\" = 1").fields == [.param("odd key")])
        #expect(try Q.parse("params.`it``s` = 1").fields == [.param("it`s")])
        #expect(try Q.parse("params.dropout-rate = 0.1").fields == [.param("dropout-rate")])
        #expect(SearchField.param("a-b c").description == "params.`a-b c`")
        #expect(SearchField.metric("auc").description == "metrics.auc")
    }

    @Test func literals() throws {
        #expect(try Self.expr("params.name = 'it''s'") == Self.cond(.param("name"), .equal, [.string("it's")], 1))
        #expect(try Self.expr("params.name = \"say \"\"hi\"\"\"") == Self.cond(.param("name"), .equal, [.string("say \"hi\"")], 1))
        #expect(try Self.expr("metrics.loss < -0.5") == Self.cond(.metric("loss"), .less, [.number(-0.5, exact: nil)], 1))
        #expect(try Self.expr("metrics.loss < 1e-3") == Self.cond(.metric("loss"), .less, [.number(0.001, exact: nil)], 1))
        #expect(try Self.expr("metrics.loss < .5") == Self.cond(.metric("loss"), .less, [.number(0.5, exact: nil)], 1))
        #expect(try Self.expr("parameters > 7B") == Self.cond(.parameters, .greater, [.number(7e9, exact: 7_000_000_000)], 1))
        #expect(try Self.expr("parameters >= 1.5M") == Self.cond(.parameters, .greaterOrEqual, [.number(1.5e6, exact: 1_500_000)], 1))
        #expect(try Self.expr("parameters < 350k") == Self.cond(.parameters, .less, [.number(350_000, exact: 350_000)], 1))
        #expect(try Self.expr("params.flag = true") == Self.cond(.param("flag"), .equal, [.bool(true)], 1))
        #expect(try Self.expr("params.flag != FALSE") == Self.cond(.param("flag"), .notEqual, [.bool(false)], 1))
        // Versions accept 3, '3' and 'v3'.
        #expect(try Self.expr("version = 'v3'") == Self.cond(.version, .equal, [.number(3, exact: 3)], 1))
        #expect(try Self.expr("version = '3'") == Self.cond(.version, .equal, [.number(3, exact: 3)], 1))
    }

    @Test func datesAreSpans() throws {
        guard case .condition(let c) = try Self.expr("created >= '2026-03-01'"), case .date(let from, let to, _) = c.values[0] else {
            Issue.record("expected a date")
            return
        }
        #expect(from == 1_772_323_200)  // 2026-03-01T00:00:00Z
        #expect(to == from + 86_399)
        func span(_ text: String) -> [Int64] { (try? UserDate.parse(text)).map { [$0.firstSecond, $0.lastSecond] } ?? [] }
        let march1: Int64 = 1_772_323_200
        #expect(span("2026") == [1_767_225_600, 1_767_225_600 + 365 * 86_400 - 1])
        #expect(span("2024-02") == [1_706_745_600, 1_706_745_600 + 29 * 86_400 - 1])
        #expect(span("2026-03-01 14:30") == [march1 + 52_200, march1 + 52_200 + 59])
        #expect(span("2026-03-01T14:30:05Z") == [1_772_375_405, 1_772_375_405])
        #expect(span("2026-03-01T16:30:05+02:00") == [1_772_375_405, 1_772_375_405])
        #expect(span("2026-03-01T14:30:05.250Z") == [1_772_375_405, 1_772_375_405])
        for bad in ["2026-13-01", "2026-02-30", "yesterday", "2026-03-01 25:00", "2026-3-1", "2026-03-01T10:00:00+2"] {
            #expect((try? UserDate.parse(bad)) == nil, "\(bad)")
        }
        #expect(EpochTime.seconds("2026-03-01T14:30:05Z") == 1_772_375_405)
        #expect(EpochTime.seconds("1970-01-01T00:00:00Z") == 0)
        #expect(EpochTime.seconds("2000-02-29T12:00:00Z") == 951_825_600)
    }

    @Test func likePatterns() {
        func like(_ p: String, _ v: String, i: Bool = false) -> Bool { LikePattern(p, caseInsensitive: i).matches(v) }
        #expect(like("fraud%", "fraud-detector"))
        #expect(!like("fraud%", "my-fraud"))
        #expect(like("%fraud%", "my-fraud-model"))
        #expect(like("%", ""))
        #expect(like("v_", "v1") && !like("v_", "v10") && !like("v_", "v"))
        #expect(like("a%b%c", "aXXbYYc") && !like("a%b%c", "aXXbYY"))
        #expect(like("%ab", "abab") && like("%aab", "aaab"))
        #expect(like("50\\%", "50%") && !like("50\\%", "500"))
        #expect(like("a\\_b", "a_b") && !like("a\\_b", "axb"))
        #expect(!like("FRAUD%", "fraud-1") && like("FRAUD%", "fraud-1", i: true))
        #expect(like("é_", "éa") && like("_a", "éa") && like("%É%", "café au lait", i: true))
        #expect(like("caf_", "café"))
    }

    @Test func malformedQueriesNameTheirColumn() {
        let cases: [(String, String)] = [
            ("metrics.auc >=", "column 15: expected a value after '>='"),
            ("params.a = 1 and metrics.auc >= ", "column 33: expected a value after '>='"),
            ("metrics.auc >= )", "column 16: expected a value after '>=', found ')'"),
            ("params.optimizer = adam", "column 20: expected a value after '=', found 'adam' (quote text values: 'adam')"),
            ("params.optimizer", "column 17: expected an operator after 'params.optimizer'"),
            ("params.optimizer 'adam'", "column 18: expected an operator after 'params.optimizer'"),
            ("foo = 1", "column 1: unknown field 'foo'"),
            ("model = 'a' and bar.x = 1", "column 17: unknown field 'bar.x'"),
            ("params = 1", "column 1: 'params' needs a key"),
            ("params. = 1", "column 8: expected a key after 'params.'"),
            ("(model = 'a'", "column 13: expected ')' to close the '(' at column 1"),
            ("model = 'a')", "column 12: ')' has no matching '('"),
            ("model = 'a' version = 1", "column 13: unexpected 'version' after a complete condition: join conditions with AND or OR"),
            ("model = 'a' and", "column 16: expected a condition after 'and'"),
            ("and model = 'a'", "column 1: expected a condition, found the keyword 'and'"),
            ("model = 'a' or or version = 1", "column 16: expected a condition after 'or', found the keyword 'or'"),
            ("model = 'abc", "column 9: unterminated string"),
            ("params.`a-b = 1", "column 8: unterminated backtick-quoted key"),
            ("model ! 'a'", "column 7: '!' must be followed by '='"),
            ("model => 'a'", "column 8: expected a value after '=', found '>'"),
            ("stage in 'a'", "column 10: expected '(' after IN"),
            ("stage in ()", "column 11: IN needs at least one value"),
            ("stage in ('a' 'b')", "column 15: expected ',' or ')' in the IN list, found ''b''"),
            ("stage in ('a',", "column 15: expected a value after ','"),
            ("stage in ('a'", "column 14: expected ')' to close the IN list at column 10"),
            ("stage not between 'a'", "column 11: expected IN, LIKE or ILIKE after NOT"),
            ("params.x is 'a'", "column 13: expected NULL or NOT NULL after IS"),
            ("model like 5", "column 12: LIKE needs a quoted pattern"),
            ("version = 'abc'", "column 11: version compares with a number, not 'abc'"),
            ("parameters > 'big'", "column 14: parameters compares with a number"),
            ("created > 5", "column 11: created compares with a quoted date"),
            ("created > '2026-13-01'", "column 11: cannot read the date '2026-13-01'"),
            ("model = 5", "column 9: model compares with quoted text, not 5"),
            ("metrics.auc > 0.9x", "column 15: '0.9x' is not a number"),
            ("model = 'a' ; drop", "column 13: unexpected ';'"),
            ("`model` = 'a'", "column 1: backticks quote a key"),
        ]
        for (query, expected) in cases {
            let message = Self.error(query)
            #expect(message?.hasPrefix("search: " + expected) == true, "\(query) → \(message ?? "no error"), expected \(expected)")
        }
    }

    @Test func orderByClauses() throws {
        #expect(try SearchOrder.parse("metrics.auc DESC") == SearchOrder(field: .metric("auc"), descending: true))
        #expect(try SearchOrder.parse("created asc") == SearchOrder(field: .created))
        #expect(try SearchOrder.parse("params.`a b`") == SearchOrder(field: .param("a b")))
        #expect(throws: RegistryError.self) { try SearchOrder.parse("nope DESC") }
        #expect(throws: RegistryError.self) { try SearchOrder.parse("model DESC extra") }
        #expect(throws: RegistryError.self) { try SearchOrder.parse("") }
    }
}
