import MregStore
import MregSupport
import MregRegistry
import MregFilter
/// Judging one promotion against a stage's rules.
extension PromotionPolicy.StageRules {
    /// Evaluates every rule the stage sets, in a fixed order.
    ///
    /// - Parameters:
    ///   - candidate: the manifest of the version to promote (`version`).
    ///   - state: the model's state before the promotion (for `from`).
    ///   - current: the version the stage holds now and its manifest (for `no_regression`).
    ///   - signer: the principal that will sign the event, if it is signed.
    ///   - policyDigest: recorded in the verdict.
    ///   - registration: the author and time of a version not registered yet (`register --stage`).
    public func evaluate(candidate: Manifest, version: Int64, stage: String, state: ModelState,
                         current: (version: Int64, manifest: Manifest)?, reason: String?, signer: String?,
                         policyDigest: String, registration: (author: String, created: String)? = nil) -> PolicyVerdict {
        typealias Result = PolicyVerdict.RuleResult
        var results = [Result]()
        if let from {
            let holding = state.stages(of: version)
            if let s = from.first(where: holding.contains) {
                results.append(Result(rule: "from", passed: true, detail: "v\(version) is in \(s)"))
            } else {
                let now = holding.isEmpty ? "it is in no stage" : "it is in \(holding.joined(separator: ", "))"
                results.append(Result(rule: "from", passed: false,
                                      detail: "v\(version) must be in \(from.joined(separator: " or ")) to enter \(stage) (\(now))"))
            }
        }
        if let require {
            let subject = GateExpression.Subject(manifest: candidate, version: version, state: state, registration: registration)
            if require.evaluate(subject) {
                results.append(Result(rule: "require", passed: true, detail: "'\(require.source)' holds (\(require.fieldValues(subject)))"))
            } else {
                let falses = require.falseComparisons(subject)
                let detail = falses.isEmpty ? "'\(require.source)' is false (\(require.fieldValues(subject)))" : falses.joined(separator: ", ")
                results.append(Result(rule: "require", passed: false, detail: detail))
            }
        }
        if !noRegression.isEmpty {
            results.append(regression(candidate: candidate, version: version, stage: stage, current: current))
        }
        if !cardFields.isEmpty {
            let card = candidate.card.objectValue ?? [:]
            let missing = cardFields.filter { !Self.isPresent(card[$0]) }
            if missing.isEmpty {
                let shown = cardFields.map { f in
                    let value = card[f] ?? .null
                    return "\(f) = \(value.arrayValue.map { $0.map(\.displayText).joined(separator: ", ") } ?? value.displayText)"
                }
                results.append(Result(rule: "card_fields", passed: true, detail: shown.joined(separator: "; ")))
            } else {
                results.append(Result(rule: "card_fields", passed: false, detail: "the model card of v\(version) lacks \(missing.joined(separator: ", "))"))
            }
        }
        if requireReason {
            let given = !(reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
            results.append(Result(rule: "require_reason", passed: given, detail: given ? "reason given" : "promotions to \(stage) need --reason"))
        }
        if signed {
            results.append(signer.map { Result(rule: "signed", passed: true, detail: "signed by \($0)") }
                           ?? Result(rule: "signed", passed: false, detail: "promotions to \(stage) must be signed (--sign with user.signingKey set)"))
        }
        return PolicyVerdict(policy: policyDigest, rules: results)
    }

    func regression(candidate: Manifest, version: Int64, stage: String,
                    current: (version: Int64, manifest: Manifest)?) -> PolicyVerdict.RuleResult {
        guard let current else {
            return .init(rule: "no_regression", passed: true, detail: "\(stage) holds no version to compare with")
        }
        var ok = true
        var parts = [String]()
        for rule in noRegression {
            let name = rule.metric
            guard let newValue = candidate.metrics[name] else {
                ok = false
                parts.append("v\(version) has no metric \(name)")
                continue
            }
            guard let new = newValue.doubleValue else {
                ok = false
                parts.append("\(name) of v\(version) is not a number (\(newValue.displayText))")
                continue
            }
            guard let oldValue = current.manifest.metrics[name], let old = oldValue.doubleValue else {
                parts.append("\(name) \(newValue.displayText): v\(current.version) has no number to compare")
                continue
            }
            let oldText = oldValue.displayText
            let better = rule.higherIsBetter ? new >= old - rule.tolerance : new <= old + rule.tolerance
            let relation = new == old ? "=" : (new > old ? ">" : "<")
            let tolerance = rule.tolerance == 0 ? "" : " (tolerance \(JSONValue.double(rule.tolerance).displayText))"
            let lower = rule.higherIsBetter ? "" : ", lower is better"
            parts.append("\(name) \(newValue.displayText) \(relation) \(oldText) of v\(current.version)\(lower)\(tolerance)\(better ? "" : ": worse")")
            if !better { ok = false }
        }
        return .init(rule: "no_regression", passed: ok, detail: parts.joined(separator: "; "))
    }

    /// A card field counts when it is there and not null, blank or an empty list.
    static func isPresent(_ value: JSONValue?) -> Bool {
        switch value {
        case nil, .null?: return false
        case .string(let s)?: return !s.trimmingCharacters(in: .whitespaces).isEmpty
        case .array(let a)?: return !a.isEmpty
        default: return true
        }
    }
}
