import ArgumentParser
import MregRegistry
import MregRemote
import MregSupport
import MregStore

extension MregCommand {
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show what is not pushed yet (ahead) and, as of the last fetch, what the remote has that is not here (behind).",
            discussion: """
            Compares each model with the remote's head as the last push, fetch or pull recorded it \
            (refs/remotes/REMOTE/MODEL/head): it does not contact the remote, so it is fast and works \
            offline, and 'behind' is only as fresh as the last fetch ('mreg fetch' first to refresh it). \
            The remote is --remote, else 'origin', else the only one; with no remote it says so.
            --json: {"remote": NAME or null, "models": [{"model", "state", "ahead", "behind", \
            "ahead_moves", "behind_moves", "local", "tracked", "ahead_events", "behind_events"}]}; \
            ahead and behind count versions (Docs/COMMANDS.md).
            Examples:
              mreg status
              mreg fetch && mreg status fraud --json
            """)

        @Argument(help: "The model (default: every model here or seen on the remote).", completion: StoreCompletions.models)
        var model: String?

        @Option(name: .long, help: "The remote to compare with (default: origin, or the only one).")
        var remote: String?

        @OptionGroup var output: OutputOptions

        func run() throws {
            let registry = try Store.registry()
            let remotes = Remotes(registry)
            let chosen: String?
            if let remote {
                guard remotes.remote(named: remote) != nil else {
                    throw RegistryError.notFound(.init(.remote, remote, suggestions: remotes.remotes().map(\.name)))
                }
                chosen = remote
            } else {
                chosen = try remotes.defaultRemote()?.name
            }
            guard let chosen else {
                if let model { _ = try registry.existingState(of: model) }
                if output.json {
                    output.emit(.object(["remote": .null, "models": .array([])]))
                } else {
                    Terminal.line("No remote: nothing to compare with (add one with 'mreg remote add origin URL', then 'mreg push').")
                }
                return
            }
            let statuses = try remotes.status(remote: chosen, model: model)
            if output.json {
                output.emit(.object(["remote": .string(chosen), "models": .array(statuses.map(Self.json))]))
                return
            }
            Self.print(statuses, remote: chosen)
        }

        /// One model's `--json` object (Docs/COMMANDS.md, "status").
        static func json(_ s: ModelSyncStatus) -> JSONValue {
            .object([
                "model": .string(s.model),
                "state": .string(s.state.rawValue),
                "ahead": .int(Int64(s.aheadVersions)),
                "behind": .int(Int64(s.behindVersions)),
                "ahead_moves": .int(Int64(s.aheadMoves)),
                "behind_moves": .int(Int64(s.behindMoves)),
                "local": JSONValue(s.local?.hex),
                "tracked": JSONValue(s.tracked?.hex),
                "ahead_events": .array(s.ahead.map(\.json)),
                "behind_events": .array(s.behind.map(\.json)),
            ])
        }

        static func print(_ statuses: [ModelSyncStatus], remote: String) {
            Terminal.line("Compared with \(remote) as of the last push, fetch or pull ('mreg fetch' to refresh):")
            if statuses.isEmpty { Terminal.line("  no models here or on \(remote)") }
            for s in statuses {
                Terminal.line("  " + line(s, remote: remote))
                for e in s.ahead { Terminal.line("      to push: " + describe(e.event)) }
                for e in s.behind { Terminal.line("      to pull: " + describe(e.event)) }
            }
        }

        /// `fraud: 1 version and 2 moves to push`, `churn: up to date`…
        static func line(_ s: ModelSyncStatus, remote: String) -> String {
            let push = counted(s.aheadVersions, s.aheadMoves)
            let pull = counted(s.behindVersions, s.behindMoves)
            switch s.state {
            case .upToDate: return "\(s.model): up to date"
            case .ahead: return "\(s.model): \(push) to push"
            case .behind: return "\(s.model): \(pull) to pull ('mreg pull')"
            case .diverged: return "\(s.model): diverged: \(push) to push, \(pull) to pull ('mreg pull', then 'mreg push')"
            case .notOnRemote: return "\(s.model): not on \(remote): \(push) to push"
            case .notLocal: return "\(s.model): only on \(remote) (fetched): \(pull) to pull ('mreg pull')"
            }
        }

        /// `2 versions and 1 move`, `1 version`, `3 moves`.
        static func counted(_ versions: Int, _ moves: Int) -> String {
            let v = "\(versions) version\(versions == 1 ? "" : "s")"
            let m = "\(moves) move\(moves == 1 ? "" : "s")"
            if moves == 0 { return v }
            if versions == 0 { return m }
            return "\(v) and \(m)"
        }

        static func describe(_ e: Event) -> String {
            "\(Registry.summary(of: e)) by \(e.actor), \(Format.time(e.time))"
        }
    }
}
