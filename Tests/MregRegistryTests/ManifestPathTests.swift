import MregTestSupport
import Foundation
import Testing
import MregStore
@testable import MregSupport
@testable import MregRegistry

/// The path rules of a version: checked when a manifest is read and before register stores anything.
@Suite struct ManifestPathTests {
    typealias Entry = ManifestPath.Entry

    static func file(_ path: String) -> Entry { Entry(path: path, target: nil) }
    static func link(_ path: String, _ target: String) -> Entry { Entry(path: path, target: target) }

    @Test(arguments: ["", "/etc/passwd", "a/../b", "../x", "./a", "a//b", "a/", "a/.", "a\u{0}b"])
    func unsafePathsAreRefused(_ path: String) {
        #expect(ManifestPath.violation(in: [Self.file(path)]) != nil)
    }

    @Test func lengthLimitsAreEnforced() {
        let longName = String(repeating: "n", count: ManifestPath.maximumNameBytes + 1)
        #expect(ManifestPath.problem(longName)?.contains("255") == true)
        #expect(ManifestPath.problem(String(repeating: "n", count: 255)) == nil)
        let longPath = Array(repeating: String(repeating: "d", count: 200), count: 21).joined(separator: "/")
        #expect(longPath.utf8.count > ManifestPath.maximumBytes)
        #expect(ManifestPath.problem(longPath)?.contains("4095") == true)
    }

    @Test func duplicatesAndNestedPathsAreRefused() throws {
        let dup = try #require(ManifestPath.violation(in: [Self.file("a"), Self.file("a")]))
        #expect(dup.problem == "it appears twice")
        let nested = try #require(ManifestPath.violation(in: [Self.file("a"), Self.file("a/b")]))
        #expect(nested.path == "a/b" && nested.problem.contains("'a' is a file"))
        let underLink = try #require(ManifestPath.violation(in: [Self.link("a", "x"), Self.file("a/b/c")]))
        #expect(underLink.problem.contains("symbolic link"))
        // The same text in two Unicode forms (é precomposed and decomposed) is one path.
        let forms = try #require(ManifestPath.violation(in: [Self.file("caf\u{E9}"), Self.file("cafe\u{301}")]))
        #expect(forms.problem.contains("same Unicode text"))
        #expect(ManifestPath.violation(in: [Self.file("a/b"), Self.file("a/c"), Self.file("ab")]) == nil)
    }

    @Test func linksInsideAreAllowedEvenDanglingOrLooping() {
        let ok: [[Entry]] = [
            [Self.link("l", "sub/f"), Self.file("sub/f")],
            [Self.link("sub/l", "../f"), Self.file("f")],
            [Self.link("self", ".")],
            [Self.link("dangling", "missing/x")],
            [Self.link("a", "b"), Self.link("b", "a")],      // a loop: the kernel gives up, and so does the check
            [Self.link("x", "x")],
            [Self.link("sub/up", ".."), Self.file("sub/f")],
        ]
        for entries in ok { #expect(ManifestPath.violation(in: entries) == nil, "\(entries)") }
    }

    @Test func linksThatLeaveTheFolderAreRefused() throws {
        let out: [[Entry]] = [
            [Self.link("l", "/etc")],
            [Self.link("l", "..")],
            [Self.link("sub/l", "../../secrets")],
            [Self.link("l", "missing/../../x")],
            // Lexically inside, physically outside: d1/d2/s is the root, so s/.. is above it.
            [Self.link("d1/d2/s", "../.."), Self.link("t", "d1/d2/s/../../..")],
            // Through another link that leads outside.
            [Self.link("a", "b/c"), Self.link("b", "/tmp")],
        ]
        for entries in out {
            let v = ManifestPath.violation(in: entries)
            #expect(v?.outsideTarget != nil, "\(entries)")
        }
    }

    @Test func aLongChainOfLinksEndsQuickly() {
        // 2,000 links each to the next: the walk stops after 40 hops rather than following them all.
        var entries = (0..<2000).map { Self.link("l\($0)", "l\($0 + 1)") }
        entries.append(Self.link("l2000", "/etc"))
        let start = Date()
        _ = ManifestPath.violation(in: entries)
        #expect(Date().timeIntervalSince(start) < 5)
    }

    @Test func printableEscapesBytesThatAreNotText() {
        #expect(ManifestPath.printable(bytes: Array("caf".utf8) + [0xE9, 0x2E]) == "caf\\xE9.")
        #expect(ManifestPath.printable(bytes: Array("é\n".utf8)) == "é\\x0A")
        #expect(ManifestPath.printable("a\tb") == "a\\x09b")
    }

    // MARK: manifests

    static func manifestJSON(_ files: [String]) -> JSONValue {
        .object(["schema": .string(Manifest.schema), "model": "m", "files": .array(files.map { path in
            .object(["path": .string(path), "mode": "100644", "size": 1, "digest": "sha256:00", "object": .string(String(repeating: "ab", count: 32))])
        })])
    }

    @Test func aManifestWithUnsafeOrConflictingPathsCannotBeRead() {
        for files in [["../evil"], ["/etc/x"], ["a", "a"], ["a", "a/b"], ["ok/./x"], [""]] {
            #expect(throws: RegistryError.self, "\(files)") { try Manifest(json: Self.manifestJSON(files)) }
        }
        #expect(throws: Never.self) { try Manifest(json: Self.manifestJSON(["a/b", "a/c"])) }
    }

    @Test func linkEntriesRoundTripAndMustBeConsistent() throws {
        let target = "sub/f"
        let bytes = Array(target.utf8)
        let link = ManifestFile(path: "l", mode: ManifestFile.linkMode, size: Int64(bytes.count), digest: Digest.sha256(bytes),
                                object: ObjectID.compute(type: .blob, payload: bytes), target: target)
        #expect(try ManifestFile(json: link.json) == link)
        #expect(link.json["target"] == .string(target))
        // An old entry (no target, no mode) reads as a plain file, and its JSON gains no field.
        let old: JSONValue = ["path": "f", "size": 1, "digest": "sha256:00", "object": .string(String(repeating: "ab", count: 32))]
        let file = try ManifestFile(json: old)
        #expect(file.mode == ManifestFile.fileMode && file.target == nil && file.json["target"] == nil)
        // A link whose digest is not its target's, a link without a target, a file with one, an unknown mode.
        var wrong = link.json.objectValue ?? [:]
        wrong["target"] = "elsewhere"
        #expect(throws: RegistryError.self) { try ManifestFile(json: .object(wrong)) }
        wrong = link.json.objectValue ?? [:]
        wrong["target"] = nil
        #expect(throws: RegistryError.self) { try ManifestFile(json: .object(wrong)) }
        wrong = link.json.objectValue ?? [:]
        wrong["mode"] = "100644"
        #expect(throws: RegistryError.self) { try ManifestFile(json: .object(wrong)) }
        wrong["mode"] = "040000"
        wrong["target"] = nil
        #expect(throws: RegistryError.self) { try ManifestFile(json: .object(wrong)) }
    }

    @Test func encodedIsTheCanonicalManifestAndItsContentKey() throws {
        let file = ManifestFile(path: "é/w.bin", mode: "100755", size: 3, digest: "sha256:ab", object: ObjectID.compute(type: .blob, payload: [1, 2, 3]),
                                format: "text", details: ["n": 1])
        let m = Manifest(model: "m", message: "a \"quoted\"\nmessage", files: [file], params: ["lr": 0.01, "é": "ü", "a.b": [1, [2.5, "x\u{1}"]]],
                         metrics: ["auc": 0.9], datasets: [["name": "d"]],
                         provenance: ["git": ["commit": "abc", "dirty": false, "branch": "main"], "time": "t"],
                         base: ["model": "b", "version": 1], card: ["license": "mit"])
        let encoded = m.encoded
        #expect(encoded.bytes == m.json.canonicalBytes)
        #expect(encoded.contentKey == m.contentKey)
        let bare = Manifest(model: "m")
        #expect(bare.encoded.bytes == bare.json.canonicalBytes && bare.encoded.contentKey == bare.contentKey)
    }

    @Test func canonicalKeysSortByTheirUTF8Bytes() {
        let keys = ["b", "a", "é", "z", "ab", "", "e\u{301}", "Z", "ä"]
        #expect(keys.sorted(by: JSONValue.utf8Precedes) == keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        #expect(JSONValue.sortedByUTF8(keys) == keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        let ascii = ["b", "a.b", "a", "A", "a_b", "a-b", "ab", "", "~", "0"]
        #expect(JSONValue.sortedByUTF8(ascii) == ascii.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        // (Precomposed and decomposed é are one key to a Swift dictionary: keep one.)
        let distinct = ["b", "a", "é", "z", "ab", "", "Z", "ä"]
        let value: JSONValue = .object(Dictionary(uniqueKeysWithValues: distinct.enumerated().map { ($1, .int(Int64($0))) }))
        #expect(value.canonical == #"{"":5,"Z":6,"a":1,"ab":4,"b":0,"z":3,"ä":7,"é":2}"#)
        #expect(value.pretty.hasPrefix("{\n  \"\": 5,\n  \"Z\": 6,"))
    }
}
