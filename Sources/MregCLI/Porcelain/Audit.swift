import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import MregRegistry
import MregGovernance
import MregSupport
import MregStore

extension MregCommand {
    struct Audit: ParsableCommand {
        /// The report formats.
        enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
            case text, json, csv, md, html
        }

        static let configuration = CommandConfiguration(
            abstract: "The report for auditors: every governance event with its signature, verdict, approvals and version facts.",
            discussion: """
            One row per event (register, approve, unapprove, promote, demote, tag, untag, remove), oldest first. \
            csv, json, md and html have the columns \(AuditReport.columns.joined(separator: ", ")); \
            text (for a terminal) shows \(AuditReport.textColumns.map { $0.lowercased() }.joined(separator: ", ")) \
            (ids shortened; stage/tag is either, weights the weights_digest; datasets, metrics and policy only in the \
            other formats). 'signature' is good, bad, unknown key, expired or empty: checked now against the policy's \
            allowed-signers file at the event's time. 'verdict' is the one the event recorded (promote); a demote, \
            tag or untag records none, so it shows the policy's verdict checked now ('passed (checked now)', \
            'no rules (checked now)'). 'approvals' lists the approvals a promotion used; an unapprove's says \
            'revokes SIGNER (ID)'. The header gives the chain verification (as 'mreg verify', without moving its \
            checkpoint) and the digest of the policy in force (policy.toml and its allowed-signers file). \
            Derived from the event chains alone: anyone holding the store can regenerate it.
            Exit 1 (after writing the report) when a chain fails verification, 2 for an unknown model.
            Examples:
              mreg audit fraud --since 2026-01 --until 2026-03 --format csv -o q1.csv
              mreg audit --format html -o audit.html
            """)

        @Argument(help: "Models to audit (default: all).", completion: StoreCompletions.models)
        var models: [String] = []

        @Option(name: .long, help: ArgumentHelp("Only events from the start of this date on (UTC unless an offset is given).", valueName: "date"))
        var since: String?

        @Option(name: .long, help: ArgumentHelp("Only events up to the end of this date (2026-03 through March 31st).", valueName: "date"))
        var until: String?

        @Option(name: .long, help: "text (aligned columns), json, csv, md or html (default: from -o's extension, else text).")
        var format: ReportFormat?

        @Option(name: .customShort("o"), help: ArgumentHelp("Write the report to this file (atomically) instead of standard output.", valueName: "file"))
        var output: String?

        /// Checks the dates and the output file's format before anything is read, so argument
        /// errors print `mreg audit`'s own usage line.
        func validate() throws {
            // A malformed date is run()'s error (it names the option); only their order is checked here.
            let start = since.flatMap { try? Format.dateSpan($0, option: "--since").start }
            let end = until.flatMap { try? Format.dateSpan($0, option: "--until").end }
            if let start, let end, start > end {
                throw ValidationError("--since \(since ?? "") is after --until \(until ?? ""): no event can be in between")
            }
            if format == nil, let output { _ = try Self.format(forFile: output) }
        }

        func run() throws {
            let start = try since.map { try Format.dateSpan($0, option: "--since").start }
            let end = try until.map { try Format.dateSpan($0, option: "--until").end }
            let registry = try Store.registry()
            let names = try models.map { try Revision.parse($0).model }
            let report = try Governance(registry).audit(models: names, since: start, until: end)
            let format = try self.format ?? output.map(Self.format(forFile:)) ?? .text
            let rendered: String
            switch format {
            case .text: rendered = report.text
            case .json: rendered = report.json.pretty + "\n"
            case .csv: rendered = report.csv
            case .md: rendered = report.markdown
            case .html: rendered = report.html
            }
            if let output {
                try Self.writeAtomically(Array(rendered.utf8), to: output)
                Terminal.line("wrote the audit report (\(report.rows.count) event\(report.rows.count == 1 ? "" : "s"), \(format.rawValue)) to \(Names.escaped(output))")
            } else {
                Terminal.write(rendered)
            }
            if let bad = report.chains.first(where: { !$0.ok }) {
                throw CommandFailure(.negative, message: "mreg: error: verification failed: \(Names.escaped(bad.problem ?? bad.model)); the report shows the events that could be read")
            }
        }

        /// Writes `bytes` to a temporary file next to `path`, then renames it over `path`.
        /// The format a file's extension names (`q1.csv`; `.txt` or none: text); another extension
        /// (`.xlsx`, `.pdf`) is refused rather than filled with text it does not promise.
        static func format(forFile path: String) throws -> ReportFormat {
            let ext = (path as NSString).pathExtension.lowercased()
            switch ext {
            case "json": return .json
            case "csv": return .csv
            case "md", "markdown": return .md
            case "html", "htm": return .html
            case "txt", "text", "log", "": return .text
            default:
                throw ValidationError("-o \(path): cannot tell the format from '.\(ext)'; name the file .txt, .json, .csv, .md or .html, or give --format")
            }
        }

        static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
            let target = Repository.absolute(path)
            let folder = (target as NSString).deletingLastPathComponent
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: target, isDirectory: &isFolder), isFolder.boolValue {
                throw RegistryError.badInput(.unusablePath(action: "write the report to", path: path, problem: "it is a folder; name a file"))
            }
            let temp = "\(folder)/.\((target as NSString).lastPathComponent).tmp~\(UInt32.random(in: 0...UInt32.max))"
            guard FileManager.default.createFile(atPath: temp, contents: Data(bytes)) else {
                throw RegistryError.io(.init("write", temp, reason: FileManager.default.fileExists(atPath: folder)
                                             ? "the file cannot be created (is the folder writable?)" : "the folder does not exist"))
            }
            guard rename(temp, target) == 0 else {
                let failure = RegistryError.IOFailure("write", target, errno: errno)
                unlink(temp)
                throw RegistryError.io(failure)
            }
        }
    }
}
