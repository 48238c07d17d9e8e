import ArgumentParser
import MregRegistry
import MregFilter
import MregRemote
import MregGovernance
import MregIndex
import MregSupport
import MregStore

extension MregCommand {
    struct Rm: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove versions: each gets a remove event (a tombstone); its history stays.",
            discussion: """
            A removed version leaves list, search, latest and revision resolution; show, export, cat \
            and diff of it fail (exit 2) saying when, by whom and why it was removed. Its number is \
            never reused; its manifest and events stay, so log, verify and audit still tell its story, \
            and 'mreg gc' reclaims the files no live version names. A version a stage holds is refused \
            (demote it first). MODEL without @ removes every version of the model; registering the \
            name again continues its numbering. Nothing is written unless every version can be removed.
            Examples:
              mreg rm fraud@3 --reason "trained on leaked labels"
              mreg rm fruad --reason "typo of fraud"
            """)

        @Argument(help: "MODEL@REV to remove (MODEL: every version of it).")
        var revisions: [String]

        @Option(name: .long, help: "Why (required; recorded in each remove event).")
        var reason: String

        @OptionGroup var output: OutputOptions

        func run() throws {
            guard !revisions.isEmpty else { throw ValidationError("give MODEL@REV (or MODEL) to remove") }
            let registry = try Store.registry()
            var targets = [Registry.RemovalTarget]()
            for text in revisions {
                let revision = try Revision.parse(text)
                if revision.selector == nil {
                    targets.append(.init(model: revision.model, versions: nil))
                } else {
                    let v = try registry.resolve(text)
                    targets.append(.init(model: v.model, versions: [v.version]))
                }
            }
            let removed = try registry.remove(targets, reason: reason)
            if output.json {
                output.emit(["removed": .array(removed.map(Self.json))])
                return
            }
            for r in removed { Terminal.line("removed \(r.model)@v\(r.version)") }
        }

        /// `{"model", "version", "manifest", "event", "actor", "time", "reason"}`.
        static func json(_ r: Registry.RemovedVersion) -> JSONValue {
            .object(["model": .string(r.model), "version": .int(r.version), "manifest": .string(r.manifest.hex),
                     "event": .string(r.eventID.hex), "actor": .string(r.event.actor), "time": .string(r.event.time),
                     "reason": JSONValue(r.event.reason)])
        }
    }
}
