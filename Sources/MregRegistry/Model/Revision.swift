import Foundation
import MregStore
import MregSupport

/// A reference to one version of a model: `model@3`, `model@v3`, `model@latest`,
/// `model@production`, `model@<tag>`, `model@<manifest id prefix>`, or `model` (latest).
public struct Revision: Sendable, Equatable, CustomStringConvertible {
    public var model: String
    /// What follows the `@` (nil: latest).
    public var selector: String?

    public init(model: String, selector: String? = nil) {
        self.model = model
        self.selector = selector
    }

    public static func parse(_ text: String) throws -> Revision {
        let parts = text.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false)
        let model = String(parts[0])
        try Names.validateModel(model)
        if parts.count == 2 {
            guard !parts[1].isEmpty else {
                throw RegistryError.invalidName(kind: .revision, name: text, reason: "nothing follows '@': write MODEL@VERSION, MODEL@STAGE or MODEL@TAG")
            }
            return Revision(model: model, selector: String(parts[1]))
        }
        return Revision(model: model)
    }

    /// `3` or `v3` as a version number.
    public static func versionNumber(_ text: String) -> Int64? {
        let digits = text.hasPrefix("v") || text.hasPrefix("V") ? text.dropFirst() : Substring(text)
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber), let n = Int64(digits), n > 0 else { return nil }
        return n
    }

    public var description: String { selector.map { "\(model)@\($0)" } ?? model }
}

/// A revision resolved to one version.
public struct ResolvedVersion: Sendable {
    public var model: String
    public var version: Int64
    public var manifestID: ObjectID
    public var state: ModelState

    public var label: String { "\(model)@v\(version)" }
}

extension Registry {
    /// Resolves `model@rev`, a model name (its latest version) or a manifest id prefix.
    public func resolve(_ text: String, asOf: Date? = nil) throws -> ResolvedVersion {
        if !text.contains("@"), Hex.isHex(text), text.count >= ObjectID.minimumPrefixLength, try head(of: text) == nil {
            return try resolveManifestPrefix(text)
        }
        let rev = try Revision.parse(text)
        let state = try existingState(of: rev.model, asOf: asOf)
        let when = asOf.map { Timestamp.format($0) }
        func found(_ v: Int64) throws -> ResolvedVersion {
            guard let info = state.versions[v] else {
                if let removal = state.removed[v] { throw RegistryError.notFound(.removed(removal, model: rev.model, asOf: when)) }
                throw RegistryError.notFound(.init(.version, "\(v)", model: rev.model, asOf: when, latest: state.latestLiveVersion))
            }
            return ResolvedVersion(model: rev.model, version: v, manifestID: info.manifest, state: state)
        }
        guard let sel = rev.selector, sel != "latest" else {
            guard let v = state.latestLiveVersion else {
                // Every version was removed: say so, naming the newest removal.
                if let last = state.removed.values.max(by: { $0.number < $1.number }) {
                    throw RegistryError.notFound(.everyVersionRemoved(last: last, model: rev.model, asOf: when))
                }
                throw RegistryError.notFound(.init(.version, "latest", model: rev.model, asOf: when))
            }
            return try found(v)
        }
        if let v = Revision.versionNumber(sel) { return try found(v) }
        if let v = state.stages[sel] { return try found(v) }
        if let v = state.tags[sel] { return try found(v) }
        if stages.contains(sel) {
            throw RegistryError.notFound(.init(.stage, sel, model: rev.model, asOf: when))
        }
        if Hex.isHex(sel), sel.count >= ObjectID.minimumPrefixLength {
            let matches = state.versions.values.filter { $0.manifest.hex.hasPrefix(sel.lowercased()) }
            if matches.count == 1 { return try found(matches[0].number) }
            if matches.isEmpty, let gone = state.removed.values.first(where: { $0.manifest.hex.hasPrefix(sel.lowercased()) }) {
                throw RegistryError.notFound(.removed(gone, model: rev.model, asOf: when))
            }
            if matches.count > 1 {
                throw RegistryError.badInput(.ambiguous(prefix: sel, model: rev.model, matches: matches.count))
            }
        }
        var unknown = RegistryError.NotFound(.revision, sel, model: rev.model, asOf: when, latest: state.latestLiveVersion,
                                             suggestions: state.tags.keys.sorted())
        unknown.stages = state.stages.keys.sorted()
        throw RegistryError.notFound(unknown)
    }

    func resolveManifestPrefix(_ prefix: String) throws -> ResolvedVersion {
        let id: ObjectID
        do {
            id = try store.resolve(prefix: prefix)
        } catch let e as StoreError where e.code == .notFound {
            throw RegistryError.notFound(.init(.revision, prefix))
        }
        let header = try store.header(of: id)
        guard header.type == .manifest else {
            throw RegistryError.badInput(.notAVersion(id: prefix, type: "\(header.type)"))
        }
        let manifest = try Manifest.load(id, from: store)
        let state = try self.state(of: manifest.model)
        guard let info = state.versions.values.first(where: { $0.manifest == id }) else {
            if let gone = state.removed.values.first(where: { $0.manifest == id }) {
                throw RegistryError.notFound(.removed(gone, model: manifest.model))
            }
            throw RegistryError.notFound(.init(.manifest, id.abbreviated(), model: manifest.model))
        }
        return ResolvedVersion(model: manifest.model, version: info.number, manifestID: id, state: state)
    }
}

/// Resolves what plumbing commands accept: full ids, id prefixes, refs and revisions.
public struct Resolver: Sendable {
    public var repository: Repository

    public init(repository: Repository) { self.repository = repository }

    public func objectID(_ text: String) throws -> ObjectID {
        if let id = ObjectID(parsing: text) {
            guard repository.objects.contains(id) else { throw StoreError.notFound(kind: .object, name: id.hex) }
            return id
        }
        if text.hasPrefix("refs/") {
            let name = try RefName(text)
            guard let id = try repository.refs.read(name) else { throw StoreError.notFound(kind: .ref, name: text) }
            return id
        }
        if text.contains("@") {
            return try Registry(repository: repository).resolve(text).manifestID
        }
        if Hex.isHex(text) {
            return try repository.objects.resolve(prefix: text)
        }
        let registry = try Registry(repository: repository)
        if (try? Names.validateModel(text)) != nil, try registry.head(of: text) != nil {
            return try registry.resolve(text).manifestID
        }
        throw StoreError.notFound(kind: .revision, name: text)
    }
}
