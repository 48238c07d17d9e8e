import Foundation
import MregStore
import MregSupport

/// Tags and stages: each change is one event on the model's chain.
extension Registry {
    /// What a lifecycle command did.
    public struct Change: Sendable {
        public var event: Event?
        public var eventID: ObjectID?
        /// False when the state already was as asked (nothing recorded).
        public var changed: Bool
        /// For a promotion: the version the stage held before.
        public var previous: Int64?
        /// Notes for the user (a post-hook that failed, a hook that is not executable).
        public var warnings: [String] = []

        public init(event: Event?, eventID: ObjectID?, changed: Bool, previous: Int64?, warnings: [String] = []) {
            self.event = event
            self.eventID = eventID
            self.changed = changed
            self.previous = previous
            self.warnings = warnings
        }
    }

    /// Points `tag` at a version; moving it from another version needs `force`. A tag may not
    /// be named like a stage (`validateNewTag`). A tag the policy protects (`[tags.NAME]`) obeys
    /// its rules; `sign` signs the event.
    @discardableResult
    public func tag(model: String, version: Int64, tag: String, force: Bool, reason: String? = nil, sign: Bool = false,
                    imported: JSONValue? = nil) throws -> Change {
        try validateNewTag(tag)
        try validateChangeText(reason: reason)
        let judge = try governing().moveJudge(in: self, sign: sign)
        let actor = try identity().display
        var previous: Int64?
        var warnings = [String]()
        let appended = try appendEvent(model: model) { state in
            try validateNewTag(tag, stagesHeld: state.stages.keys)
            guard let info = state.versions[version] else {
                throw RegistryError.notFound(.init(.version, "\(version)", model: model, latest: state.latestVersion))
            }
            if let v = state.tags[tag] {
                if v == version { return .skip }
                if !force {
                    throw RegistryError.conflict(.tagExists(tag: tag, model: model, version: v, wanted: version))
                }
                previous = v
            }
            var event = Event(model: model, sequence: 0, parent: nil, action: .tag, version: version,
                              manifest: info.manifest, tag: tag, previous: previous,
                              force: previous != nil, actor: actor, time: try Timestamp.now(), reason: reason)
            event.imported = imported
            try judge.judge(&event, state: state, warnings: &warnings)
            return .append(event)
        }
        return Change(event: appended?.event, eventID: appended?.id, changed: appended != nil, previous: previous)
    }

    /// Removes a tag (a protected tag obeys its rules; `sign` signs the event).
    @discardableResult
    public func untag(model: String, tag: String, reason: String? = nil, sign: Bool = false,
                      imported: JSONValue? = nil) throws -> Change {
        _ = try existingState(of: model)
        try validateChangeText(reason: reason)
        let judge = try governing().moveJudge(in: self, sign: sign)
        let actor = try identity().display
        var warnings = [String]()
        let appended = try appendEvent(model: model) { state in
            guard let v = state.tags[tag] else {
                throw RegistryError.notFound(.init(.tag, tag, model: model, suggestions: state.tags.keys.sorted()))
            }
            var event = Event(model: model, sequence: 0, parent: nil, action: .untag, version: v, tag: tag,
                              actor: actor, time: try Timestamp.now(), reason: reason)
            event.imported = imported
            try judge.judge(&event, state: state, warnings: &warnings)
            return .append(event)
        }
        return Change(event: appended?.event, eventID: appended?.id, changed: appended != nil, previous: nil)
    }

    /// Puts a version in a stage (a stage holds one version per model).
    ///
    /// The store's policy (`.mreg/policy.toml`) judges the promotion and its verdict is recorded
    /// in the event; a failed verdict refuses it unless `force` is given where the policy allows
    /// it (recorded as forced). The `pre-promote` hook can refuse it too; `sign` signs the event
    /// with `user.signingKey`. The `post-promote` hook runs after it is recorded.
    @discardableResult
    public func promote(model: String, version: Int64, stage: String, reason: String?,
                        sign: Bool = false, force: Bool = false, imported: JSONValue? = nil) throws -> Change {
        try validateStage(stage)
        try validateChangeText(reason: reason)
        let governor = try governing()
        let judge = try governor.promotionJudge(in: self, sign: sign, force: force)
        let actor = try identity().display
        var previous: Int64?
        var warnings = [String]()
        let appended = try appendEvent(model: model) { state in
            warnings.removeAll()
            guard let info = state.versions[version] else {
                throw RegistryError.notFound(.init(.version, "\(version)", model: model, latest: state.latestVersion))
            }
            previous = state.stages[stage]
            if previous == version { return .skip }
            var event = Event(model: model, sequence: 0, parent: nil, action: .promote, version: version,
                              manifest: info.manifest, stage: stage, previous: previous, actor: actor,
                              time: try Timestamp.now(), reason: reason)
            event.imported = imported
            try judge.judge(&event, state: state, warnings: &warnings)
            return .append(event)
        }
        if let appended { governor.afterAppend(.postPromote, event: appended.event, id: appended.id, warnings: &warnings, in: self) }
        return Change(event: appended?.event, eventID: appended?.id, changed: appended != nil, previous: previous, warnings: warnings)
    }

    /// Empties a stage.
    @discardableResult
    ///
    /// - Parameter version: when given, the version the caller means to take out; the
    ///   demotion is refused when the stage holds another one.
    /// - Parameter sign: sign the event; a stage's `signers`, `signed` and `require_reason` govern moves out of it too.
    public func demote(model: String, stage: String, reason: String?, version: Int64? = nil, sign: Bool = false,
                       imported: JSONValue? = nil) throws -> Change {
        try validateStage(stage)
        _ = try existingState(of: model)
        try validateChangeText(reason: reason)
        let judge = try governing().moveJudge(in: self, sign: sign)
        let actor = try identity().display
        var previous: Int64?
        var warnings = [String]()
        let appended = try appendEvent(model: model) { state in
            guard let v = state.stages[stage] else {
                throw RegistryError.notFound(.init(.stage, stage, model: model))
            }
            if let version, version != v {
                throw RegistryError.conflict(.stageHoldsAnother(model: model, stage: stage, holds: v, named: version))
            }
            previous = v
            var event = Event(model: model, sequence: 0, parent: nil, action: .demote, version: v, stage: stage,
                              previous: v, actor: actor, time: try Timestamp.now(), reason: reason)
            event.imported = imported
            try judge.judge(&event, state: state, warnings: &warnings)
            return .append(event)
        }
        return Change(event: appended?.event, eventID: appended?.id, changed: appended != nil, previous: previous)
    }
}

extension Registry {
    /// Resolves the version a promotion names: `MODEL@N`, `MODEL@TAG`, `MODEL@latest` or a
    /// manifest id prefix. A bare model name is refused (promoting "whatever is latest" by
    /// accident is how the wrong model reaches production), the same for `promote` and for
    /// a policy check, so both answer alike.
    public func resolveForPromotion(_ revision: String, action: String = "promote") throws -> ResolvedVersion {
        guard revision.contains("@") || (Hex.isHex(revision) && revision.count >= 4) else {
            let latest = (try? resolve(revision))?.version
            throw RegistryError.badInput(.versionRequired(revision: revision, action: action, latest: latest))
        }
        return try resolve(revision)
    }

    /// Refuses a reason or an identity with control characters before anything runs (hooks, policy).
    func validateChangeText(reason: String?) throws {
        if let reason { try Names.validateText(reason, field: "the reason", multiline: true) }
        try Names.validateText(identity().display, field: "the actor (user.name, user.email)", multiline: false)
    }
}
