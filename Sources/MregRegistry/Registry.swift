import Foundation
import MregStore
import MregSupport
import SystemPackage

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
            throw RegistryError.badInput(.unknownStage(name: stage, stages: stages))
        }
    }

    /// Who is acting (see `Identity.resolve`); throws `noIdentity` when no name and email are
    /// configured, so nothing is recorded without a real author.
    public func identity() throws -> Identity {
        guard let identity = Identity.resolve(repository: repository) else { throw RegistryError.badInput(.noIdentity) }
        return identity
    }

    // MARK: refs

    /// `refs/models/<model>/head`; throws `invalidName` for a name that breaks the rules.
    package static func headRef(_ model: String) throws -> RefName { try ModelName(model).headRef }
    package static func versionRef(_ model: String, _ v: Int64) throws -> RefName { try ModelName(model).versionRef(v) }
    package static func stageRef(_ model: String, _ s: String) throws -> RefName { try ModelName(model).stageRef(s) }
    package static func tagRef(_ model: String, _ t: String) throws -> RefName { try ModelName(model).tagRef(TagName(t)) }

    /// Every model with a head ref, sorted (entries under `refs/models/` that are not a
    /// model's folder, such as `.DS_Store` or a `x.lock` folder, are skipped).
    public func models() throws -> [String] {
        Self.listModels(root: repository.root).filter { name in
            (try? Self.headRef(name.rawValue)).flatMap { try? refs.read($0) } != nil
        }.map(\.rawValue)
    }

    /// The id a model's head holds, or nil when the model does not exist.
    ///
    /// - Throws: `StoreError.corruptRef` when the head exists but holds no id: garbage, an
    ///   empty file, a folder or another kind of file where the head should be.
    public func head(of model: String) throws -> ObjectID? {
        let ref = try Self.headRef(model)
        if let id = try refs.read(ref) { return id }
        let path = FilePath(refs.path(for: ref))
        if FileSystem.linkStatus(path) != nil { throw StoreError.corruptRef(ref: ref, path: path) }
        return nil
    }

    /// The models whose head exists but cannot be read, each with its error, sorted by model
    /// (`models()` lists only the models whose head holds an id).
    public func damagedModels() -> [ModelDamage] {
        Self.listModels(root: repository.root).compactMap { name in
            do {
                _ = try head(of: name.rawValue)
                return nil
            } catch {
                return ModelDamage(model: name.rawValue, error: error)
            }
        }
    }

    /// The events of a model, newest first.
    ///
    /// - Throws: `RegistryError.corrupt` naming the chain (`event chain of fraud`), the damaged event
    ///   and, for the newest one, the ref that names it.
    public func events(of model: String, from start: ObjectID? = nil) throws -> [(id: ObjectID, event: Event)] {
        var out = [(ObjectID, Event)]()
        var next = try start ?? head(of: model)
        var seen = Set<ObjectID>()
        while let id = next {
            guard seen.insert(id).inserted else {
                throw RegistryError.corrupt(.init(object: "event chain of \(model)", reason: "it loops at \(id.abbreviated())"))
            }
            let event: Event
            do {
                event = try Event.load(id, from: store)
            } catch let e as StoreError where e.code == .corrupt {
                throw Self.chainDamage(model, "\(e)", newest: out.isEmpty && start == nil)
            } catch RegistryError.corrupt(let c) {
                throw Self.chainDamage(model, "\(c)", newest: out.isEmpty && start == nil)
            }
            guard event.model == model else { throw Event.wrongModel(id, in: model, belongsTo: event.model) }
            out.append((id, event))
            next = event.parent
        }
        return out
    }

    /// Damage found in a model's chain: `event chain of fraud: <problem>`, naming the head ref
    /// when the damaged event is the one it names.
    static func chainDamage(_ model: String, _ problem: String, newest: Bool) -> RegistryError {
        let named = newest ? (try? headRef(model)).map { " (named by \($0))" } ?? "" : ""
        return .corrupt(.init(object: "event chain of \(model)", reason: problem + named))
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
            throw RegistryError.notFound(.init(.model, model, suggestions: try models()))
        }
        return try state(of: model, asOf: asOf)
    }
}

extension Registry {
    /// The folders under `refs/models` whose names are valid model names, sorted; anything
    /// else there (a file, `.DS_Store`, `.nfs1234`, a `x.lock` folder) is skipped.
    package static func listModels(root: String) -> [ModelName] {
        RefStore(root: root).folderNames(under: "refs/models").compactMap { ModelName(validating: $0) }.sorted()
    }
}
