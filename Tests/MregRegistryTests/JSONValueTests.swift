import MregTestSupport
import Testing
@testable import MregRegistry
import MregFilter
@testable import MregSupport
@testable import MregIndex
@testable import MregGovernance
@testable import MregRemote

@Suite struct JSONValueTests {
    @Test func canonicalFormSortsKeysAndDropsWhiteSpace() throws {
        let v = try JSONValue.parse(#"{ "b": [1, 2.5, true, null], "a": {"z": "x\ny", "é": 1e-5}, "A": -0.0 }"#)
        #expect(v.canonical == #"{"A":-0.0,"a":{"z":"x\ny","é":1e-05},"b":[1,2.5,true,null]}"#)
        // Same content, same bytes, whatever the input layout.
        let w = try JSONValue.parse(#"{"a":{"é":0.00001,"z":"x\ny"},"b":[1,2.5,true,null],"A":-0.0}"#)
        #expect(v.canonical == w.canonical)
    }

    @Test func integersAndFloatsStayApart() throws {
        let v = try JSONValue.parse(#"{"epochs": 10, "lr": 1.0, "big": 9007199254740993}"#)
        #expect(v["epochs"] == .int(10))
        #expect(v["lr"] == .double(1.0))
        #expect(v["big"] == .int(9007199254740993))
        #expect(v.canonical == #"{"big":9007199254740993,"epochs":10,"lr":1.0}"#)
    }

    @Test(arguments: [("0.9", "0.93", "0.03"), ("0.1", "0.3", "0.2"), ("12.5", "11.0", "-1.5"), ("1", "3", "2"), ("0.7", "0.1", "-0.6")])
    func differencesHaveNoFloatNoise(_ a: String, _ b: String, _ expected: String) throws {
        let d = try #require(JSONValue.difference(JSONValue.parse(a), JSONValue.parse(b)))
        #expect(d.canonical == expected || d.canonical == expected + ".0" || (d.doubleValue == Double(expected)))
        #expect(d.displayText == expected || Double(d.displayText) == Double(expected))
    }

    @Test(arguments: ["{", "[1,]", "{\"a\" 1}", "nul", "\"\\x\"", "01x", "{\"a\":1}}"])
    func malformedJSONIsRejected(_ text: String) {
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(text) }
    }

    @Test(arguments: ["0", "-0", "1e5", "1E+5", "-1.5e-3", "0.5", "10", "[0,-0,0e0]"])
    func numbersOfTheRFCGrammarAreAccepted(_ text: String) throws {
        _ = try JSONValue.parse(text)
    }

    @Test func numbersKeepTheirKind() throws {
        #expect(try JSONValue.parse("-0") == .int(0))
        #expect(try JSONValue.parse("1e5") == .double(100_000))
        #expect(try JSONValue.parse("9223372036854775808") == .double(9_223_372_036_854_775_808))  // beyond Int64
    }

    @Test(arguments: [("01", "number with a leading zero"), ("-01", "number with a leading zero"), ("00", "number with a leading zero"),
                      ("1.", "expected a digit after '.'"), (".5", "invalid value"), ("+1", "invalid value"), ("-", "expected a digit"),
                      ("1e", "expected a digit in the exponent"), ("1e+", "expected a digit in the exponent"), ("-a", "expected a digit"),
                      ("1.5.2", "unexpected text after the JSON value"), ("1e400", "number '1e400' is out of range"),
                      ("NaN", "invalid value"), ("[1,01]", "number with a leading zero")])
    func numbersOutsideTheRFCGrammarAreRefused(_ text: String, _ message: String) {
        let error = #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(text) }
        #expect(error?.message == message, "\(text): \(error.map(String.init(describing:)) ?? "no error")")
    }

    @Test func duplicateKeysAreRefusedWithTheKeyAndItsPosition() {
        let error = #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(#"{"a":1,"a":2}"#) }
        #expect(error?.description == #"duplicate key "a" at line 1, column 8 (byte 7)"#)
        let nested = #expect(throws: JSONValue.ParseError.self) {
            try JSONValue.parse("{\n  \"opt\": {\"lr\": 1,\n          \"lr\": 2}\n}")
        }
        #expect(nested?.description == #"duplicate key "lr" at line 3, column 11 (byte 31)"#)
        // Keys that are the same text (é precomposed and decomposed) cannot both be kept either.
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(#"{"\u00e9":1,"e\u0301":2}"#) }
        // The same key in different objects is fine.
        #expect(throws: Never.self) { try JSONValue.parse(#"{"a":{"a":1},"b":{"a":2}}"#) }
    }

    @Test func positionsCountLinesAndCharacters() {
        let error = #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse("{\"é\": 01}") }
        #expect(error?.line == 1 && error?.column == 7 && error?.offset == 7)
    }

    @Test func nestingIsLimitedWithoutCrashing() throws {
        let deepest = String(repeating: "[", count: JSONValue.maximumDepth) + "1" + String(repeating: "]", count: JSONValue.maximumDepth)
        _ = try JSONValue.parse(deepest)
        let tooDeep = String(repeating: "[", count: JSONValue.maximumDepth + 1) + String(repeating: "]", count: JSONValue.maximumDepth + 1)
        let error = #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(tooDeep) }
        #expect(error?.message == "JSON nested deeper than 512 levels" && error?.offset == 512)
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(String(repeating: "[", count: 100_000)) }
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(String(repeating: "{\"a\":", count: 100_000)) }
    }

    @Test func escapesDecodeAndSurrogatesMustPair() throws {
        #expect(try JSONValue.parse(#""\u00e9\ud83d\ude00\/\b""#) == .string("é😀/\u{08}"))
        for (text, message) in [(#""\ud800""#, "lone high surrogate in \\u escape"), (#""\ud800x""#, "lone high surrogate in \\u escape"),
                                (#""\ud800\u0041""#, "lone high surrogate in \\u escape"), (#""\udc00""#, "lone low surrogate in \\u escape"),
                                (#""\u12""#, "invalid \\u escape: needs four hex digits"), (#""\u+123""#, "invalid \\u escape: needs four hex digits"),
                                (#""\x""#, "invalid escape '\\x'"), ("\"a\tb\"", "control character in string"), ("\"abc", "unterminated string")] {
            let error = #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(text) }
            #expect(error?.message == message, "\(text): \(error.map(String.init(describing:)) ?? "no error")")
        }
        let invalidUTF8: [UInt8] = [0x22, 0xff, 0x22]
        let error = #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(invalidUTF8) }
        #expect(error?.message == "invalid UTF-8 in string")
    }

    @Test func stringsEscapeControlCharacters() {
        #expect(JSONValue.string("a\"b\\c\u{01}").canonical == #""a\"b\\c\u0001""#)
    }
}

@Suite struct ParamsLoaderTests {
    @Test func flattenNestsWithDots() {
        let v: JSONValue = ["optimizer": ["lr": 0.01, "betas": [0.9, 0.999]], "epochs": 3]
        let flat = ParamsLoader.flatten(v)
        #expect(flat["optimizer.lr"] == .double(0.01))
        #expect(flat["optimizer.betas"] == .array([.double(0.9), .double(0.999)]))
        #expect(flat["epochs"] == .int(3))
    }

    @Test func assignmentsAreTypedLikeYAML() throws {
        #expect(try ParamsLoader.parseAssignment("lr=0.01").1 == .double(0.01))
        #expect(try ParamsLoader.parseAssignment("n=3").1 == .int(3))
        #expect(try ParamsLoader.parseAssignment("flag=true").1 == .bool(true))
        #expect(try ParamsLoader.parseAssignment("opt=adam").1 == .string("adam"))
        #expect(try ParamsLoader.parseAssignment("path=a=b").1 == .string("a=b"))
        #expect(throws: RegistryError.self) { try ParamsLoader.parseAssignment("noequals") }
        #expect(throws: RegistryError.self) { try ParamsLoader.parseAssignment("=1") }
    }

    @Test func redactsCredentialsFromRemotes() {
        #expect(Provenance.redactCredentials("https://user:tok@github.com/a/b.git") == "https://github.com/a/b.git")
        #expect(Provenance.redactCredentials("git@github.com:a/b.git") == "git@github.com:a/b.git")
    }
}

@Suite struct NamesAndRevisionsTests {
    @Test(arguments: ["fraud", "fraud-detector", "bert.v2", "A_1"])
    func goodModelNames(_ name: String) throws { try Names.validateModel(name) }

    @Test(arguments: ["", "a b", "../x", "a/b", ".hidden", "x.lock", "-x", "a..b", "é"])
    func badModelNames(_ name: String) {
        #expect(throws: RegistryError.self) { try Names.validateModel(name) }
    }

    @Test func revisionsParse() throws {
        #expect(try Revision.parse("m@3") == Revision(model: "m", selector: "3"))
        #expect(try Revision.parse("m") == Revision(model: "m"))
        #expect(Revision.versionNumber("v12") == 12)
        #expect(Revision.versionNumber("12") == 12)
        #expect(Revision.versionNumber("v") == nil)
        #expect(Revision.versionNumber("0") == nil)
        #expect(throws: RegistryError.self) { try Revision.parse("m@") }
        #expect(throws: RegistryError.self) { try Names.validateTag("v3") }
        #expect(throws: RegistryError.self) { try Names.validateTag("latest") }
    }
}
