import ArgumentParser
import MregRegistry
import MregFilter
import MregRemote
import MregGovernance
import MregIndex
import MregSupport
import MregStore

extension MregCommand {
    struct Tag: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Name a version with a tag, move a tag (-f), delete one (-d), or list a model's tags.",
            discussion: """
            Examples:
              mreg tag fraud@4 reviewed          # tag v4
              mreg tag -f fraud@5 reviewed       # move the tag to v5
              mreg tag -d fraud reviewed         # delete it
              mreg tag fraud                     # list fraud's tags
              mreg tag --list                    # every model's tags
            """)

        @Flag(name: .shortAndLong, help: "List tags: MODEL's, or every model's without one.")
        var list = false

        @Flag(name: .shortAndLong, help: "Move the tag if it names another version.")
        var force = false

        @Flag(name: .shortAndLong, help: "Delete the tag: mreg tag -d MODEL TAG.")
        var delete = false

        @Option(name: .shortAndLong, help: "Why (recorded in the event).")
        var message: String?

        @Option(name: .long, help: "Why (the same as -m, as promote and demote spell it).")
        var reason: String?

        @Flag(name: .long, help: "Sign the event with the SSH key in user.signingKey (a protected tag's signers need it).")
        var sign = false

        @Argument(help: "MODEL@REV to tag (MODEL with -d or to list).", completion: StoreCompletions.revisions)
        var revision: String?

        @Argument(help: "The tag name.", completion: StoreCompletions.tags)
        var tag: String?

        @OptionGroup var output: OutputOptions

        func validate() throws {
            if list && (tag != nil || delete || force) { throw ValidationError("--list takes at most a MODEL") }
            if !list && revision == nil { throw ValidationError("give MODEL@REV and a TAG (or --list)") }
            if message != nil, reason != nil { throw ValidationError("give the reason once: -m or --reason, not both") }
        }

        func run() throws {
            let registry = try Store.registry()
            if list { return try listTags(registry) }
            guard let revision else { return }
            let message = self.message ?? reason
            guard let tag else {
                if delete { throw ValidationError("give MODEL and TAG to delete") }
                let state = try registry.existingState(of: try Revision.parse(revision).model)
                if output.json {
                    output.emit(.object(state.tags.mapValues { .int($0) }))
                } else {
                    for line in Terminal.table(state.tags.sorted { $0.key < $1.key }.map { [$0.key, "v\($0.value)"] }) { Terminal.line(line) }
                }
                return
            }
            if delete {
                let model = try Revision.parse(revision).model
                let change = try registry.untag(model: model, tag: tag, reason: message, sign: sign)
                if output.json { output.emit(changeJSON(change)) } else { Terminal.line("deleted tag '\(tag)' of \(model) (was v\(change.event?.version ?? 0))") }
                return
            }
            let v = try registry.resolve(revision)
            let change = try registry.tag(model: v.model, version: v.version, tag: tag, force: force, reason: message, sign: sign)
            if output.json { output.emit(changeJSON(change)); return }
            if !change.changed {
                Terminal.line("\(v.model) tag '\(tag)' already names v\(v.version)")
            } else if let p = change.previous {
                Terminal.line("\(v.model) tag '\(tag)' moved from v\(p) to v\(v.version)")
            } else {
                Terminal.line("\(v.model) v\(v.version) tagged '\(tag)'")
            }
        }

        /// `tag --list [MODEL]`: one row per tag (model, tag, version), or with --json an array
        /// of `{"model", "tag", "version"}`, by model then tag.
        func listTags(_ registry: Registry) throws {
            let models = try revision.map { [try Revision.parse($0).model] } ?? registry.models().sorted()
            var rows = [(model: String, tag: String, version: Int64)]()
            for model in models {
                let state = try registry.existingState(of: model)
                rows += state.tags.sorted { $0.key < $1.key }.map { (model, $0.key, $0.value) }
            }
            if output.json {
                output.emit(.array(rows.map { .object(["model": .string($0.model), "tag": .string($0.tag), "version": .int($0.version)]) }))
            } else {
                for line in Terminal.table(rows.map { [$0.model, $0.tag, "v\($0.version)"] }) { Terminal.line(line) }
            }
        }
    }

    struct Promote: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put a version in a stage (development, staging, production, archived by default).",
            discussion: """
            A stage holds one version per model; promoting replaces what it held (recorded in the event).
            Configure stages with 'mreg config registry.stages dev,qa,prod'.
            The policy in .mreg/policy.toml judges each promotion and its verdict is recorded in the event;
            --force overrides a failed verdict where the policy allows it (recorded as forced).
            --sign signs the event with the SSH key in user.signingKey ('mreg verify' checks it).
            Example:
              mreg promote fraud@4 production --reason "passed shadow test" --sign
            """)

        @Argument(help: "The version (MODEL@REV).", completion: StoreCompletions.revisions)
        var revision: String

        @Argument(help: "The stage.", completion: StoreCompletions.stages)
        var stage: String

        @Option(name: .long, help: "Why (recorded in the audit trail).")
        var reason: String?

        @Flag(name: .long, help: "Sign the event with the SSH key in user.signingKey.")
        var sign = false

        @Flag(name: .shortAndLong, help: "Promote although the policy refuses, where it allows --force (needs --reason).")
        var force = false

        @OptionGroup var output: OutputOptions

        func run() throws {
            let registry = try Store.registry()
            try registry.validateStage(stage)
            let v = try registry.resolveForPromotion(revision)
            let change = try registry.promote(model: v.model, version: v.version, stage: stage, reason: reason, sign: sign, force: force)
            for w in change.warnings { Terminal.warning(w) }
            if output.json { output.emit(changeJSON(change)); return }
            if !change.changed {
                Terminal.line("\(v.model) v\(v.version) is already in \(stage)")
            } else {
                Terminal.line("\(v.model) v\(v.version) -> \(Terminal.paint(stage, .cyan))" + (change.previous.map { " (replaces v\($0))" } ?? ""))
                if let event = change.event { for line in GovernanceRendering.promotionLines(event) { Terminal.line(line) } }
            }
        }
    }

    struct Demote: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take whatever version a model has in a stage out of it.",
            discussion: """
            A stage the policy governs governs moves out of it too: its signers (--sign), signed and require_reason.
            Example: mreg demote fraud production --reason "incident 42" --sign
            """)

        @Argument(help: "The model (MODEL@REV: refused unless the stage holds that version).", completion: StoreCompletions.revisions)
        var model: String

        @Argument(help: "The stage to empty.", completion: StoreCompletions.stages)
        var stage: String

        @Option(name: .long, help: "Why (recorded in the audit trail).")
        var reason: String?

        @Flag(name: .long, help: "Sign the event with the SSH key in user.signingKey (a governed stage's signers need it).")
        var sign = false

        @OptionGroup var output: OutputOptions

        func run() throws {
            let registry = try Store.registry()
            let revision = try Revision.parse(model)
            let named = revision.selector == nil ? nil : try registry.resolve(model).version
            let change = try registry.demote(model: revision.model, stage: stage, reason: reason, version: named, sign: sign)
            if output.json { output.emit(changeJSON(change)); return }
            Terminal.line("\(revision.model) v\(change.previous ?? 0) demoted from \(stage)")
        }
    }
}

func changeJSON(_ change: Registry.Change) -> JSONValue {
    var o: [String: JSONValue] = ["changed": .bool(change.changed), "previous": JSONValue(change.previous)]
    if let e = change.event, let id = change.eventID {
        var ev = e.json.objectValue!
        ev["id"] = .string(id.hex)
        ev["schema"] = nil
        o["event"] = .object(ev)
    } else {
        o["event"] = .null
    }
    return .object(o)
}
