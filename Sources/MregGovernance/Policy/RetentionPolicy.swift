import Foundation
import MregStore
import MregSupport
import MregRegistry

/// Which versions `mreg prune` keeps, read from `[retention]` in `.mreg/policy.toml`
/// (see FORMAT.md §4):
///
///     [retention]
///     keep_last = 5                 # the 5 newest live versions of each model
///     keep_days = 30                # anything registered in the last 30 days
///     keep_stages = ["production"]  # what a stage holds now (default: every stage but archived)
///
///     [retention.models.fraud]      # per-model overrides of the keys above
///     keep_last = 20
///
/// A live version is kept when any rule keeps it; `prune` removes the others.
public struct RetentionPolicy: Sendable, Equatable {
    /// The rules for one model (or the defaults): a nil key is not set.
    public struct Rules: Sendable, Equatable {
        public var keepLast: Int?
        public var keepDays: Int?
        public var keepStages: [String]?

        public init(keepLast: Int? = nil, keepDays: Int? = nil, keepStages: [String]? = nil) {
            self.keepLast = keepLast
            self.keepDays = keepDays
            self.keepStages = keepStages
        }

        /// These rules with `other`'s set keys taking their place.
        func overridden(by other: Rules) -> Rules {
            Rules(keepLast: other.keepLast ?? keepLast, keepDays: other.keepDays ?? keepDays, keepStages: other.keepStages ?? keepStages)
        }
    }

    /// `[retention]`.
    public var defaults = Rules()
    /// `[retention.models.NAME]`.
    public var models: [String: Rules] = [:]

    public init() {}

    /// The rules that apply to `model`.
    public func rules(for model: String) -> Rules {
        models[model].map { defaults.overridden(by: $0) } ?? defaults
    }

    /// The stages whose versions are kept under `rules` (default: every stage but `archived`).
    public static func keptStages(_ rules: Rules, stages: [String]) -> Set<String> {
        Set(rules.keepStages ?? stages.filter { $0 != "archived" })
    }

    /// The live versions of `state` that no rule keeps, oldest first.
    ///
    /// - Parameter now: the time `keep_days` counts back from.
    public func unkept(in state: ModelState, stages: [String], now: Date) -> [Int64] {
        decisions(in: state, stages: stages, now: now).filter { $0.keptBy.isEmpty }.map(\.version)
    }

    /// Every live version of `state`, oldest first, with the rules that keep it
    /// (`keep_last = 5`, `keep_days = 30`, `stage production`); empty for one prune removes.
    public func decisions(in state: ModelState, stages: [String], now: Date) -> [(version: Int64, keptBy: [String])] {
        let rules = rules(for: state.model)
        let keptStages = Self.keptStages(rules, stages: stages)
        let newestFirst = state.versions.keys.sorted(by: >)
        var keptBy = [Int64: [String]]()
        if let last = rules.keepLast {
            for v in newestFirst.prefix(max(0, last)) { keptBy[v, default: []].append("keep_last = \(last)") }
        }
        if let days = rules.keepDays {
            let since = now.addingTimeInterval(-Double(days) * 86_400)
            for v in newestFirst {
                if let info = state.versions[v], let t = Timestamp.parse(info.registeredAt), t >= since {
                    keptBy[v, default: []].append("keep_days = \(days)")
                }
            }
        }
        for (stage, v) in state.stages.sorted(by: { $0.key < $1.key }) where keptStages.contains(stage) && state.versions[v] != nil {
            keptBy[v, default: []].append("stage \(stage)")
        }
        return newestFirst.reversed().map { ($0, keptBy[$0] ?? []) }
    }
}
