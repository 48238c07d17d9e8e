import ArgumentParser
import MregRegistry
import MregGovernance
import MregSupport
import MregStore

extension MregCommand {
    struct Approve: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record a signed approval of a version for a stage (or withdraw yours with --revoke).",
            discussion: """
            A stage with 'approvals = N' in .mreg/policy.toml needs N approvals from distinct \
            approvers before 'mreg promote' puts a version in it. An approval is for that exact \
            manifest and stage, always signed with your own key (--sign, with user.signingKey), \
            and only its own signer can revoke it.

            Examples:
              mreg approve fraud@4 production --reason "validated on Q3 data" --sign
              mreg approve --revoke fraud@4 production --sign
            """)

        @Argument(help: "The version (MODEL@REV).", completion: StoreCompletions.revisions)
        var revision: String

        @Argument(help: "The stage the approval is for.", completion: StoreCompletions.stages)
        var stage: String

        @Option(name: .long, help: "Why (recorded in the audit trail).")
        var reason: String?

        @Flag(name: .long, help: "Sign the event with your own SSH key (user.signingKey); every approval must be signed.")
        var sign = false

        @Flag(name: .long, help: "Withdraw your approval of this version for this stage.")
        var revoke = false

        @OptionGroup var output: OutputOptions

        func validate() throws {
            guard sign else { throw ValidationError("approvals must be signed: add --sign (with user.signingKey set)") }
        }

        func run() throws {
            let governance = Governance(try Store.registry())
            let change = revoke
                ? try governance.revokeApproval(revision, stage: stage, reason: reason, sign: sign)
                : try governance.approve(revision, stage: stage, reason: reason, sign: sign)
            if output.json { output.emit(changeJSON(change)); return }
            guard let e = change.event else { return }
            let target = "\(Names.escaped(e.model)) v\(e.version ?? 0) for \(e.stage ?? stage)"
            if revoke {
                Terminal.line("withdrew the approval \(e.approval?.abbreviated() ?? "") of \(target) (signed by \(e.signer ?? "?"))")
            } else {
                Terminal.line("approved \(target) (manifest \(e.manifest?.abbreviated() ?? "?"), signed by \(e.signer ?? "?"))")
            }
        }
    }
}

/// An approval in `show --json`: `{"id", "seq", "stage", "manifest", "signer", "actor", "time", "reason"}`.
func approvalJSON(_ a: Approval) -> JSONValue {
    [
        "id": .string(a.id.hex), "seq": .int(a.sequence), "stage": .string(a.stage), "manifest": .string(a.manifest.hex),
        "signer": JSONValue(a.signer), "actor": .string(a.actor), "time": .string(a.time), "reason": JSONValue(a.reason),
    ]
}
