import Foundation
import MregTestSupport
import Testing
@testable import MregStore

@Suite("Config")
struct ConfigTests {
    static let sample = """
    # mreg config: comments survive edits
    [core]
    \tformatVersion = 1
    \tcompression = auto ; inline comment
    [user]
    \tname = "Ada Lovelace"
    [remote "Origin"]
    \turl = /srv/models
    [remote "backup"]
    \turl = s3://bucket/prefix
    [Registry]
    \tstages = development, production # trailing comment
    \tverbose
    """

    @Test func getsValues() {
        let config = Config(text: Self.sample)
        #expect(config.get("core.formatVersion") == "1")
        #expect(config.get("core.compression") == "auto")
        #expect(config.get("user.name") == "Ada Lovelace")
        #expect(config.get("remote.Origin.url") == "/srv/models")
        #expect(config.get("remote.backup.url") == "s3://bucket/prefix")
        #expect(config.get("registry.stages") == "development, production")
        #expect(config.get("core.missing") == nil)
        #expect(config.get("nodot") == nil)
    }

    @Test func sectionsAndKeysIgnoreCaseSubsectionsDoNot() {
        let config = Config(text: Self.sample)
        #expect(config.get("CORE.FORMATVERSION") == "1")
        #expect(config.get("Registry.Stages") == "development, production")
        #expect(config.get("REMOTE.Origin.URL") == "/srv/models")
        #expect(config.get("remote.origin.url") == nil)
        #expect(config.subsections(of: "remote") == ["Origin", "backup"])
    }

    @Test func booleans() {
        let config = Config(text: "[a]\n\tyes = yes\n\toff = off\n\tone = 1\n\tbare\n\tjunk = maybe\n")
        #expect(config.bool("a.yes") == true)
        #expect(config.bool("a.off") == false)
        #expect(config.bool("a.one") == true)
        #expect(config.bool("a.bare") == true)
        #expect(config.bool("a.junk") == nil)
        #expect(config.bool("a.absent") == nil)
    }

    @Test func lastValueWins() {
        let config = Config(text: "[core]\n\tx = 1\n[core]\n\tx = 2\n")
        #expect(config.get("core.x") == "2")
        #expect(config.entries.map(\.key) == ["core.x", "core.x"])
    }

    @Test func setReplacesInPlaceAndKeepsEverythingElse() throws {
        var config = Config(text: Self.sample)
        try config.set("core.compression", "0")
        var expected = Self.sample.components(separatedBy: "\n")
        expected[3] = "\tcompression = 0"
        #expect(config.lines == expected)
        #expect(config.get("core.compression") == "0")
    }

    @Test func setAddsToTheRightSection() throws {
        var config = Config(text: Self.sample)
        try config.set("remote.Origin.push", "yes")
        let lines = config.lines
        let i = try #require(lines.firstIndex(of: "\tpush = yes"))
        #expect(lines[i - 1] == "\turl = /srv/models")
        #expect(lines[i - 2] == "[remote \"Origin\"]")
        #expect(config.get("remote.Origin.push") == "yes")
        #expect(config.get("remote.backup.push") == nil)
        // Everything else is untouched, comments included.
        var without = lines
        without.remove(at: i)
        #expect(without == Self.sample.components(separatedBy: "\n"))
    }

    @Test func setCreatesSectionsAndSubsections() throws {
        var config = Config(text: "# only a comment\n")
        try config.set("user.email", "ada@example.com")
        try config.set("remote.With \"Quote\".url", "/x")
        #expect(config.serialized() == """
        # only a comment
        [user]
        \temail = ada@example.com
        [remote "With \\"Quote\\""]
        \turl = /x

        """)
        #expect(config.get("remote.With \"Quote\".url") == "/x")
        #expect(config.subsections(of: "remote") == ["With \"Quote\""])
    }

    @Test(arguments: [
        "plain",
        "with # hash",
        "with ; semicolon",
        "\"quoted\"",
        "back\\slash",
        " leading space",
        "trailing space ",
        "  both  ",
        "inner   spaces kept",
        "tab\tand\nnewline",
        "",
    ])
    func quotingRoundTrips(_ value: String) throws {
        var config = Config()
        try config.set("test.value", value)
        #expect(config.get("test.value") == value)
        // And through the file text.
        let reparsed = Config(text: config.serialized())
        #expect(reparsed.get("test.value") == value)
    }

    @Test func unquotesValues() {
        let config = Config(text: """
        [q]
        \ta = "x # not a comment" # a comment
        \tb = one "two" three
        \tc = \\"escaped\\"
        \td = "  padded  "
        \te = value   ; comment
        """)
        #expect(config.get("q.a") == "x # not a comment")
        #expect(config.get("q.b") == "one two three")
        #expect(config.get("q.c") == "\"escaped\"")
        #expect(config.get("q.d") == "  padded  ")
        #expect(config.get("q.e") == "value")
    }

    @Test func unsetRemovesEveryOccurrenceAndKeepsComments() throws {
        var config = Config(text: "# head\n[core]\n\tx = 1\n\t# keep me\n\ty = 2\n[core]\n\tx = 3\n")
        let removed = try config.unset("core.x")
        #expect(removed)
        #expect(config.serialized() == "# head\n[core]\n\t# keep me\n\ty = 2\n[core]\n")
        #expect(config.get("core.x") == nil)
        let removedAgain = try config.unset("core.x")
        let removedOther = try config.unset("other.x")
        #expect(!removedAgain && !removedOther)
        // A key in a subsection is not the same key.
        var sub = Config(text: "[remote \"a\"]\n\turl = 1\n[remote]\n\turl = 2\n")
        let removedSub = try sub.unset("remote.a.url")
        #expect(removedSub)
        #expect(sub.get("remote.url") == "2")
    }

    @Test func removesSections() {
        var config = Config(text: Self.sample)
        let removed = config.removeSection("remote", subsection: "Origin")
        #expect(removed)
        #expect(config.get("remote.Origin.url") == nil)
        #expect(config.get("remote.backup.url") == "s3://bucket/prefix")
        let again = config.removeSection("remote", subsection: "Origin")
        #expect(!again)
    }

    @Test(arguments: ["nodot", ".name", "section.", "core.bad_name", "core.1st", "core.na me"])
    func refusesBadKeys(_ key: String) {
        var config = Config()
        let error = #expect(throws: StoreError.self) { try config.set(key, "v") }
        #expect(error?.code == .invalid)
        #expect(config.lines.isEmpty)
    }

    @Test func savesAtomicallyAndLoads() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/sub/config"
            #expect(try Config.load(path) == Config())
            var config = Config(text: Self.sample)
            try config.set("core.compression", "9")
            try config.save(path)
            #expect(try Config.load(path) == config)
            #expect(try String(decoding: readBytes(path), as: UTF8.self) == config.serialized())
            #expect(filesBelow(dir) == ["sub/config"])  // no config.lock or temp file left
        }
    }

    @Test func saveRefusesWhileLocked() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/config"
            try Config(text: "[a]\n\tb = 1\n").save(path)
            let lock = try LockFile(for: path)
            defer { lock.release() }
            let error = #expect(throws: StoreError.self) { try Config(text: "[a]\n\tb = 2\n").save(path) }
            #expect(error?.code == .locked)
            #expect(try Config.load(path).get("a.b") == "1")
            #expect(FileManager.default.fileExists(atPath: "\(path).lock"))
        }
    }

    /// A config path that is not a regular file is refused at once (it never blocks or reads forever);
    /// `/dev/null` and a missing file are an empty config.
    @Test func onlyRegularFilesOfBoundedSizeAreRead() throws {
        #expect(try Config.load("/dev/null").entries.isEmpty)
        try withTemporaryDirectory { dir in
            #expect(try Config.load("\(dir)/missing").entries.isEmpty)
            #expect(try Config.load("\(dir)/missing/below").entries.isEmpty)
            #expect(mkfifo("\(dir)/fifo", 0o600) == 0)
            let big = String(repeating: "# padding\n", count: 110_000)
            try writeFile("\(dir)/big", Array(big.utf8))
            for (path, words) in [("/dev/zero", "not a regular file"), ("\(dir)/fifo", "not a regular file"),
                                  (dir, "not a regular file"), ("\(dir)/big", "more than the 1 MiB")] {
                #expect {
                    try Config.load(path)
                } throws: { error in
                    "\(error)".contains(words) && "\(error)".contains(path)
                }
            }
        }
    }
}
