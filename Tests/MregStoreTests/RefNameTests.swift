import MregTestSupport
import Testing
@testable import MregStore

/// Ref names follow git's check-ref-format, plus mreg's `refs/` prefix.
@Suite("RefName")
struct RefNameTests {
    @Test(arguments: [
        "refs/models/fraud/head",
        "refs/models/fraud/versions/12",
        "refs/models/fraud-detector_v2/tags/best.model",
        "refs/x",
        "refs/a/b@c",
        "refs/a/lock",
        "refs/a.lockx/b",
        "refs/a/b.locked",
        "refs/é/ünïcode",
    ])
    func accepts(_ name: String) throws {
        #expect(RefName.problem(with: name) == nil)
        let ref = try RefName(name)
        #expect(ref.rawValue == name)
        #expect(ref.description == name)
    }

    @Test(arguments: [
        ("", "empty"),
        ("models/fraud/head", "no refs/ prefix"),
        ("refs/", "trailing slash"),
        ("refs/a/", "trailing slash"),
        ("refs//a", "empty component"),
        ("refs/a..b", "double dot"),
        ("refs/..", "double dot"),
        ("refs/.hidden", "component starts with a dot"),
        ("refs/a/.b/c", "component starts with a dot"),
        ("refs/a.lock", "ends with .lock"),
        ("refs/a.lock/b", "component ends with .lock"),
        ("refs/a.", "ends with a dot"),
        ("refs/a@{1}", "@{"),
        ("refs/a b", "space"),
        ("refs/a~1", "tilde"),
        ("refs/a^", "caret"),
        ("refs/a:b", "colon"),
        ("refs/a?", "question mark"),
        ("refs/a*", "asterisk"),
        ("refs/a[b", "bracket"),
        ("refs/a\\b", "backslash"),
        ("refs/a\u{01}b", "control character"),
        ("refs/a\nb", "newline"),
        ("refs/a\tb", "tab"),
        ("refs/a\u{7f}", "DEL"),
    ])
    func refuses(_ name: String, _ why: String) {
        #expect(RefName.problem(with: name) != nil, "\(why)")
        let error = #expect(throws: StoreError.self) { try RefName(name) }
        #expect(error?.code == .invalid)
        // The message is one printable line, whatever the name holds.
        #expect(error?.message.contains("\n") == false)
        #expect(error?.message.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7f } == true)
    }

    @Test func componentRulesWithoutPrefix() {
        #expect(RefName.problem(withComponentsOf: "fraud") == nil)
        #expect(RefName.problem(withComponentsOf: "team/fraud") == nil)
        #expect(RefName.problem(withComponentsOf: "@") != nil)
        #expect(RefName.problem(withComponentsOf: "/fraud") != nil)
        #expect(RefName.problem(withComponentsOf: "a..b") != nil)
    }

    @Test func buildsNamesFromCheckedComponents() throws {
        #expect(try RefName.refs("models", "fraud", "head").rawValue == "refs/models/fraud/head")
        let model = try RefName.refs(["models", "fraud"])
        #expect(try model.appending("versions", "12").rawValue == "refs/models/fraud/versions/12")
        #expect(RefName.validated("refs/models/fraud/head")?.rawValue == "refs/models/fraud/head")
        #expect(RefName.validated("refs/models/.DS_Store/head") == nil)
        #expect(RefName.validated("models/x") == nil)
    }

    @Test(arguments: ["a/b", "..", ".DS_Store", ".nfs00001", "x.lock", "", "a b", "a~1"])
    func refusesABadComponent(_ component: String) {
        #expect(RefName.problem(withComponent: component) != nil)
        #expect(throws: StoreError.self) { try RefName.refs("models", component, "head") }
        #expect(storeErrorCode { _ = try RefName.refs("models", component) } == .invalid)
    }

    @Test func sortsByName() throws {
        let names = try ["refs/b", "refs/a/c", "refs/a"].map(RefName.init)
        #expect(names.sorted().map(\.rawValue) == ["refs/a", "refs/a/c", "refs/b"])
    }
}
