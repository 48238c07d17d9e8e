import ArgumentParser
import Foundation
import MregRegistry

/// Man pages (man(7) format, section 1) for `mreg` and every subcommand, generated from the
/// command definitions (argument-parser's description of them), so they never drift from
/// `--help`: `mreg --generate-manual DIR` writes `mreg.1`, `mreg-register.1`, `mreg-remote-add.1`….
enum ManualPages {
    /// `mreg --generate-manual DIR` (hidden; `make install` runs it): writes the pages into DIR.
    static func run(_ arguments: [String]) -> Never {
        guard arguments.count == 2, !arguments[1].isEmpty, !arguments[1].hasPrefix("-") else {
            MregCommand.fail("--generate-manual takes one folder: mreg --generate-manual DIR", .usage)
        }
        do {
            let files = try write(into: arguments[1])
            Terminal.line("wrote \(files.count) man pages in \(arguments[1])")
            MregCommand.finish(.success)
        } catch {
            MregCommand.fail("cannot write man pages in \(arguments[1]): \(error.localizedDescription)", .io)
        }
    }

    /// The pages of `root` and its visible subcommands: file name → page text.
    static func pages(of root: ParsableCommand.Type = MregCommand.self, version: String = MregVersion.string) throws -> [(file: String, text: String)] {
        var out = [(file: String, text: String)]()
        func visit(_ command: HelpDump.Command, path: [String]) {
            guard command.shouldDisplay ?? true else { return }
            let path = path + [command.commandName]
            out.append((path.joined(separator: "-") + ".1", page(command, path: path, version: version)))
            for sub in command.subcommands ?? [] where sub.commandName != "help" { visit(sub, path: path) }
        }
        visit(try HelpDump.of(root).command, path: [])
        return out
    }

    /// Writes every page into `directory` (created if missing), each atomically; returns the file names.
    @discardableResult
    static func write(into directory: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let pages = try pages()
        for page in pages {
            try Data(page.text.utf8).write(to: URL(fileURLWithPath: "\(directory)/\(page.file)"), options: .atomic)
        }
        return pages.map(\.file)
    }

    /// One page: NAME, SYNOPSIS, DESCRIPTION, ARGUMENTS, OPTIONS, SUBCOMMANDS, SEE ALSO.
    static func page(_ command: HelpDump.Command, path: [String], version: String) -> String {
        let title = path.joined(separator: "-")
        var roff = [String]()
        roff.append(".TH \(quoted(title.uppercased())) 1 \"\" \(quoted("mreg \(version)")) \"mreg Manual\"")
        roff.append(".SH NAME")
        roff.append(escape("\(title) - \(command.abstract ?? path.joined(separator: " "))"))
        roff.append(".SH SYNOPSIS")
        roff.append(".B \(escape(path.joined(separator: " ")))")
        roff.append(escape(synopsis(command)))
        if let discussion = command.discussion, !discussion.isEmpty {
            roff.append(".SH DESCRIPTION")
            roff += block(discussion)
        }
        let arguments = (command.arguments ?? []).filter { $0.shouldDisplay ?? true }
        let positionals = arguments.filter { $0.kind == "positional" }
        let options = arguments.filter { $0.kind != "positional" }
        if !positionals.isEmpty {
            roff.append(".SH ARGUMENTS")
            for argument in positionals {
                roff.append(".TP")
                roff.append("\\fI\(escape(argument.valueName ?? "value"))\\fR" + (argument.isRepeating ? " ..." : ""))
                roff += help(argument)
            }
        }
        if !options.isEmpty {
            roff.append(".SH OPTIONS")
            for argument in options {
                roff.append(".TP")
                let names = (argument.names ?? []).map { "\\fB\(escape($0.typed))\\fR" }.joined(separator: ", ")
                let value = argument.kind == "option" ? " \\fI\(escape("<\(argument.valueName ?? "value")>"))\\fR" : ""
                roff.append(names + value)
                roff += help(argument)
            }
        }
        let subcommands = (command.subcommands ?? []).filter { ($0.shouldDisplay ?? true) && $0.commandName != "help" }
        if !subcommands.isEmpty {
            roff.append(".SH SUBCOMMANDS")
            for sub in subcommands {
                roff.append(".TP")
                roff.append("\\fB\(escape((path + [sub.commandName]).joined(separator: " ")))\\fR")
                roff.append(escape(sub.abstract ?? ""))
                roff.append("See \\fB\(escape((path + [sub.commandName]).joined(separator: "-")))\\fR(1).")
            }
        }
        roff.append(".SH \"SEE ALSO\"")
        var seeAlso = [String]()
        if path.count > 1 { seeAlso.append(path.dropLast().joined(separator: "-")) }
        seeAlso += subcommands.map { (path + [$0.commandName]).joined(separator: "-") }
        if path.count == 1 { seeAlso.append("git") }
        roff += seeAlso.enumerated().map { i, name in ".BR \(escape(name)) (1)\(i < seeAlso.count - 1 ? "," : "")" }
        return roff.joined(separator: "\n") + "\n"
    }

    /// The usage after the command's name: `[<options>]`, then the positionals.
    static func synopsis(_ command: HelpDump.Command) -> String {
        let arguments = (command.arguments ?? []).filter { $0.shouldDisplay ?? true }
        var words = [String]()
        if arguments.contains(where: { $0.kind != "positional" }) { words.append("[<options>]") }
        for argument in arguments where argument.kind == "positional" {
            var word = "<\(argument.valueName ?? "value")>" + (argument.isRepeating ? " ..." : "")
            if argument.isOptional { word = "[\(word)]" }
            words.append(word)
        }
        if !(command.subcommands ?? []).isEmpty { words.append("<subcommand>") }
        return words.joined(separator: " ")
    }

    /// An argument's help: its abstract, default and values, then its discussion.
    static func help(_ argument: HelpDump.Argument) -> [String] {
        var text = argument.abstract ?? ""
        if let values = argument.allValueStrings, !values.isEmpty, argument.kind == "option" {
            text += " (values: \(values.joined(separator: ", ")))"
        }
        if let value = argument.defaultValue, !value.isEmpty, argument.kind != "flag" { text += " (default: \(value))" }
        var lines = [escape(text)]
        if let discussion = argument.discussion, !discussion.isEmpty { lines += block(discussion) }
        return lines
    }

    /// Help text as roff: paragraphs filled, indented lines (examples, TOML) kept as they are.
    static func block(_ text: String) -> [String] {
        var out = [String]()
        var literal = false
        for line in text.components(separatedBy: "\n") {
            let indented = line.first == " " || line.first == "\t"
            if line.trimmingCharacters(in: .whitespaces).isEmpty {
                if literal { out += [".RE", ".fi"]; literal = false }
                out.append(".PP")
            } else if indented {
                if !literal { out += [".nf", ".RS 4"]; literal = true }
                out.append(escape(String(line.drop { $0 == " " })))
            } else {
                if literal { out += [".RE", ".fi"]; literal = false }
                out.append(escape(line))
            }
        }
        if literal { out += [".RE", ".fi"] }
        return out
    }

    /// Text made safe for roff: backslashes escaped, hyphens as minus signs (so options can
    /// be searched and pasted), and a leading `.` or `'` kept from being read as a request.
    static func escape(_ text: String) -> String {
        var s = text.replacingOccurrences(of: "\\", with: "\\e").replacingOccurrences(of: "-", with: "\\-")
        if s.hasPrefix(".") || s.hasPrefix("'") { s = "\\&" + s }
        // Anything beyond ASCII (…, —, ×) as groff's Unicode escape, which every renderer reads.
        if s.unicodeScalars.contains(where: { !$0.isASCII }) {
            s = s.unicodeScalars.map { $0.isASCII ? String($0) : "\\[u" + String(format: "%04X", $0.value) + "]" }.joined()
        }
        return s
    }

    static func quoted(_ text: String) -> String {
        "\"" + escape(text).replacingOccurrences(of: "\"", with: "\\(dq") + "\""
    }
}
