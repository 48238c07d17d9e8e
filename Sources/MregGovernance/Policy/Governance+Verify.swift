import Foundation
import MregStore
import MregSupport
import MregRegistry
import MregFilter

/// `mreg verify`: walks each model's event chain from its head and checks every link,
/// every object the chain reaches and every signature.
///
/// Each object is read through the verifying reader, so an event or manifest whose file
/// was edited, replaced or removed shows up at the first event that names it. Links
/// (parent ids, sequence numbers, model names) and the replay (versions, stages and tags
/// each event claims) must agree. A chain rebuilt consistently by someone with write access
/// to the store, or a head moved back to an older event, cannot be seen in the chain alone:
/// each successful run records the head it verified in `refs/verified/<model>`, and a
/// later run whose head no longer leads to that event reports the history as rewritten.
extension Governance {
    /// The local checkpoint of a model: the newest event `verify` found good.
    public static func checkpointRef(_ model: String) throws -> RefName {
        try RefName("refs/verified/\(ModelName(model).rawValue)")
    }

    /// Verifies the given models (all models, and all that have a checkpoint, when empty).
    ///
    /// - Parameters:
    ///   - acceptRewrite: make the current head the checkpoint even when it no longer
    ///     leads to the old one (after a legitimate rewrite by someone else; a pull that replays local events moves the checkpoint itself).
    ///   - recordCheckpoint: false to leave every checkpoint as it is (a read-only check, as `audit` makes).
    public func verify(models requested: [String] = [], acceptRewrite: Bool = false, recordCheckpoint: Bool = true) throws -> VerifyReport {
        let names: [String]
        if requested.isEmpty {
            let checkpointed = refs.names(prefix: "refs/verified/").map { String($0.rawValue.dropFirst("refs/verified/".count)) }
                .filter { ModelName(validating: $0) != nil }
            // A model whose head is damaged is verified too: it fails, named.
            names = Array(Set(try registry.models() + registry.damagedModels().map(\.model) + checkpointed)).sorted()
        } else {
            var seen = Set<String>()
            names = try requested.compactMap { model -> String? in
                try Names.validateModel(model)
                guard seen.insert(model).inserted else { return nil }
                // A damaged head is verified (and fails, named); only a model with neither head nor checkpoint is unknown.
                if case .success(nil) = Result(catching: { try registry.head(of: model) }), try refs.read(Self.checkpointRef(model)) == nil {
                    _ = try registry.existingState(of: model)  // throws the unknown-model error with hints
                }
                return model
            }
        }
        let context = VerifyContext(registry: registry)
        context.recordCheckpoint = recordCheckpoint
        return VerifyReport(models: names.map { verify(model: $0, acceptRewrite: acceptRewrite, context: context) })
    }

    /// State shared by the models of one run: objects already checked, the policy.
    final class VerifyContext {
        let registry: Registry
        var verified = Set<ObjectID>()
        var failed = Set<ObjectID>()
        /// The manifests of the current model's removed versions, whose files may be missing.
        var removed = Set<ObjectID>()
        private var loaded: Result<PromotionPolicy, any Error>?
        /// Signatures checked in this run, by event id (each is checked once).
        let signatures = SignatureCache()
        /// Whether a clean run moves the checkpoint.
        var recordCheckpoint = true

        init(registry: Registry) { self.registry = registry }

        var policy: Result<PromotionPolicy, any Error> {
            if let loaded { return loaded }
            let result = Result { try Governance(registry).policy() }
            loaded = result
            return result
        }
    }

    /// One event read from the chain.
    struct ChainLink {
        var id: ObjectID
        var event: Event
        var payload: [UInt8]
    }

    func verify(model: String, acceptRewrite: Bool, context: VerifyContext) -> VerifyReport.ModelReport {
        var report = VerifyReport.ModelReport(model: model)
        func problem(_ seq: Int64?, _ id: ObjectID?, _ message: String) {
            report.problems.append(.init(model: model, sequence: seq, event: id, message: message))
        }
        let checkpointRef: RefName
        let checkpoint: ObjectID?
        let head: ObjectID?
        do {
            checkpointRef = try Self.checkpointRef(model)
            checkpoint = try refs.read(checkpointRef)
            head = try registry.head(of: model)
        } catch {
            problem(nil, nil, "cannot read its refs: \(error)")
            return report
        }
        report.previousCheckpoint = checkpoint
        report.head = head
        guard let head else {
            problem(nil, checkpoint, "the model has no head any more, but its history was verified up to this event (\(checkpointRef.rawValue)): the history was deleted")
            return report
        }

        // 1. Walk from the head to the first event.
        var chain = [ChainLink]()
        var seen = Set<ObjectID>()
        var complete = false
        var next: ObjectID? = head
        while let id = next {
            let child = chain.last
            let expected = child.map { $0.event.sequence - 1 }
            let named = child.map { "named as the parent of #\($0.event.sequence) \($0.id.abbreviated())" } ?? "named by refs/models/\(model)/head"
            guard seen.insert(id).inserted else {
                problem(expected, id, "the chain loops back to this event")
                break
            }
            let payload: [UInt8]
            do {
                payload = try store.read(id, as: .event)
            } catch let e as StoreError where e.code == .notFound {
                problem(expected, id, "the event \(named) is missing (removed from the store)")
                break
            } catch {
                problem(expected, id, "the event \(named) is damaged or was altered: \(error)")
                break
            }
            report.objects += 1
            let event: Event
            do {
                event = try Event(json: JSONValue.parse(payload))
            } catch {
                problem(expected, id, "the event \(named) is not a valid event: \(error)")
                break
            }
            chain.append(ChainLink(id: id, event: event, payload: payload))
            next = event.parent
            if next == nil { complete = true }
        }
        report.events = chain.count

        // 2. Check each event, oldest first, replaying the state.
        var state = ModelState(model: model)
        var older: ChainLink?
        // Events up to the checkpoint passed an earlier run (under the policy of that time).
        let checkpointSequence = checkpoint.flatMap { c in chain.first { $0.id == c }?.event.sequence } ?? 0
        // The manifests of removed versions: their files may be gone (reclaimed by gc).
        context.removed = Set(chain.filter { $0.event.action == .remove }.compactMap(\.event.manifest))
        for link in chain.reversed() {
            let e = link.event
            var messages = [String]()
            func fail(_ message: String) { messages.append(message) }
            if e.model != model { fail("belongs to model '\(e.model)', not to \(model)") }
            if (try? JSONValue.parse(link.payload).canonicalBytes) != link.payload {
                fail("is not canonical JSON, so mreg did not write it")
            }
            if let older {
                if e.sequence != older.event.sequence + 1 {
                    fail("has sequence number \(e.sequence) but follows #\(older.event.sequence) \(older.id.abbreviated()): events were removed, reordered or forged")
                }
            } else if complete, e.sequence != 1 {
                fail("is the first event of the chain but has sequence number \(e.sequence): the events before it were cut off")
            }
            if complete, let message = replayProblem(e, state: state) { fail(message) }
            if let manifest = e.manifest { verifyManifest(manifest, event: link, report: &report, context: context, problems: &messages) }
            verifyGovernance(link, verifiedBefore: link.event.sequence <= checkpointSequence, report: &report, context: context, problems: &messages)
            if complete {
                verifyRules(link, state: state, verifiedBefore: link.event.sequence <= checkpointSequence, report: &report,
                            context: context, problems: &messages)
            }
            for message in messages { problem(e.sequence, link.id, message) }
            state.apply(e, id: link.id)
            older = link
        }
        report.versions = state.versions.count

        // 3. The head must still lead to the last verified event.
        if complete, let checkpoint, !seen.contains(checkpoint), !acceptRewrite {
            rewriteProblem(checkpoint: checkpoint, chain: chain, model: model, problem: problem)
            report.checkpoint = .rewritten
        }
        report.problems = report.problems.enumerated()
            .sorted { ($0.element.sequence ?? 0, $0.offset) < ($1.element.sequence ?? 0, $1.offset) }.map(\.element)
        if report.problems.isEmpty, context.recordCheckpoint {
            let status: VerifyReport.Checkpoint
            if let checkpoint {
                status = checkpoint == head ? .unchanged : seen.contains(checkpoint) ? .advanced : .accepted
            } else {
                status = .recorded
            }
            if status == .unchanged {
                report.checkpoint = status
            } else {
                do {
                    try refs.update(checkpointRef, to: head, expecting: checkpoint.map { .value($0) } ?? .absent)
                    report.checkpoint = status
                } catch {
                    report.warnings.append(.init(model: model, sequence: nil, event: head, message: "could not record the checkpoint \(checkpointRef.rawValue): \(error)"))
                }
            }
        }
        return report
    }

    /// Why an event does not fit the state its predecessors built, or nil.
    func replayProblem(_ e: Event, state: ModelState) -> String? {
        let v = e.version
        func known(_ v: Int64?) -> String? {
            guard let v else { return "names no version" }
            guard let info = state.versions[v] else {
                if let gone = state.removed[v] { return "names v\(v), which event \(gone.event.abbreviated()) removed on \(gone.removedAt)" }
                return "names v\(v), which the chain never registered"
            }
            if let m = e.manifest, m != info.manifest {
                return "names manifest \(m.abbreviated()) for v\(v), but v\(v) was registered as \(info.manifest.abbreviated())"
            }
            return nil
        }
        switch e.action {
        case .register:
            guard let v, e.manifest != nil else { return "registers no version or manifest" }
            let expected = (state.latestVersion ?? 0) + 1
            if v != expected { return "registers v\(v), but the next version is v\(expected)" }
            return nil
        case .tag:
            if let p = known(v) { return p }
            guard let tag = e.tag else { return "tags without a tag name" }
            if e.previous != state.tags[tag] {
                return "says tag '\(tag)' named \(e.previous.map { "v\($0)" } ?? "nothing") before, but the chain says \(state.tags[tag].map { "v\($0)" } ?? "nothing")"
            }
            return nil
        case .untag:
            guard let tag = e.tag else { return "removes no tag" }
            if state.tags[tag] != v { return "removes tag '\(tag)' from v\(v ?? 0), but the tag names \(state.tags[tag].map { "v\($0)" } ?? "nothing")" }
            return nil
        case .promote:
            if let p = known(v) { return p }
            guard let stage = e.stage else { return "promotes into no stage" }
            for a in e.approvals ?? [] {
                guard let approval = state.approvals[a] else { return "names approval \(a.abbreviated()), which is not an approval in force before it" }
                if approval.manifest != e.manifest || approval.stage != stage {
                    return "names approval \(a.abbreviated()), which approves another manifest or stage"
                }
            }
            if e.previous != state.stages[stage] {
                return "says \(stage) held \(e.previous.map { "v\($0)" } ?? "nothing") before, but the chain says \(state.stages[stage].map { "v\($0)" } ?? "nothing")"
            }
            return nil
        case .demote:
            guard let stage = e.stage else { return "demotes from no stage" }
            if state.stages[stage] != v { return "demotes v\(v ?? 0) from \(stage), but \(stage) holds \(state.stages[stage].map { "v\($0)" } ?? "nothing")" }
            return nil
        case .remove:
            if let v, state.removed[v] != nil { return "removes v\(v), which the chain removed before" }
            return known(v)
        case .approve:
            if let p = known(v) { return p }
            if e.signer == nil || e.signature == nil { return "approves v\(v ?? 0) without a signature" }
            return nil
        case .unapprove:
            guard let a = e.approval, let approval = state.approvals[a] else {
                return "withdraws approval \(e.approval?.abbreviated() ?? "?"), which is not an approval in force"
            }
            if approval.signer != e.signer { return "withdraws an approval signed by \(approval.signer ?? "nobody") but is signed by \(e.signer ?? "nobody")" }
            return nil
        }
    }

    /// Reads a manifest, every file it lists (checking sizes and digests) and the other objects it names.
    func verifyManifest(_ id: ObjectID, event link: ChainLink, report: inout VerifyReport.ModelReport,
                        context: VerifyContext, problems: inout [String]) {
        func fail(_ message: String) { problems.append(message) }
        guard !context.verified.contains(id), !context.failed.contains(id) else { return }
        let label = link.event.version.map { "the manifest of v\($0)" } ?? "manifest"
        let manifest: Manifest
        let payload: [UInt8]
        do {
            payload = try store.read(id, as: .manifest)
            manifest = try Manifest(json: JSONValue.parse(payload))
        } catch let e as StoreError where e.code == .notFound {
            context.failed.insert(id)
            fail("\(label), \(id.abbreviated()), is missing (removed from the store)")
            return
        } catch {
            context.failed.insert(id)
            fail("\(label), \(id.abbreviated()), is damaged or was altered: \(error)")
            return
        }
        report.objects += 1
        if link.event.action == .register, manifest.model != link.event.model {
            fail("\(label), \(id.abbreviated()), belongs to model '\(manifest.model)'")
        }
        var ok = true
        var fileObjects = Set<ObjectID>()
        // A removed version's files may be missing (reclaimed), never damaged.
        let removed = context.removed.contains(id)
        func reclaimed(_ error: any Error, _ object: ObjectID) -> Bool {
            guard removed else { return false }
            if (error as? StoreError)?.code == .notFound || !store.contains(object) { return true }
            // A chunk list whose chunks were reclaimed.
            guard let payload = try? store.read(object, as: .chunks), let chunks = try? Registry.links(type: .chunks, payload: payload) else { return false }
            return chunks.contains { !store.contains($0) }
        }
        for file in manifest.files {
            fileObjects.insert(file.object)
            guard !context.verified.contains(file.object) else { continue }
            do {
                try registry.streamFile(file) { report.bytes += Int64($0.count) }
                context.verified.insert(file.object)
                report.objects += 1
            } catch {
                if reclaimed(error, file.object) { continue }
                ok = false
                fail("file \(file.path) of \(label) (object \(file.object.abbreviated())) is damaged or missing: \(error)")
            }
        }
        // Stored dataset files, the base version's manifest: present and intact.
        for other in (try? Registry.links(type: .manifest, payload: payload)) ?? [] where !fileObjects.contains(other) && !context.verified.contains(other) {
            do {
                let reader = try store.openReader(other)
                if reader.header.type == .chunks {
                    try registry.streamContent(of: other) { _ in }
                } else {
                    while try reader.next() != nil {}
                }
                context.verified.insert(other)
                report.objects += 1
            } catch {
                if reclaimed(error, other) { continue }
                ok = false
                fail("object \(other.abbreviated()) named by \(label) is damaged or missing: \(error)")
            }
        }
        if ok { context.verified.insert(id) } else { context.failed.insert(id) }
    }

    /// The recorded verdict must be consistent, and every signature must verify.
    ///
    /// An unsigned promotion into a stage whose policy requires signatures is an error, unless an
    /// earlier clean run already verified it (`verifiedBefore`): then it is a warning. A verdict
    /// naming another policy digest excuses nothing (the digest is the event writer's claim).
    func verifyGovernance(_ link: ChainLink, verifiedBefore: Bool, report: inout VerifyReport.ModelReport,
                          context: VerifyContext, problems: inout [String]) {
        func fail(_ message: String) { problems.append(message) }
        let e = link.event
        var needsSignature = false
        var judgedUnder: String?
        if let recorded = e.verdict {
            do {
                let verdict = try PolicyVerdict(json: recorded)
                if !verdict.passed && !e.force {
                    fail("records a failed policy verdict (\(verdict.failureSummary)) but is not marked as forced")
                }
                needsSignature = verdict.rules.contains { $0.rule == "signed" }
                judgedUnder = verdict.policy
            } catch {
                fail("\(error)")
            }
        }
        guard e.signature != nil || e.signer != nil else {
            if needsSignature {
                fail("its policy verdict required a signature, but it has none")
            } else if e.action == .promote, let stage = e.stage, case .success(let policy) = context.policy, policy.rules(for: stage)?.signed == true {
                // Only a checkpoint (an earlier clean verify) excuses it: the verdict's policy digest is
                // written by whoever wrote the event, so "judged under another policy" proves nothing.
                if verifiedBefore {
                    report.warnings.append(.init(model: e.model, sequence: e.sequence, event: link.id,
                                                 message: "promotes into \(stage) without a signature: the policy requires one now, but an earlier verify accepted it"))
                } else {
                    fail("promotes into \(stage) without a signature, but the policy requires signed promotions there"
                         + (judgedUnder == nil ? " and the event records no policy verdict" : judgedUnder == policy.digest ? " and its verdict, under this same policy, has no signing rule" : " (its verdict names another policy, \(judgedUnder ?? ""): if the policy was tightened since, run 'mreg verify' once under the old policy to accept what it allowed)")
                         + ": it was not made by mreg promote under this policy (crafted or altered)")
                }
            }
            return
        }
        guard let signer = e.signer, let signature = e.signature else {
            fail(e.signer.map { "names a signer (\($0)) but has no signature" } ?? "has a signature but no signer")
            return
        }
        let allowed: String
        switch context.policy {
        case .failure(let error):
            fail("is signed by \(signer), but the policy that names the allowed signers cannot be read: \(error)")
            return
        case .success(let policy):
            guard let file = policy.allowedSigners else {
                fail("is signed by \(signer), but the policy names no allowed-signers file to check it against ([signing] allowed_signers in .mreg/policy.toml)")
                return
            }
            allowed = file
        }
        do {
            let bytes = try Event.signedBytes(payload: link.payload)
            let check = try SSHSignature.verify(bytes, signature: signature, principal: signer, allowedSigners: allowed, time: e.time)
            context.signatures.record(link.id, check)
            if check.valid {
                report.signatures.append(.init(sequence: e.sequence, event: link.id, signer: signer, fingerprint: check.fingerprint))
            } else {
                fail("its signature by \(signer) does not verify against \(allowed): \(Self.signatureFailure(check))")
            }
        } catch {
            fail("its signature by \(signer) cannot be checked: \(error)")
        }
    }

    /// The access rules (`eventRuleProblems`, the checker pull and the local commands share) applied
    /// to a recorded event. What they have against an event is a problem, or only a warning when an
    /// earlier clean run accepted the event (a checkpoint). The `signed` rule of a promotion is `verifyGovernance`'s.
    func verifyRules(_ link: ChainLink, state: ModelState, verifiedBefore: Bool, report: inout VerifyReport.ModelReport,
                     context: VerifyContext, problems: inout [String]) {
        guard case .success(let policy) = context.policy else { return }
        let e = link.event
        let found = eventRuleProblems(e, id: link.id, state: state, policy: policy, cache: context.signatures, signedRule: false)
        guard !found.isEmpty else { return }
        // Only a checkpoint (an earlier clean verify) makes these warnings: a verdict's policy
        // digest is the event writer's claim, not proof that another policy was in force.
        let judgedUnder = e.verdict.flatMap { try? PolicyVerdict(json: $0) }?.policy
        if verifiedBefore {
            for message in found {
                report.warnings.append(.init(model: e.model, sequence: e.sequence, event: link.id,
                                             message: "\(message) (under the policy now; an earlier verify accepted it)"))
            }
        } else {
            let named = judgedUnder != nil && judgedUnder != policy.digest ? "; its verdict names another policy" : ""
            let hint = named + "; if the policy changed after this event, run 'mreg verify' once under the policy it was written"
                + " under (or restore that policy); see 'mreg verify --help'"
            problems += found.map { "\($0) (a policy violation: it was not written by mreg under this policy\(hint))" }
        }
    }

    /// ssh-keygen's reason, or what its bare "Could not verify signature." means.
    static func signatureFailure(_ check: SSHSignature.Check) -> String {
        check.message.hasPrefix("Could not verify signature")
            ? "the key that signed is not allowed for this signer, or the event was changed after signing"
            : check.message
    }

    /// Names the first event that departs from the verified history.
    func rewriteProblem(checkpoint: ObjectID, chain: [ChainLink], model: String, problem: (Int64?, ObjectID?, String) -> Void) {
        let ref = (try? Self.checkpointRef(model).rawValue) ?? "refs/verified/\(model)"
        let hint = "if you know who rewrote it and why (a pull moves the checkpoint itself), accept it with 'mreg verify --accept-rewrite \(model)'"
        let index = Dictionary(chain.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        // Walk the verified history back to where it meets the current chain.
        var verifiedTip: Event?
        var cursor: ObjectID? = checkpoint
        var steps = 0
        while let id = cursor, index[id] == nil, steps < 1_000_000 {
            guard let event = try? Event.load(id, from: store) else { cursor = nil; break }
            if verifiedTip == nil { verifiedTip = event }
            cursor = event.parent
            steps += 1
        }
        let tip = verifiedTip.map { "#\($0.sequence) \(checkpoint.abbreviated())" } ?? checkpoint.abbreviated()
        guard let fork = cursor, let forkLink = index[fork] else {
            problem(verifiedTip?.sequence, checkpoint, "the history verified before (up to \(tip), \(ref)) cannot be followed back to the current chain: it was rewritten from its start or removed; \(hint)")
            return
        }
        if let head = chain.first, head.id == fork {
            problem(head.event.sequence, head.id, "refs/models/\(model)/head was moved back to this event: history was verified up to \(tip) (\(ref)); \(hint)")
        } else if let replacement = chain.first(where: { $0.event.parent == forkLink.id }) {
            problem(replacement.event.sequence, replacement.id, "replaces the verified history after #\(forkLink.event.sequence) (verified up to \(tip), \(ref)): the history was rewritten from here; \(hint)")
        }
    }
}
