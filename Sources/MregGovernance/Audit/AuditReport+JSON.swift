import MregStore
import MregSupport
import MregRegistry

/// The JSON report (schema `mreg.audit/1`, documented in Docs/COMMANDS.md).
extension AuditReport {
    public var json: JSONValue {
        let counts = signatureCounts
        return [
            "schema": .string(Self.schema),
            "generated": .string(generated), "generated_by": JSONValue(generatedBy), "store": JSONValue(store),
            "models": .array(models.map { .string($0) }),
            "since": JSONValue(since), "until": JSONValue(until),
            "policy": ["digest": JSONValue(policyDigest), "error": JSONValue(policyError), "allowed_signers": JSONValue(allowedSigners)],
            "verification": [
                "ok": .bool(verified),
                "models": .array(chains.map {
                    ["model": .string($0.model), "ok": .bool($0.ok), "events": JSONValue($0.events),
                     "head": JSONValue($0.head?.hex), "problem": JSONValue($0.problem)]
                }),
            ],
            "signatures": .object(Dictionary(uniqueKeysWithValues: SignatureStatus.allCases.map {
                ($0.rawValue.replacingOccurrences(of: " ", with: "_"), JSONValue(counts[$0] ?? 0))
            })),
            "rows": .array(rows.map(\.json)),
        ]
    }
}

extension AuditReport.Row {
    /// One row of the JSON report.
    public var json: JSONValue {
        var verdict = JSONValue.null
        if let verdictPassed {
            verdict = ["passed": .bool(verdictPassed), "policy": JSONValue(verdictPolicy),
                       "failed_rules": .array(failedRules.map { .string($0) }),
                       "checked_now": .bool(checkedNow), "governed": .bool(governed)]
        }
        return [
            "time": .string(time), "model": .string(model), "seq": .int(sequence), "event": .string(event.hex),
            "version": JSONValue(version), "previous": JSONValue(previous), "action": .string(action), "stage": JSONValue(stage), "tag": JSONValue(tag),
            "actor": .string(actor), "signer": JSONValue(signer), "signature": JSONValue(signature?.rawValue),
            "signature_detail": JSONValue(signatureDetail), "reason": JSONValue(reason), "verdict": verdict,
            "forced": .bool(forced), "approvals": .array(approvals.map { .string($0) }), "approvers": .array(approvers.map { .string($0) }),
            "revokes": JSONValue(revokes), "revoked_approver": JSONValue(revokedApprover),
            "manifest": JSONValue(manifest?.hex), "weights_digest": JSONValue(weightsDigest),
            "datasets": .array(datasets.map { ["name": .string($0.name), "digest": JSONValue($0.digest)] }),
            "metrics": .object(Dictionary(metrics.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })),
            "violations": .array(violations.map { .string($0) }),
        ]
    }
}
