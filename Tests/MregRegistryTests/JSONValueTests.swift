import MregTestSupport
import Testing
@testable import MregRegistry
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
