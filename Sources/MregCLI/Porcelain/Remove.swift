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

        @Argument(help: "MODEL@REV to remove (MODEL: every version of it).", completion: StoreCompletions.revisions)
        var revisions: [String]

        @Option(name: .long, help: "Why (required; recorded in each remove event).")
        var reason: String

        @Flag(name: .long, help: "Sign each event with the SSH key in user.signingKey (a policy's [removal] signed = true needs it).")
        var sign = false

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
            let removed = try registry.remove(targets, reason: reason, sign: sign)
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

extension MregCommand {
    struct Prune: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove every live version the retention policy does not keep (as rm does).",
            discussion: """
            Applies [retention] of .mreg/policy.toml (keep_last, keep_days, keep_stages, per-model \
            [retention.models.NAME]): a version is kept when any rule keeps it; the others get a remove \
            event each, with reason "retention policy". A later 'mreg gc' reclaims their files. A policy \
            that cannot be read, or has no [retention], removes nothing (exit 64).

            Versions a stage holds are always kept (keep_stages; default: every stage but archived); \
            tags keep nothing. Example .mreg/policy.toml:
              [retention]
              keep_last = 5          # the 5 newest live versions of each model
              keep_days = 30         # and anything registered in the last 30 days
              [retention.models.fraud]
              keep_last = 20
            Then: mreg prune --dry-run, mreg prune, mreg gc.
            """)

        @Argument(help: "The models to prune (default: all).", completion: StoreCompletions.models)
        var models: [String] = []

        @Flag(name: .long, help: "Only say which versions would be removed.")
        var dryRun = false

        @Flag(name: .long, help: "Sign each event with the SSH key in user.signingKey (a policy's [removal] signed = true needs it).")
        var sign = false

        @OptionGroup var output: OutputOptions

        func run() throws {
            let registry = try Store.registry()
            for model in models { try Names.validateModel(model) }
            let result = try Governance(registry).pruneResult(models: models, dryRun: dryRun, sign: sign)
            if output.json {
                output.emit(["dry_run": .bool(dryRun),
                             "removed": .array(result.removed.map { p in
                                 .object(["model": .string(p.model), "version": .int(p.version), "manifest": .string(p.manifest.hex),
                                          "event": JSONValue(p.event?.hex), "actor": JSONValue(p.actor), "time": JSONValue(p.time),
                                          "reason": .string(Governance.retentionReason)])
                             }),
                             "kept": .array(result.kept.map { k in
                                 .object(["model": .string(k.model), "version": .int(k.version), "rules": .array(k.rules.map { .string($0) })])
                             })])
                return
            }
            for p in result.removed { Terminal.line("\(dryRun ? "would remove" : "removed") \(p.model)@v\(p.version)") }
            if dryRun {
                for k in result.kept { Terminal.line("would keep \(k.model)@v\(k.version) (\(k.rules.joined(separator: ", ")))") }
            }
            if result.removed.isEmpty { Terminal.line("nothing to prune: the retention policy keeps every live version") }
        }
    }
}
