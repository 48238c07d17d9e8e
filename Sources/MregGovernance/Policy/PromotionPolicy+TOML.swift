import Foundation
import MregStore
import MregSupport
import MregRegistry
import MregFilter

/// Reading `policy.toml`. Unknown keys, unknown stages, bad gates and wrong types are
/// errors: a typo must never silently weaken a policy.
extension PromotionPolicy {
    static let stageKeys = ["from", "require", "no_regression", "card_fields", "require_reason", "signed", "allow_force",
                            "signers", "approvals", "approvers", "separation_of_duties", "approval_max_age_days"]
    static let signingKeys = ["allowed_signers"]

    /// Reads the policy of the store at `root` (the `.mreg` folder); an empty policy when there is no file.
    public static func load(root: String, knownStages: [String]) throws -> PromotionPolicy {
        let path = "\(root)/\(fileName)"
        guard let data = FileManager.default.contents(atPath: path) else {
            if FileManager.default.fileExists(atPath: path) {
                throw RegistryError.io(.init("read", path, reason: "check its permissions"))
            }
            return PromotionPolicy()
        }
        var policy = try parse(bytes: Array(data), path: path, root: root, knownStages: knownStages)
        policy.digest = digest(policy: Array(data), allowedSignersAt: policy.allowedSigners)
        policy.legacyDigest = Digest.sha256(Array(data))
        return policy
    }

    /// Parses a policy's text; `path` names it in messages, `root` anchors relative paths.
    public static func parse(_ text: String, path: String = fileName, root: String, knownStages: [String]) throws -> PromotionPolicy {
        try parse(bytes: Array(text.utf8), path: path, root: root, knownStages: knownStages)
    }

    /// Parses a policy file's bytes, which must be UTF-8 (checked with the TOML, with a line and column).
    static func parse(bytes: [UInt8], path: String, root: String, knownStages: [String]) throws -> PromotionPolicy {
        let name = (path as NSString).lastPathComponent
        let table: [String: TOMLValue]
        do {
            table = try TOMLReader.parse(bytes)
        } catch {
            throw RegistryError.badInput(.invalidPolicy(file: path, problem: "not valid TOML: \(error)"))
        }
        guard case .object(let top) = ParamsLoader.fromTOML(.table(table)) else { return PromotionPolicy() }
        var policy = PromotionPolicy()
        policy.path = path
        for key in top.keys.sorted() where !["stages", "signing", "retention", "removal", "groups", "tags"].contains(key) {
            throw RegistryError.badInput(.invalidPolicy(file: name, problem: "unknown section '\(key)': use [stages.STAGE], [tags.TAG], [groups], [signing], [removal] and [retention]"))
        }
        if let groups = top["groups"] {
            policy.groups = try Self.groups(groups, name: name)
        }
        if let tags = top["tags"] {
            policy.tags = try Self.tagRules(tags, name: name)
        }
        if let retention = top["retention"] {
            policy.retention = try Self.retention(retention, name: name, knownStages: knownStages)
        }
        if let removal = top["removal"] {
            policy.removal = try Self.removal(removal, name: name)
        }
        if let stages = top["stages"] {
            guard case .object(let byStage) = stages else {
                throw RegistryError.badInput(.invalidPolicy(file: name, problem: "'stages' must be tables: write [stages.production]"))
            }
            for stage in byStage.keys.sorted() {
                try check(stage: stage, in: "[stages.\(stage)]", name: name, knownStages: knownStages)
                guard case .object(let o)? = byStage[stage] else {
                    throw RegistryError.badInput(.invalidPolicy(file: name, problem: "stages.\(stage) must be a table: write [stages.\(stage)]"))
                }
                policy.stages[stage] = try stageRules(o, stage: stage, name: name, knownStages: knownStages)
            }
        }
        if let signing = top["signing"] {
            guard case .object(let o) = signing else {
                throw RegistryError.badInput(.invalidPolicy(file: name, problem: "'signing' must be a table: write [signing]"))
            }
            for key in o.keys.sorted() where !signingKeys.contains(key) {
                throw RegistryError.badInput(.invalidPolicy(file: name, problem: "unknown key '\(key)' in [signing]: use allowed_signers"))
            }
            if let v = o["allowed_signers"] {
                guard let file = v.stringValue, !file.isEmpty else {
                    throw RegistryError.badInput(.invalidPolicy(file: name, problem: "[signing] allowed_signers must be a file name (relative to .mreg/)"))
                }
                policy.allowedSigners = file.hasPrefix("/") ? file : "\(root)/\(file)"
            }
        }
        try policy.checkPrincipals(name: name)
        if policy.allowedSigners == nil, policy.removal?.signed == true {
            throw RegistryError.badInput(.invalidPolicy(file: name, problem: "[removal] requires signatures but no allowed-signers file is named: add [signing] allowed_signers = \"allowed_signers\""))
        }
        if policy.allowedSigners == nil, let stage = policy.stages.keys.sorted().first(where: { policy.stages[$0]?.signed == true }) {
            throw RegistryError.badInput(.invalidPolicy(file: name, problem: "[stages.\(stage)] requires signatures but no allowed-signers file is named: add [signing] allowed_signers = \"allowed_signers\""))
        }
        return policy
    }

    static func check(stage: String, in place: String, name: String, knownStages: [String]) throws {
        guard (try? Names.validateStage(stage)) != nil, knownStages.contains(stage) else {
            throw RegistryError.badInput(.invalidPolicy(file: name, problem: "\(place) names unknown stage '\(stage)' (stages are \(knownStages.joined(separator: ", ")); set registry.stages to change them)"))
        }
    }

    static func stageRules(_ o: [String: JSONValue], stage: String, name: String, knownStages: [String]) throws -> StageRules {
        let place = "[stages.\(stage)]"
        for key in o.keys.sorted() where !stageKeys.contains(key) {
            throw RegistryError.badInput(.invalidPolicy(file: name, problem: "unknown key '\(key)' in \(place): use \(stageKeys.joined(separator: ", "))"))
        }
        func strings(_ key: String) throws -> [String]? {
            guard let v = o[key] else { return nil }
            guard let items = v.arrayValue, items.allSatisfy({ $0.stringValue != nil }) else {
                throw RegistryError.badInput(.invalidPolicy(file: name, problem: "\(key) in \(place) must be a list of strings, e.g. \(key) = [\"...\"]"))
            }
            return items.compactMap(\.stringValue)
        }
        func flag(_ key: String) throws -> Bool {
            guard let v = o[key] else { return false }
            guard let b = v.boolValue else {
                throw RegistryError.badInput(.invalidPolicy(file: name, problem: "\(key) in \(place) must be true or false"))
            }
            return b
        }
        var rules = StageRules()
        if let from = try strings("from") {
            for s in from { try check(stage: s, in: "from in \(place)", name: name, knownStages: knownStages) }
            rules.from = from
        }
        if let v = o["require"] {
            guard let text = v.stringValue else {
                throw RegistryError.badInput(.invalidPolicy(file: name, problem: "require in \(place) must be a quoted condition, e.g. require = \"metrics.auc >= 0.9\""))
            }
            do {
                rules.require = try GateExpression(text, stages: knownStages)
            } catch let e as RegistryError {
                throw RegistryError.badInput(.invalidPolicy(file: name, problem: "require in \(place): \(e)"))
            }
        }
        if let v = o["no_regression"] {
            guard let items = v.arrayValue else {
                throw RegistryError.badInput(.invalidPolicy(file: name, problem: "no_regression in \(place) must be a list, e.g. no_regression = [\"auc\"]"))
            }
            rules.noRegression = try items.map { try regressionRule($0, place: place, name: name) }
        }
        if let fields = try strings("card_fields") {
            let known = ModelCard.fields + ["title"]
            for f in fields where !known.contains(f) {
                throw RegistryError.badInput(.invalidPolicy(file: name, problem: "card_fields in \(place) names '\(f)', which mreg never records from a model card (it records \(known.joined(separator: ", ")))"))
            }
            rules.cardFields = fields
        }
        rules.requireReason = try flag("require_reason")
        rules.signed = try flag("signed")
        rules.allowForce = try flag("allow_force")
        rules.signers = try strings("signers")
        rules.approvers = try strings("approvers")
        rules.separationOfDuties = try flag("separation_of_duties")
        func count(_ key: String, minimum: Int64) throws -> Int? {
            guard let v = o[key] else { return nil }
            guard let n = v.intValue, n >= minimum, n <= 1000 else {
                throw RegistryError.badInput(.invalidPolicy(file: name, problem: "\(key) in \(place) must be a whole number from \(minimum) to 1000"))
            }
            return Int(n)
        }
        rules.approvals = try count("approvals", minimum: 0) ?? 0
        rules.approvalMaxAgeDays = try count("approval_max_age_days", minimum: 1)
        if rules.approvals == 0 {
            for key in ["approvers", "separation_of_duties", "approval_max_age_days"] where o[key] != nil {
                throw RegistryError.badInput(.invalidPolicy(file: name, problem: "\(key) in \(place) has no effect without approvals = N (N >= 1): add it or remove \(key)"))
            }
        }
        return rules
    }

    /// `"auc"`, `"metrics.auc"`, or `{ metric = "latency_ms", better = "lower", tolerance = 0.5 }`.
    static func regressionRule(_ v: JSONValue, place: String, name: String) throws -> RegressionRule {
        func metricName(_ s: String) throws -> String {
            let m = s.hasPrefix("metrics.") ? String(s.dropFirst("metrics.".count)) : s
            guard !m.isEmpty else { throw RegistryError.badInput(.invalidPolicy(file: name, problem: "no_regression in \(place) has an empty metric name")) }
            return m
        }
        if let s = v.stringValue { return RegressionRule(metric: try metricName(s)) }
        guard case .object(let o) = v, let m = o["metric"]?.stringValue else {
            throw RegistryError.badInput(.invalidPolicy(file: name, problem: "no_regression entries in \(place) are metric names or { metric = \"NAME\", better = \"higher\"|\"lower\", tolerance = N }"))
        }
        for key in o.keys.sorted() where !["metric", "better", "tolerance"].contains(key) {
            throw RegistryError.badInput(.invalidPolicy(file: name, problem: "unknown key '\(key)' in a no_regression entry of \(place): use metric, better, tolerance"))
        }
        var rule = RegressionRule(metric: try metricName(m))
        if let b = o["better"] {
            switch b.stringValue {
            case "higher": rule.higherIsBetter = true
            case "lower": rule.higherIsBetter = false
            default: throw RegistryError.badInput(.invalidPolicy(file: name, problem: "better in a no_regression entry of \(place) must be \"higher\" or \"lower\""))
            }
        }
        if let t = o["tolerance"] {
            guard let d = t.doubleValue, d >= 0 else {
                throw RegistryError.badInput(.invalidPolicy(file: name, problem: "tolerance in a no_regression entry of \(place) must be a number >= 0"))
            }
            rule.tolerance = d
        }
        return rule
    }
}
