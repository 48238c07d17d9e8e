import MregTestSupport
import ArgumentParser
import Testing
@testable import MregCLI
@testable import MregRegistry
@testable import MregFilter

@Suite struct RenderingTests {
    @Test(arguments: [(Int64(0), "0 B"), (812, "812 B"), (1536, "1.5 KiB"), (1 << 30, "1.0 GiB"), (300 << 20, "300 MiB")])
    func byteSizes(_ n: Int64, _ text: String) {
        #expect(Format.bytes(n) == text)
    }

    @Test func parameterCounts() {
        #expect(Format.count(999) == "999")
        #expect(Format.count(4_160) == "4.2K")
        #expect(Format.count(268_400_000) == "268.4M")
        #expect(Format.count(7_000_000_000) == "7.00B")
    }

    @Test func tablesAlignColumnsIgnoringColorCodes() {
        let rows = Terminal.table([["a", "bb", "c"], ["\u{1b}[1mlong\u{1b}[0m", "x", "y"]])
        #expect(rows == ["a     bb  c", "\u{1b}[1mlong\u{1b}[0m  x   y"])
    }

    @Test func datesParseInTheDocumentedForms() throws {
        let day = try Format.dateSpan("2026-03-01", option: "--until")
        #expect(try Format.dateSpan("2026-03-01T10:00:00Z", option: "--until").end < day.end)  // --until a day: its end
        #expect(try Format.dateSpan("2026-03-01T10:00:00Z", option: "--since").start > day.start)  // --since a day: its start
        let error = try #require(throws: RegistryError.self) { try Format.dateSpan("yesterday", option: "--since") }
        #expect(error.description.hasPrefix("--since: cannot read the date 'yesterday'"))
    }
}

@Suite struct ParsingTests {
    @Test func subcommandsParse() throws {
        let cmd = try MregCommand.parseAsRoot(["diff", "m@1", "m@2", "--only", "params,metrics", "--json"])
        let diff = try #require(cmd as? MregCommand.Diff)
        #expect(try diff.sections() == [.params, .metrics])
        #expect(diff.output.json)
    }

    @Test func badFlagCombinationsAreUsageErrors() {
        #expect(throws: (any Error).self) { try MregCommand.parseAsRoot(["diff", "m@1", "--json", "--md"]) }
        #expect(throws: (any Error).self) { try MregCommand.parseAsRoot(["diff", "m@1", "--only", "bogus"]) }
        #expect(throws: (any Error).self) { try MregCommand.parseAsRoot(["cat-file", "-t", "-p", "abcd"]) }
        #expect(throws: (any Error).self) { try MregCommand.parseAsRoot(["hash-object"]) }
        #expect(throws: (any Error).self) { try MregCommand.parseAsRoot(["init", "--shared", "world"]) }
    }

    @Test func helpListsBothCommandGroups() {
        let help = MregCommand.helpMessage()
        #expect(help.contains("register"))
        #expect(help.contains("hash-object"))
    }
}
