import ArgumentParser
import MregRegistry
import MregFilter
import MregRemote
import MregGovernance
import MregIndex
import MregSupport
import MregStore
import MregWeb

extension MregCommand {
    struct Log: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the event history, newest first: who did what, when and why.",
            discussion: """
            Without MODEL, the history of every model, merged by time.
            Auditor's questions: every promotion to and demotion from production, and what was in
            production on a day:
              mreg log fraud --stage production
              mreg show fraud@production --as-of 2026-03-01
            """)

        @Argument(help: "The model (default: all models).", completion: StoreCompletions.models)
        var model: String?

        @Flag(name: .long, help: "One line per event.")
        var oneline = false

        @Option(name: .long, help: "Only promotions to and demotions from this stage.")
        var stage: String?

        @Option(name: .customShort("n"), help: "Show at most N events.")
        var count: Int?

        @Option(name: .long, help: ArgumentHelp("Only events from the start of this date on (2026-03 from March 1st; UTC unless an offset is given).", valueName: "date"))
        var since: String?

        @Option(name: .long, help: ArgumentHelp("Only events up to the end of this date (2026-03 through March 31st; UTC unless an offset is given).", valueName: "date"))
        var until: String?

        @OptionGroup var output: OutputOptions

        func validate() throws {
            if let count, count < 0 { throw ValidationError("-n takes a positive number") }
        }

        func run() throws {
            let start = try since.map { try Format.dateSpan($0, option: "--since").start }
            let end = try until.map { try Format.dateSpan($0, option: "--until").end }
            let registry = try Store.registry()
            let revision = try self.model.map { try Revision.parse($0) }
            let model = revision?.model
            if let stage, !registry.stages.contains(stage) {
                // A typo must not read as "never promoted"; a stage dropped from the config still has history.
                let seen = try registry.logAndDamage(model: model, stage: stage, limit: 1).entries
                if seen.isEmpty {
                    throw RegistryError.badInput(.unknownStage(name: stage, stages: registry.stages))
                }
            }
            // MODEL@REV: only the events about that version.
            let version = try revision.flatMap { r in try r.selector.map { _ in try registry.resolve(r.description).version } }
            // Over all models, a damaged model is named on stderr (exit 4); the others' events are shown.
            let logged = try registry.logAndDamage(model: model, stage: stage, limit: version == nil ? count : nil, until: end)
            var entries = logged.entries
            let damaged = logged.damaged
            if let version { entries = entries.filter { $0.event.version == version } }
            if let start { entries = entries.filter { (Timestamp.parse($0.event.time) ?? .distantPast) >= start } }
            if version != nil, let count { entries = Array(entries.prefix(count)) }
            render(entries)
            try DamagedModels.finish(damaged)
        }

        /// Prints the events; text from events (actor, reason, names) has its control characters
        /// escaped, so a crafted event cannot forge lines or colors (`--json` escapes them anyway).
        func render(_ entries: [LogEntry]) {
            if output.json {
                output.emit(.array(entries.map(\.json)))
                return
            }
            let text = Names.escaped
            for (i, entry) in entries.enumerated() {
                let e = entry.event
                let what = text(Registry.summary(of: e))
                if oneline {
                    var line = "\(Terminal.paint(entry.id.abbreviated(), .yellow)) \(text(Format.time(e.time))) \(text(e.model)) \(what) by \(text(e.actor))"
                    if let r = e.reason { line += ": \(text(r))" }
                    line += text(GovernanceRendering.onelineSuffix(e))
                    Terminal.line(line)
                } else {
                    if i > 0 { Terminal.line("") }
                    Terminal.line(Terminal.paint("event \(entry.id.hex)", .yellow))
                    Terminal.line("Model:  \(text(e.model)) (#\(e.sequence))")
                    Terminal.line("Action: \(what)")
                    Terminal.line("Actor:  \(text(e.actor))")
                    Terminal.line("Date:   \(text(Format.time(e.time))) UTC")
                    if let r = e.reason { Terminal.line("Reason: \(text(r))") }
                    for line in GovernanceRendering.logLines(e) { Terminal.line(text(line)) }
                }
            }
        }
    }

    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare two versions: params, metrics, files, provenance, lineage and environment.",
            discussion: """
            Without REV_B, compares REV_A with the version before it. --json follows DVC's \
            'params diff --json' shape: {"params": {"lr": {"old": 0.01, "new": 0.02}}, \
            "metrics": {"auc": {"old": 0.9, "new": 0.93, "diff": 0.03}}, "files": {...}, ...}.
            Examples:
              mreg diff fraud@3 fraud@4
              mreg diff fraud@production fraud@latest --only params,metrics --json
              mreg diff fraud@staging fraud@production --exit-code   # 1: they differ
              mreg diff fraud@3 fraud@4 --html -o fraud-3-4.html
            """)

        @Argument(help: "The old version.", completion: StoreCompletions.revisions)
        var old: String

        @Argument(help: "The new version (default: compare REV_A with its previous version).", completion: StoreCompletions.revisions)
        var new: String?

        @Flag(name: .long, help: "Print a Markdown report (for pull requests and CI summaries).")
        var md = false

        @Flag(name: .long, help: "Write a self-contained HTML page (inline CSS, no script; with -o FILE, else to stdout).")
        var html = false

        @Option(name: [.customShort("o"), .customLong("output")], help: ArgumentHelp("With --html, the file to write.", valueName: "file"))
        var outputFile: String?

        @Flag(name: .long, help: "Include unchanged entries.")
        var all = false

        @Option(name: .long, help: ArgumentHelp("Only these sections: params, metrics, files, provenance, lineage, environment (comma-separated or repeated).", valueName: "sections"))
        var only: [String] = []

        @Flag(name: .long, help: "Exit 1 if the versions differ (0 if not).")
        var exitCode = false

        @Flag(name: .long, help: "Compare safetensors files tensor by tensor (alone: only that; add --only params,metrics,files for more).")
        var tensors = false

        @OptionGroup var output: OutputOptions

        func sections() throws -> Set<VersionDiff.Section> {
            guard !only.isEmpty else { return Set(VersionDiff.Section.allCases) }
            var out = Set<VersionDiff.Section>()
            for name in only.flatMap({ $0.split(separator: ",") }).map({ $0.trimmingCharacters(in: .whitespaces) }) {
                guard let s = VersionDiff.Section(rawValue: name) else {
                    throw ValidationError("unknown section '\(name)' in --only: use params, metrics, files, provenance, lineage, environment")
                }
                out.insert(s)
            }
            return out
        }

        func validate() throws {
            if [md, output.json, html].filter({ $0 }).count > 1 { throw ValidationError("choose one of --json, --md and --html") }
            if outputFile != nil && !html { throw ValidationError("-o FILE goes with --html") }
            _ = try sections()
        }

        func run() throws {
            let registry = try Store.registry()
            let diff = try registry.diff(old, new)
            // --tensors alone shows only the tensors; with --only, the tensors and those sections.
            let sections: Set<VersionDiff.Section> = tensors && only.isEmpty ? [] : try self.sections()
            let tensorDiff = tensors ? try registry.tensorDiff(old: Manifest.load(diff.old.manifestID, from: registry.store),
                                                                new: Manifest.load(diff.new.manifestID, from: registry.store)) : nil
            if html {
                let page = HTMLReport.diff(diff, all: all, store: registry.repository.workTree,
                                           lowerIsBetter: Governance(registry).lowerIsBetterMetrics())
                if let outputFile {
                    try HTMLReport.write(page, to: outputFile)
                    Terminal.error(HTMLReport.confirmation(page, path: outputFile))
                } else {
                    Terminal.write(page)
                }
            } else if output.json {
                var j = diff.json(sections: sections, all: all)
                if let tensorDiff, case .object(var o) = j {
                    o["tensors"] = tensorDiff.json(all: all)
                    j = .object(o)
                }
                output.emit(j)
            } else if md {
                Terminal.write(DiffRenderer.markdown(diff, sections: sections, all: all))
                if let tensorDiff { Terminal.write(DiffRenderer.tensorsMarkdown(tensorDiff, all: all)) }
            } else {
                if !sections.isEmpty || tensorDiff == nil {
                    Terminal.write(DiffRenderer.text(diff, sections: sections, all: all,
                                                     lowerIsBetter: Terminal.colorEnabled ? Governance(registry).lowerIsBetterMetrics() : []))
                }
                if let tensorDiff { Terminal.write(DiffRenderer.tensorsText(tensorDiff, all: all, header: sections.isEmpty ? "diff \(diff.old.label) \(diff.new.label)\n" : "")) }
            }
            let differs = diff.hasDifferences(in: sections) || (tensorDiff?.hasDifferences ?? false)
            if exitCode && differs { throw CommandFailure(.negative) }
        }
    }
}
