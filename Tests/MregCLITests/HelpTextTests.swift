import ArgumentParser
import Testing
@testable import MregCLI

/// Help text can be pasted: no example command or TOML snippet is broken across lines when
/// `--help` wraps it at 80 columns, and man pages exist for every command.
@Suite struct HelpTextTests {
    /// Every command type under `mreg`, with the words that name it.
    static func commands(_ type: ParsableCommand.Type = MregCommand.self, path: [String] = []) -> [(path: [String], type: ParsableCommand.Type)] {
        let configuration = type.configuration
        let path = type == MregCommand.self ? [] : path + [type._commandName]
        let subcommands = configuration.subcommands + configuration.groupedSubcommands.flatMap(\.subcommands)
        return [(path, type)] + subcommands.flatMap { commands($0, path: path) }
    }

    /// The examples a discussion holds, as they must appear on one line of the help: indented
    /// lines (commands, TOML), the rest of an `Example:` line, and quoted `'mreg …'` commands in prose.
    static func examples(in discussion: String) -> [String] {
        var found = [String]()
        for line in discussion.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) {
            if line.first == " " {
                found.append(line.trimmingCharacters(in: .whitespaces))
                continue
            }
            for marker in ["Example: ", "Examples: "] where line.hasPrefix(marker) {
                found.append(String(line.dropFirst(marker.count)))
            }
            var rest = Substring(line)
            while let start = rest.range(of: "'mreg ") {
                let after = rest[start.upperBound...]
                guard let end = after.firstIndex(of: "'") else { break }
                found.append(String(rest[start.lowerBound...end]))
                rest = rest[rest.index(after: end)...]
            }
        }
        return found
    }

    @Test func examplesFindIndentedLinesAndQuotedCommands() {
        let found = Self.examples(in: "Use 'mreg show m@1' to look.\nExamples:\n  mreg tag m@2 best\n  [stages.production]\nExample: mreg gc --dry-run")
        #expect(found == ["'mreg show m@1'", "mreg tag m@2 best", "[stages.production]", "mreg gc --dry-run"])
    }

    @Test func noExampleIsBrokenAcrossLines() {
        var broken = [String]()
        var checked = 0
        for (path, type) in Self.commands() {
            let help = MregCommand.helpMessage(for: type, columns: 80)
            let lines = help.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            for example in Self.examples(in: type.configuration.discussion) {
                checked += 1
                if !lines.contains(where: { $0.contains(example) }) {
                    broken.append("mreg \(path.joined(separator: " ")): \(example)")
                }
            }
            // A command line in the help ends where it should: balanced quotes, or a '\' continuation.
            for line in lines where line.hasPrefix("mreg ") || line.hasPrefix("$ mreg ") {
                let quotes = line.filter { $0 == "\"" }.count
                if quotes % 2 != 0 && !line.hasSuffix("\\") { broken.append("mreg \(path.joined(separator: " ")): unbalanced: \(line)") }
            }
        }
        #expect(checked > 50, "the scan found the examples")
        #expect(broken == [], "examples wrapped mid-line at 80 columns:\n\(broken.joined(separator: "\n"))")
    }

    @Test func approveHelpReadsAsParagraphs() {
        let help = MregCommand.helpMessage(for: MregCommand.Approve.self, columns: 80)
        let prose = help.components(separatedBy: "Examples:").first ?? help
        // A paragraph wrapped by the source's own line breaks leaves short lines that end mid-sentence.
        let ragged = prose.split(separator: "\n").filter { $0.count < 60 && !$0.hasSuffix(".") && !$0.hasSuffix(")") && !$0.hasPrefix("OVERVIEW") }
        #expect(ragged.isEmpty, "\(ragged)\n\(help)")
        #expect(!help.contains("(required)"), "--sign is a flag, not a required option:\n\(help)")
    }

    @Test func manPagesCoverEveryCommand() throws {
        let pages = try ManualPages.pages()
        let files = Set(pages.map(\.file))
        for (path, _) in Self.commands() {
            let file = (["mreg"] + path).joined(separator: "-") + ".1"
            #expect(files.contains(file), "no man page \(file)")
        }
        let register = try #require(pages.first { $0.file == "mreg-register.1" })
        #expect(register.text.hasPrefix(".TH \"MREG\\-REGISTER\" 1"))
        #expect(register.text.contains(".SH OPTIONS") && register.text.contains("\\fB\\-\\-params\\fR"))
        #expect(register.text.contains("mreg register fraud\\-detector"))
        // No line of a page may start with a control character it did not mean.
        for page in pages {
            for line in page.text.split(separator: "\n") where line.hasPrefix("'") {
                Issue.record("\(page.file): a line starts with a quote: \(line)")
            }
        }
    }
}
