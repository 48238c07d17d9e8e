import Foundation
import MregStore
import MregSupport
import MregRegistry

/// The one checker of the access rules for a recorded event: what `pull`, `fetch`, `push`,
/// `verify` and `audit` apply to events they did not write, with the rules (and the per-approval
/// test `approvalIgnoredReason`) that the local commands apply when they write one.
extension Governance {
    /// Signature checks already made in one run, by event id, so that an event's signature is
    /// verified once however many promotions name it (a class: shared by the events of a run).
    final class SignatureCache {
        private var results = [ObjectID: SSHSignature.Check?]()

        init() {}

        /// The check of `id`'s signature (nil: it cannot be checked), made once.
        func check(_ id: ObjectID, _ make: () -> SSHSignature.Check?) -> SSHSignature.Check? {
            if let known = results[id] { return known }
            let result = make()
            results[id] = .some(result)
            return result
        }

        /// Records a check made elsewhere (the event's own signature in `verify`).
        func record(_ id: ObjectID, _ check: SSHSignature.Check) { results[id] = .some(check) }
    }

    /// What the policy has against event `e` (id `id`) appended to a chain whose state is `state`
    /// (the state its parent left): empty when a local command would have written it.
    ///
    /// Checked: the event is not dated before its parent; an approval is signed, by an approver,
    /// not by the registrant under separation of duties, not twice; a withdrawal is signed by the
    /// approval's own signer and names an approval in force; a promotion obeys its stage's
    /// `signed` and `signers` and lists (sorted, each once) enough approvals in force that count
    /// (`approvalIgnoredReason`) at its time; a demotion, tag move or removal (also out of a
    /// governed stage, as `prune` does) obeys `moveProblems` and `[removal]`. The event's own
    /// signature is checked by the caller.
    ///
    /// - Parameter signedRule: false to leave a promotion's `signed` rule to the caller (`verify` words it itself).
    func eventRuleProblems(_ e: Event, id: ObjectID, state: ModelState, policy: PromotionPolicy,
                           cache: SignatureCache, signedRule: Bool = true) -> [String] {
        var problems = [String]()
        if let problem = Self.timeProblem(e, parentTime: state.lastChange) { problems.append(problem) }
        let v = e.version ?? 0
        let stage = e.stage ?? ""
        switch e.action {
        case .approve:
            guard let signer = e.signer, e.signature != nil else {
                problems.append("records an approval of v\(v) for \(stage) without a signature")
                break
            }
            guard let rules = policy.rules(for: stage), rules.approvals > 0 else {
                problems.append("approves v\(v) for \(stage), which asks no approvals")
                break
            }
            if let approvers = rules.approvers, !policy.expand(approvers).contains(signer) {
                problems.append("approves v\(v) for \(stage), but \(signer) is not an approver there (approvers: \(approvers.joined(separator: ", ")))")
            }
            if rules.separationOfDuties, let info = state.versions[v], Self.registrants(of: info).contains(signer.lowercased()) {
                problems.append("approves v\(v) for \(stage), but \(signer) registered it and \(stage) asks for separation of duties")
            }
            if state.approvals(of: v, stage: stage).contains(where: { $0.signer == signer && $0.manifest == e.manifest }) {
                problems.append("approves v\(v) for \(stage) again: \(signer) approved it already")
            }
        case .unapprove:
            guard let signer = e.signer, e.signature != nil else {
                problems.append("withdraws an approval of v\(v) without a signature")
                break
            }
            guard let a = e.approval, let approval = state.approvals[a] else {
                problems.append("withdraws approval \(e.approval?.abbreviated() ?? "?"), which is not an approval in force")
                break
            }
            if approval.signer != signer {
                problems.append("withdraws an approval by \(approval.signer ?? "nobody"), but is signed by \(signer): only one's own approval can be revoked")
            }
        case .promote:
            guard let rules = policy.rules(for: stage) else { break }
            if signedRule, rules.signed, e.signer == nil || e.signature == nil {
                problems.append("promotes v\(v) into \(stage) without a signature, and the policy requires promotions to \(stage) to be signed")
            }
            if let signers = rules.signers {
                let r = Self.signersRule(signers, policy: policy, signer: e.signer, what: "moves into and out of \(stage)")
                if !r.passed { problems.append("breaks the policy: \(r.detail)") }
            }
            if rules.approvals > 0, let problem = recordedApprovalsProblem(e, state: state, policy: policy, rules: rules, cache: cache) {
                problems.append(problem)
            }
        case .demote, .tag, .untag:
            let moves = Self.moveProblems(e, policy: policy, signer: e.signer)
            if !moves.isEmpty { problems.append("breaks the policy: " + moves.joined(separator: "; ")) }
        case .remove:
            let moves = Self.removalProblems(e, state: state, policy: policy, signer: e.signer)
            if !moves.isEmpty { problems.append("breaks the policy: " + moves.joined(separator: "; ")) }
        case .register:
            break
        }
        return problems
    }

    /// An event dated before its parent (a back-dated event, which could dodge a key's expiry or
    /// an approval's age) or without a readable time; nil when its time is fine.
    static func timeProblem(_ e: Event, parentTime: String?) -> String? {
        guard let time = Timestamp.parse(e.time) else { return "has no valid time ('\(e.time)')" }
        guard let parentTime, let before = Timestamp.parse(parentTime), time < before else { return nil }
        return "is dated \(e.time), before its parent event (\(parentTime)): events cannot be back-dated"
    }

    /// Who registered a version, as principals: the register event's author e-mail (see FORMAT.md §4).
    static func registrants(of info: ModelState.VersionInfo) -> Set<String> {
        // Lowercased, as every comparison with it: an e-mail's case names no other person.
        [Approval.principal(ofActor: info.registeredBy).lowercased()]
    }

    /// What the policy has against removing `e.version` (a `remove` event): `[removal]`, and the
    /// rules for moving it out of each governed stage that holds it (`prune` takes it out of them).
    static func removalProblems(_ e: Event, state: ModelState, policy: PromotionPolicy, signer: String?) -> [String] {
        var problems = [String]()
        let rules = policy.removal ?? PromotionPolicy.RemovalRules()
        let reasonGiven = !(e.reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        if rules.requireReason, !reasonGiven { problems.append("[removal] requires a reason") }
        if rules.signed, signer == nil { problems.append("[removal] requires removals to be signed") }
        guard let v = e.version else { return problems }
        for stage in state.stages(of: v) {
            var demote = e
            demote.action = .demote
            demote.stage = stage
            problems += moveProblems(demote, policy: policy, signer: signer)
        }
        // Removing a version drops its tags: a protected one ([tags.NAME]) as `tag -d` would.
        for tag in state.tags.filter({ $0.value == v }).map(\.key).sorted() where policy.tags[tag] != nil {
            var untag = e
            untag.action = .untag
            untag.tag = tag
            problems += moveProblems(untag, policy: policy, signer: signer)
        }
        return problems
    }

    /// Why a promotion's recorded approvals (`approvals`) do not satisfy its stage, or nil.
    ///
    /// The list must name each approval once, oldest first, and no more than the approvals in
    /// force (so a crafted list cannot make this run long); each counts when it is in force before
    /// the promotion (not withdrawn), and `approvalIgnoredReason` has nothing against it.
    func recordedApprovalsProblem(_ e: Event, state: ModelState, policy: PromotionPolicy,
                                  rules: PromotionPolicy.StageRules, cache: SignatureCache) -> String? {
        let v = e.version ?? 0
        let stage = e.stage ?? ""
        let ids = e.approvals ?? []
        if rules.separationOfDuties, e.signer == nil || e.signature == nil {
            return "promotes v\(v) into \(stage) unsigned, but \(stage) asks for separation of duties, which needs the promoter established by a signature"
        }
        if rules.approvalMaxAgeDays != nil, e.signer == nil || e.signature == nil {
            return "promotes v\(v) into \(stage) unsigned, but \(stage) limits the approvals' age (approval_max_age_days), which needs the promotion's time established by a signature"
        }
        if Set(ids).count != ids.count { return "lists an approval more than once" }
        if ids.count > state.approvals.count {
            return "lists \(ids.count) approvals, but only \(state.approvals.count) are in force"
        }
        let sequences = ids.map { state.approvals[$0]?.sequence ?? -1 }
        if sequences != sequences.sorted() { return "lists its approvals out of order (they are listed oldest first)" }
        let manifest = e.manifest ?? state.versions[v]?.manifest
        let registrants = state.versions[v].map(Self.registrants) ?? []
        let promoter = e.signer ?? Approval.principal(ofActor: e.actor)
        let at = Timestamp.parse(e.time) ?? .distantFuture
        var counted = Set<String>()
        var ignored = [String]()
        for id in ids {
            guard let a = state.approvals[id] else {
                ignored.append("\(id.abbreviated()) is not an approval in force (unknown, withdrawn or of another model)")
                continue
            }
            if a.stage != stage || a.version != v {
                ignored.append("\(a.signer ?? "?") (#\(a.sequence)) approved another version or stage"); continue
            }
            if let who = a.signer, counted.contains(who) { ignored.append("\(who) (#\(a.sequence)) approved twice"); continue }
            if let why = approvalIgnoredReason(a, manifest: manifest, stage: stage, version: v, rules: rules, policy: policy,
                                               registrants: registrants, promoter: promoter, at: at,
                                               registered: state.versions[v]?.registeredAt, cache: cache) {
                ignored.append(why); continue
            }
            if let who = a.signer { counted.insert(who) }
        }
        guard counted.count < rules.approvals else { return nil }
        var text = "promotes v\(v) into \(stage) with \(counted.count) valid approval(s) of its manifest recorded, and the policy needs \(rules.approvals)"
        if !ignored.isEmpty { text += " (not counted: " + ignored.joined(separator: ", ") + ")" }
        return text
    }

    /// Why approval `a` does not count for promoting `version` (whose manifest is `manifest`) into
    /// `stage` at `at`, or nil when it counts: the one test `promote` (`addAccessRules`) and every
    /// recorded promotion (`recordedApprovalsProblem`) apply. Duplicates are the caller's.
    func approvalIgnoredReason(_ a: Approval, manifest: ObjectID?, stage: String, version: Int64,
                               rules: PromotionPolicy.StageRules, policy: PromotionPolicy, registrants: Set<String>,
                               promoter: String, at: Date, registered: String?, cache: SignatureCache) -> String? {
        let label = "#\(a.sequence)"
        guard let who = a.signer else { return "\(label) is unsigned" }
        if a.manifest != manifest { return "\(who) (\(label)) approved another manifest" }
        if let approvers = rules.approvers, !policy.expand(approvers).contains(who) { return "\(who) (\(label)) is not an approver for \(stage)" }
        if rules.separationOfDuties, registrants.contains(who.lowercased()) { return "\(who) (\(label)) registered v\(version)" }
        if rules.separationOfDuties, who.lowercased() == promoter.lowercased() { return "\(who) (\(label)) is the promoter" }
        if let registered, let t = Timestamp.parse(a.time), let r = Timestamp.parse(registered), t < r {
            return "\(who) (\(label)) is dated \(a.time), before v\(version) was registered (back-dated)"
        }
        if let days = rules.approvalMaxAgeDays, let t = Timestamp.parse(a.time), at.timeIntervalSince(t) > Double(days) * 86_400 {
            return "\(who) (\(label)) approved at \(a.time), more than \(days) days ago"
        }
        if let problem = approvalSignatureProblem(a, policy: policy, cache: cache) { return "\(who) (\(label)): \(problem)" }
        return nil
    }
}
