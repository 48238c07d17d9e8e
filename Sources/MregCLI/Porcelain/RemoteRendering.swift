import MregRegistry
import MregFilter
import MregRemote
import MregGovernance
import MregIndex
import MregSupport
import MregStore

/// Shared rendering and argument handling of push, fetch, pull and clone.
enum RemoteRendering {
    /// Splits `[REMOTE] [MODEL…]`: the first word is the remote when it is a configured
    /// remote's name or a URL; otherwise every word is a model and the default remote is used.
    static func split(_ words: [String], registry: Registry) -> (remote: String?, models: [String]?) {
        guard let first = words.first else { return (nil, nil) }
        if Remotes(registry).isRemoteArgument(first) {
            let rest = Array(words.dropFirst())
            return (first, rest.isEmpty ? nil : rest)
        }
        return (nil, words)
    }

    /// The `--json` form of a report (see Docs/COMMANDS.md, "Remotes").
    static func json(_ report: TransferReport) -> JSONValue {
        .object([
            "remote": JSONValue(report.remoteName),
            "url": .string(report.location.description),
            "objects": .int(Int64(report.objects)),
            "bytes": .int(report.bytes),
            "models": .array(report.models.map { u in
                .object([
                    "model": .string(u.model),
                    "status": .string(u.status.rawValue),
                    "old": JSONValue(u.old?.hex),
                    "new": JSONValue(u.new?.hex),
                    "events": .int(Int64(u.events)),
                    "renumbered": .array(u.renumbered.map { .object(["from": .int($0.from), "to": .int($0.to)]) }),
                    "conflicts": .array(u.conflicts.map(\.json)),
                    "message": JSONValue(message(u, remote: report.remoteLabel)),
                ])
            }),
            "warnings": .array(report.warnings.map { .string($0) }),
        ])
    }

    /// The note on a model's update: why a push rejected it, that the remote is ahead, or what pull did.
    static func message(_ u: ModelUpdate, remote: String) -> String? {
        if let rejection = u.rejection { return ErrorWording.rejection(rejection, model: u.model, remote: remote) }
        if u.status == .behind && u.message == nil { return ErrorWording.remoteAhead }
        return u.message
    }

    /// One line per pull conflict, saying what became of it (text from events escaped):
    /// `  conflict: fraud: stage production: remote v5 by Ada … at …; local v4 by Bob … at …`.
    static func conflictLines(_ models: [ModelUpdate]) -> [String] {
        models.flatMap(\.conflicts).map { c in
            let label: String
            switch c.outcome {
            case .stopped: label = Terminal.paint("conflict", .red)
            case .dropped: label = "dropped (the remote's stands)"
            case .overridden: label = "overrode the remote's"
            }
            return "  \(label): \(Names.escaped(c.summary))"
        }
    }

    static func trimTrailing(_ line: String) -> String {
        var s = line
        while s.hasSuffix(" ") { s.removeLast() }
        return s
    }

    /// One aligned line per model, then a summary line.
    static func print(_ report: TransferReport, verb: String) {
        // A pull that stopped on a conflict changed nothing: no other row may read as done.
        let stopped = report.models.contains { $0.status == .conflict }
        let rows = report.models.map { u -> [String] in
            if stopped, ![.conflict, .upToDate, .ahead, .rejected].contains(u.status) {
                return [u.model, Terminal.paint("held back", .yellow), "would be \(u.status.rawValue); nothing was changed"]
            }
            let range = "\(u.old.map { $0.abbreviated() } ?? "(new)")..\(u.new.map { $0.abbreviated() } ?? "")"
            switch u.status {
            case .upToDate:
                return [u.model, "up to date", ""]
            case .rejected:
                return [u.model, Terminal.paint("rejected", .red), message(u, remote: report.remoteLabel) ?? ""]
            case .behind, .ahead:
                return [u.model, Terminal.paint(u.status.rawValue, .yellow), message(u, remote: report.remoteLabel) ?? ""]
            case .replayed:
                let moves = u.renumbered.map { "v\($0.from) -> v\($0.to)" }.joined(separator: ", ")
                let detail = [moves.isEmpty ? "" : "renumbered \(moves)", u.message ?? ""].filter { !$0.isEmpty }.joined(separator: "; ")
                return [u.model, Terminal.paint("replayed", .cyan), "\(range)  \(detail)"]
            case .conflict:
                return [u.model, Terminal.paint("conflict", .red), u.message ?? ""]
            default:
                let events = u.events > 0 ? "\(u.events) event\(u.events == 1 ? "" : "s")  " : ""
                return [u.model, Terminal.paint(u.status.rawValue, .green), "\(events)\(range)"]
            }
        }
        for line in Terminal.table(rows) { Terminal.line(trimTrailing(line)) }
        for line in conflictLines(report.models) { Terminal.line(line) }
        if report.objects > 0 {
            Terminal.line("\(verb) \(report.objects) object\(report.objects == 1 ? "" : "s") (\(Format.bytes(report.bytes)))")
        } else if report.models.isEmpty {
            Terminal.line("nothing to \(verb == "sent" ? "push" : "fetch"): no models")
        } else if report.models.allSatisfy({ $0.status == .upToDate }) {
            Terminal.line("everything up to date")
        }
        for warning in report.warnings { Terminal.warning(Names.escaped(warning)) }
    }

    /// Opens the remote named by `words` (then models), runs one transfer with a progress
    /// display, and prints its report (`--json` or `To/From REMOTE` and a line per model).
    static func transfer(_ words: [String], output: OutputOptions, progress verbing: String, heading: String, verb: String,
                         _ body: (Registry, String?, any RemoteStorage, [String]?, ByteProgress) throws -> TransferReport) throws -> (TransferReport, String?) {
        let registry = try Store.registry()
        let (name, models) = split(words, registry: registry)
        let (remoteName, remote) = try Remotes(registry).openRemote(name)
        defer { remote.close() }
        let report = try body(registry, remoteName, remote, models, ByteProgress(verb: verbing))
        if output.json {
            output.emit(json(report))
        } else {
            Terminal.line("\(heading) \(report.remoteLabel == report.location.description ? report.remoteLabel : "\(report.remoteLabel) (\(report.location))")")
            print(report, verb: verb)
        }
        return (report, remoteName)
    }
}
