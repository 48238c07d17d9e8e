import Foundation
import MregStore
import MregSupport

extension Registry {
    /// The installed governor; without one, a governor that allows everything, but only
    /// when the store has no policy file and no hooks (so governance is never skipped by
    /// opening a store without it).
    public func governing() throws -> any Governor {
        if let governor { return governor }
        let root = repository.root
        let hooks = (try? FileManager.default.contentsOfDirectory(atPath: "\(root)/hooks")) ?? []
        if FileManager.default.fileExists(atPath: "\(root)/policy.toml") || !hooks.isEmpty {
            throw RegistryError.refused(.ungoverned)
        }
        return Ungoverned()
    }

    /// Sets the chain fields of an event the way `appendEvent` will, so that hooks see
    /// them and a signature covers them.
    public static func place(_ event: inout Event, on state: ModelState) {
        event.model = state.model
        event.sequence = state.eventCount + 1
        event.parent = state.head
    }
}

/// The governor of a store without policy or hooks: allows every change.
struct Ungoverned: Governor, PromotionJudge {
    func promotionJudge(in registry: Registry, sign: Bool, force: Bool) throws -> any PromotionJudge {
        if sign { throw RegistryError.refused(.ungoverned) }
        return self
    }
    func judge(_ event: inout Event, state: ModelState, warnings: inout [String]) throws {
        Registry.place(&event, on: state)
    }
    func checkRegistration(manifest: Manifest, stage: String, state: ModelState, reason: String?, in registry: Registry) throws {}
    func beforeAppend(_ point: HookPoint, event: Event, what: String, warnings: inout [String], in registry: Registry) throws {}
    func afterAppend(_ point: HookPoint, event: Event, id: ObjectID, warnings: inout [String], in registry: Registry) {}
}
