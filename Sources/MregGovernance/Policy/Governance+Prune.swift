import Foundation
import MregStore
import MregSupport
import MregRegistry

/// `mreg prune`: applies the retention policy by removing (tombstoning, as `rm` does) every
/// live version no rule keeps. A later `gc` reclaims their files.
extension Governance {
    /// The reason recorded in the remove events `prune` appends.
    public static let retentionReason = "retention policy"

    /// One version `prune` removed (or, dry, would remove).
    public struct PrunedVersion: Sendable, Equatable {
        public var model: String
        public var version: Int64
        public var manifest: ObjectID
        /// The remove event (nil on a dry run).
        public var event: ObjectID?
        /// Its actor and time (nil on a dry run).
        public var actor: String?
        public var time: String?
    }

    /// One version the retention policy keeps, and the rules that keep it.
    public struct KeptVersion: Sendable, Equatable {
        public var model: String
        public var version: Int64
        /// `keep_last = 5`, `keep_days = 30`, `stage production`.
        public var rules: [String]
    }

    /// What `prune` did (or, dry, would do): the versions removed and those kept.
    public struct PruneResult: Sendable, Equatable {
        public var removed: [PrunedVersion] = []
        public var kept: [KeptVersion] = []
    }

    /// Removes the versions of `models` (all models when empty) that the retention policy
    /// does not keep; with `dryRun`, only says which. `sign` signs each remove event.
    ///
    /// - Throws: `invalidPolicy` when the policy cannot be read or has no `[retention]`
    ///   (nothing is removed then), or an unknown model's error.
    public func prune(models requested: [String] = [], dryRun: Bool = false, sign: Bool = false) throws -> [PrunedVersion] {
        try pruneResult(models: requested, dryRun: dryRun, sign: sign).removed
    }

    /// `prune`, also saying which versions were kept and by which rules.
    public func pruneResult(models requested: [String] = [], dryRun: Bool = false, sign: Bool = false) throws -> PruneResult {
        let policy = try self.policy()
        guard policy.digest != nil else {
            throw RegistryError.badInput(.invalidPolicy(file: "\(repository.root)/\(PromotionPolicy.fileName)", problem: "it does not exist: write a [retention] section there (keep_last, keep_days, keep_stages) to prune by (FORMAT.md §4.1)"))
        }
        guard let retention = policy.retention else {
            throw RegistryError.badInput(.invalidPolicy(file: PromotionPolicy.fileName, problem: "it has no [retention] section to prune by: add one with keep_last or keep_days (FORMAT.md §4)"))
        }
        let names = requested.isEmpty ? try registry.models() : requested
        guard let now = Timestamp.parse(try Timestamp.now()) else { return PruneResult() }
        var plan = [(model: String, versions: [Int64], manifests: [Int64: ObjectID], removable: Set<String>)]()
        var result = PruneResult()
        for model in names {
            let state = try registry.existingState(of: model)
            let decisions = retention.decisions(in: state, stages: stages, now: now)
            result.kept += decisions.filter { !$0.keptBy.isEmpty }.map { KeptVersion(model: model, version: $0.version, rules: $0.keptBy) }
            let versions = decisions.filter { $0.keptBy.isEmpty }.map(\.version)
            guard !versions.isEmpty else { continue }
            let removable = Set(stages).subtracting(RetentionPolicy.keptStages(retention.rules(for: model), stages: stages))
            plan.append((model, versions, state.versions.mapValues(\.manifest), removable))
        }
        for p in plan {
            if dryRun {
                result.removed += p.versions.compactMap { v in p.manifests[v].map { PrunedVersion(model: p.model, version: v, manifest: $0) } }
                continue
            }
            let removed = try registry.remove([.init(model: p.model, versions: p.versions)], reason: Self.retentionReason,
                                              removableStages: p.removable, sign: sign)
            result.removed += removed.map {
                PrunedVersion(model: $0.model, version: $0.version, manifest: $0.manifest, event: $0.eventID, actor: $0.event.actor, time: $0.event.time)
            }
        }
        return result
    }
}
