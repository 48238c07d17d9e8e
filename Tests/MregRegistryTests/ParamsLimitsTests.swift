import MregTestSupport
import Foundation
import Testing
@testable import MregSupport
@testable import MregRegistry

/// A params file is bounded once YAML aliases are expanded ("billion laughs").
@Suite struct ParamsLimitsTests {
    static let bomb = """
        a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
        b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
        c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
        d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
        e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
        f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
        g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
        """

    @Test func anAliasBombIsRefusedQuickly() {
        let start = Date()
        #expect(throws: RegistryError.self) { try ParamsLoader.parseYAML(Self.bomb, path: "p.yaml") }
        #expect(Date().timeIntervalSince(start) < 5)
    }

    @Test func aliasesWithinTheLimitExpand() throws {
        let value = try ParamsLoader.parseYAML("base: &b {lr: 0.01}\nrun: *b\n", path: "p.yaml")
        #expect(value["run"]?["lr"] == .double(0.01))
    }

    /// The error `body` throws, as the line a user sees (without the command line's hints).
    static func message(_ body: () throws -> Void) -> String {
        do { try body() } catch { return "\(error)" }
        return ""
    }

    @Test func aLargePlainYAMLFileIsNotMistakenForABomb() throws {
        // 150,000 values without aliases: more than the alias floor, fewer than the file's bytes.
        let text = "values:\n" + String(repeating: "  - 1\n", count: 150_000)
        let value = try ParamsLoader.parseYAML(text, path: "p.yaml")
        #expect(value["values"]?.arrayValue?.count == 150_000)
    }

    @Test func keysThatFlattenAlikeAreRefusedNamingBoth() {
        let text = #"{"a.b": 1, "a": {"b": 2}}"#
        let m = Self.message { _ = try ParamsLoader.flattenChecked(ParamsLoader.parseJSON(text, path: "p.json"), path: "p.json") }
        #expect(m == "p.json: 'a → b' and 'a.b' both flatten to 'a.b'; rename one")
        // Deterministic, whatever the order of the keys.
        for _ in 0..<20 {
            #expect(Self.message { _ = try ParamsLoader.flattenChecked(ParamsLoader.parseJSON(#"{"a": {"b": 2}, "a.b": 1}"#, path: "p.json"), path: "p.json") } == m)
        }
        #expect(throws: Never.self) { try ParamsLoader.flattenChecked(ParamsLoader.parseJSON(#"{"a": {"b": 2}, "a.c": 1}"#, path: "p.json"), path: "p.json") }
    }

    @Test func tomlNaNAndInfinityAreRefusedNamingTheKey() {
        for v in ["nan", "+inf", "-inf"] {
            let m = Self.message { _ = try ParamsLoader.parseTOML("[opt]\nlr = \(v)\n", path: "p.toml") }
            #expect(m.hasPrefix("p.toml: 'opt.lr' is ") && m.contains("JSON"), "\(m)")
        }
        #expect(throws: Never.self) { try ParamsLoader.parseTOML("lr = 1e300\n", path: "p.toml") }
    }

    @Test func yamlKeysMustBeTextAndNotRepeated() {
        #expect(Self.message { _ = try ParamsLoader.parseYAML("? [a, b]\n: 1\n", path: "p.yaml") }.contains("keys must be text"))
        #expect(Self.message { _ = try ParamsLoader.parseYAML("x: 1\nx: 2\n", path: "p.yaml") }.contains("'x' appears more than once"))
        #expect(Self.message { _ = try ParamsLoader.parseYAML("1: a\n'1': b\n", path: "p.yaml") }.contains("'1' (line 2, column 1) appears twice"))
    }

    @Test func nestingKeysAndTextAreBounded() {
        let deep = "{\"a\": " + String(repeating: "[", count: 101) + String(repeating: "]", count: 101) + "}"
        #expect(Self.message { _ = try ParamsLoader.flattenChecked(ParamsLoader.parseJSON(deep, path: "p.json"), path: "p.json") }.contains("100 deep"))
        let nested = (0..<101).map { "k\($0)" }.reduce("1") { inner, key in "{\"\(key)\": \(inner)}" }
        #expect(Self.message { _ = try ParamsLoader.flattenChecked(ParamsLoader.parseJSON(nested, path: "p.json"), path: "p.json") }.contains("100 deep"))
        let key = String(repeating: "k", count: 1025)
        #expect(Self.message { _ = try ParamsLoader.flattenChecked(["\(key)": 1], path: "p.json") }.contains("longer than 1024 bytes"))
        let text = JSONValue.string(String(repeating: "x", count: (1 << 20) + 1))
        #expect(Self.message { _ = try ParamsLoader.flattenChecked(["t": .array([text])], path: "p.json") }.contains("'t' is longer than 1 MiB"))
        #expect(throws: RegistryError.self) { try ParamsLoader.parseAssignment("\(key)=1") }
    }

    @Test func aFileLargerThanTheLimitIsRefusedBeforeItIsRead() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/big.json"
            #expect(FileManager.default.createFile(atPath: path, contents: nil))
            let h = try #require(FileHandle(forWritingAtPath: path))
            try h.truncate(atOffset: UInt64(ParamsLoader.maximumFileBytes) + 1)
            try h.close()
            #expect(Self.message { _ = try ParamsLoader.load(file: path) }.contains("larger than 64 MiB"))
        }
    }

    @Test func aModelCardIsBounded() throws {
        let many = "---\ntags:\n" + String(repeating: "  - t\n", count: ModelCard.maximumItems + 1) + "---\n"
        #expect(Self.message { _ = try ModelCard.parse(markdown: many) }.contains("more than 10000 items"))
        let long = "---\nlicense: " + String(repeating: "x", count: (1 << 20) + 1) + "\n---\n"
        #expect(Self.message { _ = try ModelCard.parse(markdown: long) }.contains("longer than 1 MiB"))
    }

    @Test func aliasesCannotMultiplyLongTexts() {
        // 200 KB of text named once, then repeated 1,000 times: 200 MB once expanded.
        let text = "a: &a \"\(String(repeating: "x", count: 200_000))\"\nb: [" + Array(repeating: "*a", count: 1000).joined(separator: ",") + "]\n"
        let start = Date()
        #expect(Self.message { _ = try ParamsLoader.parseYAML(text, path: "p.yaml") }.contains("more text than the file holds"))
        #expect(Date().timeIntervalSince(start) < 10)
        let card = "---\nlicense: &l \"\(String(repeating: "x", count: 900_000))\"\ntags: [" + Array(repeating: "*l", count: 100).joined(separator: ",") + "]\n---\n"
        #expect(Self.message { _ = try ModelCard.parse(markdown: card) }.contains("add up to more than 16 MiB"))
    }

    @Test func longNestedKeysAreRefusedBeforeTheyAreBuilt() {
        let name = String(repeating: "k", count: 600)
        let nested = (0..<50).reduce("1") { inner, _ in "{\"\(name)\": \(inner)}" }
        #expect(Self.message { _ = try ParamsLoader.flattenChecked(ParamsLoader.parseJSON(nested, path: "p.json"), path: "p.json") }.contains("longer than 1024 bytes"))
    }
}
