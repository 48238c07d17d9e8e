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
    }

    /// Removes the versions of `models` (all models when empty) that the retention policy
    /// does not keep; with `dryRun`, only says which. `sign` signs each remove event.
    ///
    /// - Throws: `invalidPolicy` when the policy cannot be read or has no `[retention]`
    ///   (nothing is removed then), or an unknown model's error.
    public func prune(models requested: [String] = [], dryRun: Bool = false, sign: Bool = false) throws -> [PrunedVersion] {
        let policy = try self.policy()
        guard policy.digest != nil else {
            throw RegistryError.badInput(.invalidPolicy(file: "\(repository.root)/\(PromotionPolicy.fileName)", problem: "it does not exist: write a [retention] section there (keep_last, keep_days, keep_stages) to prune by (FORMAT.md §4.1)"))
        }
        guard let retention = policy.retention else {
            throw RegistryError.badInput(.invalidPolicy(file: PromotionPolicy.fileName, problem: "it has no [retention] section to prune by: add one with keep_last or keep_days (FORMAT.md §4)"))
        }
        let names = requested.isEmpty ? try registry.models() : requested
        guard let now = Timestamp.parse(try Timestamp.now()) else { return [] }
        var plan = [(model: String, versions: [Int64], manifests: [Int64: ObjectID], removable: Set<String>)]()
        for model in names {
            let state = try registry.existingState(of: model)
            let versions = retention.unkept(in: state, stages: stages, now: now)
            guard !versions.isEmpty else { continue }
            let removable = Set(stages).subtracting(RetentionPolicy.keptStages(retention.rules(for: model), stages: stages))
            plan.append((model, versions, state.versions.mapValues(\.manifest), removable))
        }
        var out = [PrunedVersion]()
        for p in plan {
            if dryRun {
                out += p.versions.compactMap { v in p.manifests[v].map { PrunedVersion(model: p.model, version: v, manifest: $0) } }
                continue
            }
            let removed = try registry.remove([.init(model: p.model, versions: p.versions)], reason: Self.retentionReason,
                                              removableStages: p.removable, sign: sign)
            out += removed.map { PrunedVersion(model: $0.model, version: $0.version, manifest: $0.manifest, event: $0.eventID) }
        }
        return out
    }
}
