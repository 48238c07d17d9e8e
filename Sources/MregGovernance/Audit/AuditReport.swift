import Foundation
import MregStore
import MregSupport
import MregRegistry

/// `mreg audit`: one row per governance event of the chosen models, oldest first, with the
/// version's datasets and metrics, each signature checked, and the chain verification result.
///
/// Derived from the event chains alone (and the policy's allowed-signers file), so anyone
/// holding the store can regenerate it. Renderers: `json`, `csv`, `markdown`, `html`, `text`.
public struct AuditReport: Sendable {
    /// The column names, in order (the CSV header row; the JSON row keys).
    public static let columns = ["time", "model", "version", "action", "stage", "tag", "actor", "signer", "signature",
                                 "reason", "verdict", "approvals", "manifest", "weights_digest", "datasets", "metrics",
                                 "policy", "violations"]

    /// The schema name in the JSON report.
    public static let schema = "mreg.audit/1"

    /// One dataset of a version: its name and digest.
    public struct Dataset: Sendable, Equatable {
        public var name: String
        public var digest: String?
    }

    /// One event.
    public struct Row: Sendable {
        /// The event's recorded time (RFC 3339, UTC).
        public var time: String
        public var model: String
        public var sequence: Int64
        /// The event object's id.
        public var event: ObjectID
        public var version: Int64?
        /// A promotion or tag move: the version the stage or tag held before (its recorded `previous`).
        public var previous: Int64?
        /// `register`, `approve`, `unapprove`, `promote`, `demote`, `tag`, `untag`, `remove` (as recorded).
        public var action: String
        public var stage: String?
        public var tag: String?
        public var actor: String
        public var signer: String?
        public var signature: SignatureStatus?
        /// Why a signature is not good (ssh-keygen's words).
        public var signatureDetail: String?
        public var reason: String?
        /// The recorded verdict: passed, the policy digest it was judged under, the failed rules
        /// (for a demote or tag, which record none: the verdict under the policy now, `checkedNow`).
        public var verdictPassed: Bool?
        public var verdictPolicy: String?
        public var failedRules: [String] = []
        /// The verdict was not recorded but checked when the report was made (demote, tag, untag).
        public var checkedNow = false
        /// False when a verdict checked now found no rule of the policy governing the move.
        public var governed = true
        /// The event was forced: a promotion overrode a failed verdict; a tag moved from another version (`tag -f`).
        public var forced: Bool
        /// A promotion: the approve events it used.
        public var approvals: [String] = []
        /// Who signed each of `approvals` (the same order; empty when the chain does not hold it).
        public var approvers: [String] = []
        /// An unapprove: the approve event it withdraws.
        public var revokes: String?
        /// Who signed the approval `revokes` names (empty when the chain does not hold it).
        public var revokedApprover: String?
        public var manifest: ObjectID?
        /// `sha256:` of the version's files listed `sha256sum`-style, sorted by path.
        public var weightsDigest: String?
        public var datasets: [Dataset] = []
        /// The version's scalar metrics (numbers, strings, booleans).
        public var metrics: [(name: String, value: JSONValue)] = []
        /// What `verify` has against this event (a policy violation, a forged or damaged link), if anything.
        public var violations: [String] = []

        /// The `policy` column: the digest of the policy the event was judged under, when it records
        /// one; for a verdict checked now, the digest in force now with ` (checked now)`; else empty.
        public var policyText: String {
            guard let verdictPolicy else { return "" }
            return checkedNow ? verdictPolicy + " (checked now)" : verdictPolicy
        }

        /// The `verdict` column: `passed`, `failed: RULE, …` or (checked now) `no rules`, with the notes
        /// `checked now` and `forced` in parentheses (`passed (checked now, forced)`); `forced` without a verdict.
        public var verdictText: String {
            var text: String
            switch verdictPassed {
            case true?: text = governed ? "passed" : "no rules"
            case false?: text = failedRules.isEmpty ? "failed" : "failed: " + failedRules.joined(separator: ", ")
            case nil: text = ""
            }
            let notes = (checkedNow ? ["checked now"] : []) + (forced ? ["forced"] : [])
            if text.isEmpty { return notes.joined(separator: ", ") }
            return notes.isEmpty ? text : text + " (" + notes.joined(separator: ", ") + ")"
        }

        /// The `datasets` column: `NAME DIGEST` joined by `; `.
        public var datasetsText: String {
            datasets.map { [$0.name, $0.digest].compactMap { $0 }.joined(separator: " ") }.joined(separator: "; ")
        }

        /// The `metrics` column: `NAME=VALUE` joined by `; `.
        public var metricsText: String {
            metrics.map { "\($0.name)=\($0.value.displayText)" }.joined(separator: "; ")
        }

        /// The `approvals` column: `SIGNER (EVENT-ID)` joined by `; ` (ids in full); an unapprove's
        /// `revokes SIGNER (EVENT-ID)`.
        public var approvalsText: String { approvalsCell(idLength: 64) }

        /// `approvalsText` with ids cut to `idLength` characters (the text report).
        public func approvalsCell(idLength: Int) -> String {
            if let revokes {
                let who = (revokedApprover ?? "").isEmpty ? "?" : revokedApprover ?? "?"
                return "revokes \(who) (\(revokes.prefix(idLength)))"
            }
            return approvals.enumerated().map { i, id in
                let who = i < approvers.count && !approvers[i].isEmpty ? approvers[i] : "?"
                return "\(who) (\(id.prefix(idLength)))"
            }.joined(separator: "; ")
        }

        /// The cells of a row, in `columns` order (ids in full).
        public var cells: [String] {
            [time, model, version.map { "\($0)" } ?? "", action, stage ?? "", tag ?? "", actor, signer ?? "",
             signature?.rawValue ?? "", reason ?? "", verdictText, approvalsText, manifest?.hex ?? "",
             weightsDigest ?? "", datasetsText, metricsText, policyText, violations.joined(separator: "; ")]
        }
    }

    /// One model's chain verification.
    public struct ChainStatus: Sendable {
        public var model: String
        public var ok: Bool
        public var events: Int
        public var head: ObjectID?
        /// The first problem `verify` found, if any.
        public var problem: String?
    }

    /// When the report was made (`MREG_NOW` when set).
    public var generated: String
    public var models: [String]
    /// The `--since` and `--until` bounds, RFC 3339.
    public var since: String?
    public var until: String?
    /// `sha256:` of `.mreg/policy.toml` in force now (nil without a policy).
    public var policyDigest: String?
    /// Why the policy cannot be read, if it cannot.
    public var policyError: String?
    /// The allowed-signers file the signatures were checked against.
    public var allowedSigners: String?
    /// `verify` of every chosen model.
    public var chains: [ChainStatus]
    public var rows: [Row]
    /// The store audited (its folder).
    public var store: String?
    /// Who made the report (the identity, when one is configured).
    public var generatedBy: String?

    /// Every chain verified.
    public var verified: Bool { chains.allSatisfy(\.ok) }

    /// The number of rows with each signature status.
    public var signatureCounts: [SignatureStatus: Int] {
        Dictionary(grouping: rows.compactMap(\.signature), by: { $0 }).mapValues(\.count)
    }

    /// `ok`, or `FAILED (MODEL: problem)` for the first failing chain.
    public var verificationText: String {
        guard let bad = chains.first(where: { !$0.ok }) else { return "ok (\(chains.count) model\(chains.count == 1 ? "" : "s"))" }
        return "FAILED (\(bad.model): \(bad.problem ?? "see mreg verify"))"
    }
}
