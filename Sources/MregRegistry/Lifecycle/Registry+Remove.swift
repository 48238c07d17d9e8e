import Foundation
import MregStore
import MregSupport

/// Removing versions: each removal is one `remove` event (a tombstone) on the model's chain.
///
/// Nothing is deleted: the version's manifest, its events and their audit trail stay, so
/// `log`, `log --as-of`, `verify` and `audit` still tell its whole story. The version leaves
/// listings, search and revision resolution, its number is never reused, and its files
/// become reclaimable (`gc` deletes those no live version names).
extension Registry {
    /// One version a removal names.
    public struct RemovalTarget: Sendable, Equatable {
        public var model: String
        /// The versions to remove; nil: every live version of the model.
        public var versions: [Int64]?

        public init(model: String, versions: [Int64]?) {
            self.model = model
            self.versions = versions
        }
    }

    /// One version `remove` tombstoned.
    public struct RemovedVersion: Sendable {
        public var model: String
        public var version: Int64
        public var manifest: ObjectID
        public var event: Event
        public var eventID: ObjectID
    }

    /// The removed versions of a model, by number (empty when none was removed).
    ///
    /// This is the one question the layers above ask about removal ("is version N of model M
    /// removed?"): `gc` and `du` treat a removed version's files as reclaimable.
    public func removedVersions(model: String) throws -> [Int64: Removal] {
        try existingState(of: model).removed
    }

    /// Removes versions: one `remove` event per version.
    ///
    /// Every target is checked before anything is written: an unknown or already removed
    /// version, or one a stage holds (unless the stage is in `removableStages`), refuses the
    /// whole request and the store is left as it was.
    ///
    /// - Parameters:
    ///   - reason: why (required, recorded in each event).
    ///   - removableStages: stages whose holding does not keep a version (`prune`: the stages
    ///     the retention policy does not keep); the removal takes the version out of them.
    ///   - sign: sign each event with `user.signingKey` (the policy's `[removal] signed`).
    ///
    /// The store's governor judges each event (`[removal]` in `.mreg/policy.toml`).
    @discardableResult
    public func remove(_ targets: [RemovalTarget], reason: String, removableStages: Set<String> = [],
                       sign: Bool = false) throws -> [RemovedVersion] {
        guard !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw RegistryError.badInput(.reasonRequired(action: "removing a version"))
        }
        try validateChangeText(reason: reason)
        let actor = try identity().display
        let judge = try governing().removalJudge(in: self, sign: sign)
        // Check everything first, merging targets of the same model.
        var plan = [(model: String, versions: [Int64])]()
        for target in targets {
            let state = try existingState(of: target.model)
            let versions = try Self.removable(target, in: state, removableStages: removableStages)
            if let i = plan.firstIndex(where: { $0.model == target.model }) {
                plan[i].versions = Array(Set(plan[i].versions + versions)).sorted()
            } else {
                plan.append((target.model, versions))
            }
        }
        var out = [RemovedVersion]()
        for (model, versions) in plan {
            for version in versions {
                let appended = try appendEvent(model: model) { state in
                    if state.removed[version] != nil { return .skip }  // another process removed it meanwhile
                    _ = try Self.removable(RemovalTarget(model: model, versions: [version]), in: state, removableStages: removableStages)
                    guard let info = state.versions[version] else { return .skip }
                    var event = Event(model: model, sequence: 0, parent: nil, action: .remove, version: version,
                                      manifest: info.manifest, actor: actor, time: try Timestamp.now(), reason: reason)
                    var warnings = [String]()
                    try judge.judge(&event, state: state, warnings: &warnings)
                    return .append(event)
                }
                if let appended, let manifest = appended.event.manifest {
                    out.append(RemovedVersion(model: model, version: version, manifest: manifest, event: appended.event, eventID: appended.id))
                }
            }
        }
        return out
    }

    /// The versions a target names, checked: each live and held by no stage that keeps it.
    static func removable(_ target: RemovalTarget, in state: ModelState, removableStages: Set<String>) throws -> [Int64] {
        let model = target.model
        let versions: [Int64]
        if let named = target.versions {
            versions = Array(Set(named)).sorted()
        } else {
            versions = state.versions.keys.sorted()
            if versions.isEmpty {
                if let last = state.removed.values.max(by: { $0.number < $1.number }) {
                    throw RegistryError.notFound(.everyVersionRemoved(last: last, model: model))
                }
                throw RegistryError.notFound(.init(.version, "latest", model: model))
            }
        }
        for v in versions {
            guard state.versions[v] != nil else {
                if let removal = state.removed[v] { throw RegistryError.notFound(.removed(removal, model: model)) }
                throw RegistryError.notFound(.init(.version, "\(v)", model: model, latest: state.latestLiveVersion))
            }
            let holding = state.stages(of: v).filter { !removableStages.contains($0) }
            if !holding.isEmpty {
                throw RegistryError.refused(.removingStagedVersion(model: model, version: v, stages: holding))
            }
        }
        return versions
    }
}
