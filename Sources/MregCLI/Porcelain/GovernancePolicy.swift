import ArgumentParser
import Foundation
import MregRegistry
import MregFilter
import MregRemote
import MregGovernance
import MregIndex
import MregSupport
import MregStore

extension MregCommand {
    struct PolicyCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "policy",
            abstract: "Show the promotion policy (.mreg/policy.toml) or check a promotion against it.",
            discussion: """
            .mreg/policy.toml, per stage (every key optional):
              [stages.production]
              from = ["staging"]              # must be in one of these stages now
              require = "metrics.auc >= 0.9 and params.optimizer = 'adam'"   # a gate
              no_regression = ["auc", { metric = "latency_ms", better = "lower" }]
              card_fields = ["license"]       # model-card fields that must be present
              require_reason = true           # promote needs --reason
              signed = true                   # promote needs --sign (user.signingKey)
              allow_force = false             # may --force override a refusal?
              signers = ["group:release"]     # who may promote into it, demote out
              approvals = 1                   # signed approvals ('mreg approve') needed
              approvers = ["group:qa"]        # who may approve (default: any signer)
              separation_of_duties = true     # registrant, promoter cannot approve
              approval_max_age_days = 30      # older approvals do not count
              [tags.released]
              signers = ["group:release"]     # who may set, move or delete the tag
              require_reason = true
              [groups]
              release = ["ada@example.com", "bob@example.com"]
              [signing]
              allowed_signers = "allowed_signers"   # ssh-keygen's file, in .mreg/
            Principals are exact e-mail addresses (as in the allowed-signers file) or
            group:NAME. A shared store's policy is adopted by 'pull' and 'clone', and
            guards 'push' into it; 'mreg policy push' shares this store's policy with a
            remote (S3 or a filesystem).
            """,
            subcommands: [Show.self, Check.self, PolicyPush.self],
            defaultSubcommand: Show.self)

        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Print the policy each stage's promotions must pass.")

            @OptionGroup var output: OutputOptions

            func run() throws {
                let registry = try Store.registry()
                let policy = try Governance(registry).policy()
                let path = "\(registry.repository.root)/\(PromotionPolicy.fileName)"
                if output.json {
                    output.emit(json(policy, path: path))
                    return
                }
                guard let digest = policy.digest else {
                    Terminal.line("no policy: \(path) does not exist, so every promotion is allowed")
                    return
                }
                Terminal.line("policy \(path) (\(digest))")
                for (stage, r) in policy.stages.sorted(by: { $0.key < $1.key }) {
                    Terminal.line("")
                    Terminal.line(Terminal.paint("[\(stage)]", .bold))
                    var rows = [[String]]()
                    if let from = r.from { rows.append(["from", from.joined(separator: " or ")]) }
                    if let g = r.require { rows.append(["require", g.source]) }
                    if !r.noRegression.isEmpty { rows.append(["no regression", r.noRegression.map(\.description).joined(separator: ", ")]) }
                    if !r.cardFields.isEmpty { rows.append(["card fields", r.cardFields.joined(separator: ", ")]) }
                    rows.append(["reason", r.requireReason ? "required" : "optional"])
                    rows.append(["signed", r.signed ? "required" : "optional"])
                    rows.append(["--force", r.allowForce ? "allowed (recorded as forced)" : "not allowed"])
                    if let signers = r.signers { rows.append(["signers", principals(signers, policy)]) }
                    if r.approvals > 0 {
                        rows.append(["approvals", "\(r.approvals) signed (mreg approve)"])
                        rows.append(["approvers", r.approvers.map { principals($0, policy) } ?? "any allowed signer"])
                        rows.append(["separation", r.separationOfDuties ? "registrant and promoter cannot approve" : "not required"])
                        if let days = r.approvalMaxAgeDays { rows.append(["max age", "\(days) days"]) }
                    }
                    for line in Terminal.table(rows.map { ["  " + $0[0]] + $0.dropFirst() }) { Terminal.line(line) }
                }
                for (tag, r) in policy.tags.sorted(by: { $0.key < $1.key }) {
                    Terminal.line("")
                    Terminal.line(Terminal.paint("[tags.\(tag)]", .bold))
                    Terminal.line("  signers  " + (r.signers.map { principals($0, policy) } ?? "anyone"))
                    Terminal.line("  reason   " + (r.requireReason ? "required" : "optional"))
                }
                if !policy.groups.isEmpty {
                    Terminal.line("")
                    Terminal.line(Terminal.paint("[groups]", .bold))
                    let rows = policy.groups.sorted { $0.key < $1.key }.map { ["  " + $0.key, $0.value.joined(separator: ", ")] }
                    for line in Terminal.table(rows) { Terminal.line(line) }
                }
                if let removal = policy.removal {
                    Terminal.line("")
                    Terminal.line(Terminal.paint("[removal]", .bold) + " (rm and prune)")
                    Terminal.line("  reason  " + (removal.requireReason ? "required" : "optional"))
                    Terminal.line("  signed  " + (removal.signed ? "required" : "optional"))
                }
                if let retention = policy.retention {
                    func describe(_ r: RetentionPolicy.Rules) -> String {
                        var parts = [String]()
                        if let n = r.keepLast { parts.append("keep_last = \(n)") }
                        if let d = r.keepDays { parts.append("keep_days = \(d)") }
                        if let s = r.keepStages { parts.append("keep_stages = [\(s.joined(separator: ", "))]") }
                        return parts.isEmpty ? "(nothing set)" : parts.joined(separator: ", ")
                    }
                    Terminal.line("")
                    Terminal.line(Terminal.paint("[retention]", .bold) + " (mreg prune)")
                    Terminal.line("  all models  " + describe(retention.defaults))
                    for (model, r) in retention.models.sorted(by: { $0.key < $1.key }) {
                        Terminal.line("  \(model)  " + describe(r))
                    }
                    if retention.defaults.keepStages == nil {
                        Terminal.line("  (versions in a stage but archived are always kept)")
                    }
                }
                if let signers = policy.allowedSigners {
                    Terminal.line("")
                    Terminal.line("signatures are checked against \(signers)" + (FileManager.default.fileExists(atPath: signers) ? "" : " (missing)"))
                }
            }

            /// `group:release (ada@example.com, bob@example.com), val@example.com`.
            func principals(_ list: [String], _ policy: PromotionPolicy) -> String {
                list.map { p in
                    p.hasPrefix("group:") ? "\(p) (\(policy.expand([p]).joined(separator: ", ")))" : p
                }.joined(separator: ", ")
            }

            /// One set of retention rules as JSON (unset keys null).
            func rules(_ r: RetentionPolicy.Rules) -> JSONValue {
                ["keep_last": r.keepLast.map { .int(Int64($0)) } ?? .null, "keep_days": r.keepDays.map { .int(Int64($0)) } ?? .null,
                 "keep_stages": r.keepStages.map { .array($0.map { .string($0) }) } ?? .null]
            }

            func json(_ policy: PromotionPolicy, path: String) -> JSONValue {
                var stages = [String: JSONValue]()
                for (stage, r) in policy.stages {
                    stages[stage] = [
                        "from": r.from.map { .array($0.map { .string($0) }) } ?? .null,
                        "require": JSONValue(r.require?.source),
                        "no_regression": .array(r.noRegression.map {
                            ["metric": .string($0.metric), "better": .string($0.higherIsBetter ? "higher" : "lower"), "tolerance": .double($0.tolerance)]
                        }),
                        "card_fields": .array(r.cardFields.map { .string($0) }),
                        "require_reason": .bool(r.requireReason), "signed": .bool(r.signed), "allow_force": .bool(r.allowForce),
                        "signers": r.signers.map { .array($0.map { .string($0) }) } ?? .null,
                        "approvals": .int(Int64(r.approvals)),
                        "approvers": r.approvers.map { .array($0.map { .string($0) }) } ?? .null,
                        "separation_of_duties": .bool(r.separationOfDuties),
                        "approval_max_age_days": r.approvalMaxAgeDays.map { .int(Int64($0)) } ?? .null,
                    ]
                }
                let tags = policy.tags.mapValues { r -> JSONValue in
                    ["signers": r.signers.map { .array($0.map { .string($0) }) } ?? .null, "require_reason": .bool(r.requireReason)]
                }
                let groups = policy.groups.mapValues { JSONValue.array($0.map { .string($0) }) }
                return [
                    "path": .string(path), "exists": .bool(policy.digest != nil), "digest": JSONValue(policy.digest),
                    "stages": .object(stages), "allowed_signers": JSONValue(policy.allowedSigners),
                    "groups": .object(groups), "tags": .object(tags),
                    "removal": policy.removal.map { ["require_reason": .bool($0.requireReason), "signed": .bool($0.signed)] } ?? .null,
                    "retention": policy.retention.map { r in
                        .object(["defaults": rules(r.defaults), "models": .object(r.models.mapValues(rules))])
                    } ?? .null,
                ]
            }
        }

        struct Check: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Judge a promotion without making it: print the verdict, exit 1 if it would be refused.",
                discussion: """
                For CI gates:
                  mreg policy check fraud@latest production --reason "nightly" || exit 1
                No hook runs and nothing is signed or written.
                """)

            @Argument(help: "The version (MODEL@REV).", completion: StoreCompletions.revisions)
            var revision: String

            @Argument(help: "The stage.", completion: StoreCompletions.stages)
            var stage: String

            @Option(name: .long, help: "The reason the promotion would give.")
            var reason: String?

            @Flag(name: .long, help: "Judge it as if signed with --sign (checks that user.signingKey is set).")
            var sign = false

            @OptionGroup var output: OutputOptions

            func run() throws {
                let registry = try Store.registry()
                let check = try Governance(registry).checkPromotion(revision, stage: stage, reason: reason, signed: sign)
                if output.json {
                    output.emit(check.json)
                } else {
                    let target = "\(check.model) v\(check.version) -> \(check.stage)"
                    if check.alreadyInStage {
                        Terminal.line("\(target): already there (nothing to promote)")
                    } else if let verdict = check.verdict {
                        let result = verdict.passed ? Terminal.paint("allowed", .green) : Terminal.paint("refused", .red)
                        Terminal.line("\(target): \(result)" + (verdict.passed ? "" : check.forceAllowed ? " (--force --reason WHY would override it)" : ""))
                        for line in GovernanceRendering.ruleLines(verdict) { Terminal.line(line) }
                    } else {
                        Terminal.line("\(target): allowed (the policy sets no rules for \(check.stage))")
                    }
                }
                if !check.allowed { throw CommandFailure(.negative) }
            }
        }
    }
}
