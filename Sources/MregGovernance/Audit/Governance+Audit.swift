import Foundation
import MregStore
import MregSupport
import MregRegistry

/// `mreg audit`: the report for auditors, built from the event chains.
extension Governance {
    /// Builds the audit report of `models` (all models when empty), with events from `since`
    /// through `until` (inclusive; nil: unbounded): models in name order, each model's events
    /// in chain order (oldest first; recorded times are not trusted to order them).
    ///
    /// Verifies each chain as `verify` does (without moving its checkpoint), reads every
    /// event including kinds this version does not replay (`approve`, `unapprove`), and
    /// classifies every signature `verify` did not find good (checked against the
    /// allowed-signers file at the event's time), `signatureWidth` at once.
    ///
    /// - Throws: `RegistryError.notFound` for a model with neither head nor checkpoint.
    public func audit(models requested: [String] = [], since: Date? = nil, until: Date? = nil,
                      signatureWidth: Int = max(4, Parallel.cores * 2)) throws -> AuditReport {
        let verification = try verify(models: requested, recordCheckpoint: false)
        let policy = Result { try self.policy() }
        var report = AuditReport(
            generated: try Timestamp.now(), models: verification.models.map(\.model),
            since: since.map { Timestamp.format($0) }, until: until.map { Timestamp.format($0) },
            policyDigest: (try? policy.get())?.digest,
            policyError: { () -> String? in if case .failure(let e) = policy { return "\(e)" } else { return nil } }(),
            allowedSigners: (try? policy.get())?.allowedSigners,
            chains: verification.models.map {
                AuditReport.ChainStatus(model: $0.model, ok: $0.ok, events: $0.events, head: $0.head,
                                        problem: $0.problems.first.map { "\($0)" })
            },
            rows: [])
        var pending = [(row: AuditReport.Row, payload: [UInt8])]()
        var manifests = [ObjectID: Manifest?]()
        for model in report.models {
            var signers = [String: String]()  // approve event id → its signer
            for link in chainLinks(of: model) {
                if link.json["action"]?.stringValue == "approve" { signers[link.id.hex] = link.json["signer"]?.stringValue ?? "" }
                guard var row = auditRow(link.json, id: link.id, model: model, versions: link.versions, manifests: &manifests) else { continue }
                row.approvers = row.approvals.map { signers[$0] ?? "" }
                row.revokedApprover = row.revokes.map { signers[$0] ?? "" }
                if let current = try? policy.get() { Self.checkMoveNow(&row, json: link.json, policy: current) }
                let time = Timestamp.parse(row.time)
                if let since, (time ?? .distantPast) < since { continue }
                if let until, (time ?? .distantFuture) > until { continue }
                pending.append((row, link.payload))
            }
        }
        let allowed = report.allowedSigners
        // verify has checked each signature once already: the good ones are not checked again.
        let verifiedGood = Set(verification.models.flatMap(\.signatures).map(\.event))
        let items = pending.map { (payload: $0.payload, signer: $0.row.signer, time: $0.row.time, good: verifiedGood.contains($0.row.event)) }
        let checked = try Parallel.map(items, width: signatureWidth) { item -> (status: SignatureStatus?, detail: String?) in
            if item.good { return (.good, nil) }
            return SignatureStatus.check(payload: item.payload, signer: item.signer,
                                  signature: (try? JSONValue.parse(item.payload))?["signature"]?.stringValue,
                                  time: item.time, allowedSigners: allowed)
        }
        // What verify has against each event: a policy violation or a forged link is flagged on its row.
        var violations = [ObjectID: [String]]()
        for problem in verification.models.flatMap(\.problems) {
            if let id = problem.event { violations[id, default: []].append(problem.message) }
        }
        report.rows = zip(pending, checked).map { item, check in
            var row = item.row
            row.signature = check.status
            row.signatureDetail = check.detail
            row.violations = violations[row.event] ?? []
            return row
        }
        report.store = (repository.root as NSString).deletingLastPathComponent
        report.generatedBy = (try? identity())?.display
        return report
    }

    /// A demote, tag or untag records no verdict: its row gets the verdict of the event-rules
    /// checker (`moveVerdict`) under the policy in force now, marked as checked now (nothing
    /// when the store has no policy, or the event cannot be read). A promotion recorded without
    /// a verdict (into a stage with no rules) gets `no rules`, checked now, while its stage has none.
    static func checkMoveNow(_ row: inout AuditReport.Row, json: JSONValue, policy: PromotionPolicy) {
        guard row.verdictPassed == nil, let digest = policy.digest else { return }
        if row.action == "promote", let stage = row.stage, policy.rules(for: stage) == nil {
            row.checkedNow = true
            row.verdictPassed = true
            row.verdictPolicy = digest
            row.governed = false
            return
        }
        guard ["demote", "tag", "untag"].contains(row.action), let event = try? Event(json: json) else { return }
        row.checkedNow = true
        guard let verdict = moveVerdict(event, policy: policy, signer: event.signer) else {
            row.verdictPassed = true
            row.verdictPolicy = digest
            row.governed = false
            return
        }
        row.verdictPassed = verdict.passed
        row.verdictPolicy = verdict.policy
        row.failedRules = verdict.failures.map(\.rule)
    }

    /// One event as stored, with the versions (number to manifest) registered up to it.
    struct AuditLink {
        var id: ObjectID
        var payload: [UInt8]
        var json: JSONValue
        var versions: [Int64: ObjectID]
    }

    /// A model's readable events, oldest first; the walk stops at the first damaged or missing
    /// event (which the verification names).
    func chainLinks(of model: String) -> [AuditLink] {
        var newestFirst = [(ObjectID, [UInt8], JSONValue)]()
        var seen = Set<ObjectID>()
        var next = try? registry.head(of: model)
        while let id = next, seen.insert(id).inserted {
            guard let payload = try? store.read(id, as: .event), let json = try? JSONValue.parse(payload),
                  json["model"]?.stringValue == model else { break }
            newestFirst.append((id, payload, json))
            next = json["parent"]?.stringValue.flatMap { ObjectID(parsing: $0) }
        }
        var versions = [Int64: ObjectID]()
        return newestFirst.reversed().map { id, payload, json in
            if json["action"]?.stringValue == "register", let v = json["version"]?.intValue,
               let m = json["manifest"]?.stringValue.flatMap({ ObjectID(parsing: $0) }) {
                versions[v] = m
            }
            return AuditLink(id: id, payload: payload, json: json, versions: versions)
        }
    }

    /// The row of one event (nil when it names no action), its signature not yet checked.
    func auditRow(_ o: JSONValue, id: ObjectID, model: String, versions: [Int64: ObjectID],
                  manifests: inout [ObjectID: Manifest?]) -> AuditReport.Row? {
        guard let action = o["action"]?.stringValue else { return nil }
        let version = o["version"]?.intValue
        var row = AuditReport.Row(
            time: o["time"]?.stringValue ?? "", model: model, sequence: o["seq"]?.intValue ?? 0, event: id, version: version,
            action: action, stage: o["stage"]?.stringValue, tag: o["tag"]?.stringValue, actor: o["actor"]?.stringValue ?? "",
            signer: o["signer"]?.stringValue, signature: nil,
            // `force` on a promotion overrode a failed verdict; on a tag, `tag -f` moved it from another version.
            reason: o["reason"]?.stringValue, forced: o["force"]?.boolValue ?? false)
        if let verdict = o["verdict"], verdict != .null {
            row.verdictPassed = verdict["passed"]?.boolValue ?? false
            row.verdictPolicy = verdict["policy"]?.stringValue
            row.failedRules = (verdict["rules"]?.arrayValue ?? []).compactMap { rule in
                rule["passed"]?.boolValue == true ? nil : rule["rule"]?.stringValue
            }
        }
        if ["promote", "tag"].contains(action) { row.previous = o["previous"]?.intValue }
        if let used = o["approvals"]?.arrayValue {
            row.approvals = used.compactMap(\.stringValue)
        } else if let withdrawn = o["approval"]?.stringValue {
            row.revokes = withdrawn
        }
        row.manifest = o["manifest"]?.stringValue.flatMap { ObjectID(parsing: $0) } ?? version.flatMap { versions[$0] }
        if let id = row.manifest {
            if manifests[id] == nil { manifests[id] = .some(try? Manifest.load(id, from: store)) }
            if let manifest = manifests[id] ?? nil {
                row.weightsDigest = Self.weightsDigest(manifest)
                row.datasets = manifest.datasets.compactMap { d in
                    d["name"]?.stringValue.map { AuditReport.Dataset(name: $0, digest: d["digest"]?.stringValue) }
                }
                row.metrics = JSONValue.sortedByUTF8(manifest.metrics.keys).compactMap { name -> (name: String, value: JSONValue)? in
                    guard let value = manifest.metrics[name] else { return nil }
                    switch value {
                    case .int, .double, .string, .bool: return (name, value)
                    default: return nil
                    }
                }
            }
        }
        return row
    }

    /// `sha256:` of the version's files listed as `sha256sum` does (`<hex>  <path>\n`), sorted by path.
    static func weightsDigest(_ manifest: Manifest) -> String {
        let lines = manifest.files.sorted { JSONValue.utf8Precedes($0.path, $1.path) }.map { file in
            let hex = file.digest.hasPrefix("sha256:") ? String(file.digest.dropFirst("sha256:".count)) : file.digest
            return "\(hex)  \(file.path)\n"
        }
        return Digest.sha256(Array(lines.joined().utf8))
    }
}
