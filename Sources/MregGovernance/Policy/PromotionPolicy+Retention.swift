import Foundation
import MregStore
import MregSupport
import MregRegistry

/// Reading `[retention]` of `policy.toml`: unknown keys, unknown stages and wrong types are
/// errors, like the rest of the policy (a typo must never remove what was meant to be kept).
extension PromotionPolicy {
    static let retentionKeys = ["keep_last", "keep_days", "keep_stages"]

    /// Interprets the `retention` table (`[retention]` and `[retention.models.NAME]`).
    static func retention(_ value: JSONValue, name: String, knownStages: [String]) throws -> RetentionPolicy {
        func bad(_ problem: String) -> RegistryError { .badInput(.invalidPolicy(file: name, problem: problem)) }
        guard case .object(let o) = value else { throw bad("'retention' must be a table: write [retention]") }
        var policy = RetentionPolicy()
        policy.defaults = try retentionRules(o.filter { $0.key != "models" }, place: "[retention]", name: name, knownStages: knownStages)
        if let models = o["models"] {
            guard case .object(let byModel) = models else {
                throw bad("'retention.models' must be tables: write [retention.models.MODEL]")
            }
            for model in byModel.keys.sorted() {
                let place = "[retention.models.\(model)]"
                guard (try? Names.validateModel(model)) != nil else { throw bad("\(place) does not name a valid model") }
                guard case .object(let m)? = byModel[model] else { throw bad("retention.models.\(model) must be a table: write \(place)") }
                policy.models[model] = try retentionRules(m, place: place, name: name, knownStages: knownStages)
            }
        }
        if policy.defaults.keepLast == nil && policy.defaults.keepDays == nil {
            throw bad("[retention] must set keep_last or keep_days (without either, prune would keep only what stages hold)")
        }
        return policy
    }

    static func retentionRules(_ o: [String: JSONValue], place: String, name: String, knownStages: [String]) throws -> RetentionPolicy.Rules {
        func bad(_ problem: String) -> RegistryError { .badInput(.invalidPolicy(file: name, problem: problem)) }
        for key in o.keys.sorted() where !retentionKeys.contains(key) {
            let also = place == "[retention]" ? ", and [retention.models.MODEL] tables" : ""
            throw bad("unknown key '\(key)' in \(place): use \(retentionKeys.joined(separator: ", "))\(also)")
        }
        func count(_ key: String, _ example: String) throws -> Int? {
            guard let v = o[key] else { return nil }
            // A TOML integer only: 2.0 and 1e3 are floats, refused as 1.5 is (FORMAT.md §4.1).
            guard case .int(let n) = v, n >= 0, n < 1 << 31 else { throw bad("\(key) in \(place) must be a whole number from 0 to \((1 << 31) - 1), e.g. \(key) = \(example)") }
            return Int(n)
        }
        var rules = RetentionPolicy.Rules()
        rules.keepLast = try count("keep_last", "5")
        rules.keepDays = try count("keep_days", "30")
        if let v = o["keep_stages"] {
            guard let items = v.arrayValue, items.allSatisfy({ $0.stringValue != nil }) else {
                throw bad("keep_stages in \(place) must be a list of stages, e.g. keep_stages = [\"production\", \"staging\"]")
            }
            let stages = items.compactMap(\.stringValue)
            for s in stages { try check(stage: s, in: "keep_stages in \(place)", name: name, knownStages: knownStages) }
            rules.keepStages = stages
        }
        return rules
    }
}

extension PromotionPolicy {
    static let removalKeys = ["require_reason", "signed"]

    /// Interprets the `[removal]` table.
    static func removal(_ value: JSONValue, name: String) throws -> RemovalRules {
        func bad(_ problem: String) -> RegistryError { .badInput(.invalidPolicy(file: name, problem: problem)) }
        guard case .object(let o) = value else { throw bad("'removal' must be a table: write [removal]") }
        for key in o.keys.sorted() where !removalKeys.contains(key) {
            throw bad("unknown key '\(key)' in [removal]: use \(removalKeys.joined(separator: ", "))")
        }
        func flag(_ key: String) throws -> Bool {
            guard let v = o[key] else { return false }
            guard let b = v.boolValue else { throw bad("\(key) in [removal] must be true or false") }
            return b
        }
        var rules = RemovalRules()
        rules.requireReason = try flag("require_reason")
        rules.signed = try flag("signed")
        return rules
    }
}
