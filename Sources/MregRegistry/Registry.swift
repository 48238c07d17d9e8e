import Foundation
import MregStore
import MregSupport

/// Registry semantics over a store: models, versions, stages, tags and their event chains.
public struct Registry: Sendable {
    public var repository: Repository
    public var store: ObjectStore { repository.objects }
    public var refs: RefStore { repository.refs }
    /// The cache of chain-derived state (the index), asked before chains are replayed.
    public var cache: (any ChainCache)?
    /// The policy, signatures and hooks that judge changes (see `Governor`).
    public var governor: (any Governor)?

    public static let defaultStages = ["development", "staging", "production", "archived"]

    /// A registry over a repository; `cache` and `governor` come from the layers above
    /// (the command line installs the index and the store's governance).
    public init(repository: Repository, cache: (any ChainCache)? = nil, governor: (any Governor)? = nil) throws {
        self.repository = repository
        self.cache = cache
        self.governor = governor
    }

    /// The configured stages (`registry.stages`, comma-separated), else the defaults.
    public var stages: [String] {
        guard let text = repository.setting("registry.stages") else { return Self.defaultStages }
        let list = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return list.isEmpty ? Self.defaultStages : list
    }

    public func validateStage(_ stage: String) throws {
        try Names.validateStage(stage)
        guard stages.contains(stage) else {
            throw RegistryError(.badInput, "unknown stage '\(stage)': stages are \(stages.joined(separator: ", ")) (set registry.stages to change them)")
        }
    }

    public func identity() -> Identity { Identity.resolve(repository: repository) }

    // MARK: refs

    package static func headRef(_ model: String) -> RefName { try! RefName("refs/models/\(model)/head") }
    package static func versionRef(_ model: String, _ v: Int64) -> RefName { try! RefName("refs/models/\(model)/versions/\(v)") }
    package static func stageRef(_ model: String, _ s: String) -> RefName { try! RefName("refs/models/\(model)/stages/\(s)") }
    package static func tagRef(_ model: String, _ t: String) -> RefName { try! RefName("refs/models/\(model)/tags/\(t)") }

    /// Every model with a head ref, sorted.
    public func models() throws -> [String] {
        Self.listModels(root: repository.root).filter { (try? refs.read(Self.headRef($0))) != nil }.sorted()
    }

    public func head(of model: String) throws -> ObjectID? {
        try refs.read(Self.headRef(model))
    }

    /// The events of a model, newest first.
    public func events(of model: String, from start: ObjectID? = nil) throws -> [(id: ObjectID, event: Event)] {
        var out = [(ObjectID, Event)]()
        var next = try start ?? head(of: model)
        var seen = Set<ObjectID>()
        while let id = next {
            guard seen.insert(id).inserted else { throw RegistryError(.corrupt, "event chain of \(model) loops at \(id.abbreviated())") }
            let event = try Event.load(id, from: store)
            guard event.model == model else {
                throw RegistryError(.corrupt, "event \(id.abbreviated()) in the chain of \(model) belongs to \(event.model)")
            }
            out.append((id, event))
            next = event.parent
        }
        return out
    }

    /// Replays a model's chain (optionally only events at or before `asOf`).
    ///
    /// Answered from the model's index record when it reflects the current head (one ref
    /// read decides; a stale record is caught up first). If the index cannot answer, the
    /// chain is replayed from objects, which reports whatever is wrong with it.
    public func state(of model: String, asOf: Date? = nil) throws -> ModelState {
        if let cache, let cached = try? cache.state(of: model, asOf: asOf, in: self) { return cached }
        var state = ModelState(model: model)
        for (id, event) in try events(of: model).reversed() {
            if let asOf, let t = Timestamp.parse(event.time), t > asOf { break }
            state.apply(event, id: id)
        }
        return state
    }

    /// A model's state, failing when the model does not exist.
    public func existingState(of model: String, asOf: Date? = nil) throws -> ModelState {
        try Names.validateModel(model)
        guard try head(of: model) != nil else {
            let known = try models()
            let hint = known.isEmpty ? "the store has no models yet" : "known models: \(known.prefix(8).joined(separator: ", "))"
            throw RegistryError(.unknownModel, "unknown model '\(model)' (\(hint))")
        }
        return try state(of: model, asOf: asOf)
    }
}

extension Registry {
    /// Names of the folders under refs/models (stray entries such as `.DS_Store` skipped).
    package static func listModels(root: String) -> [String] {
        RefStore(root: root).folderNames(under: "refs/models")
    }
}
