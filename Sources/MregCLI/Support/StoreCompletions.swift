import ArgumentParser
import Foundation
import MregRegistry
import MregRemote
import MregStore

/// Shell completions of names from the store in the current folder: models, revisions
/// (`model@` → versions, stages, tags), stages, tags and remotes.
///
/// Each reads ref names only (no object is opened) and answers nothing, silently, outside
/// a store or when the store cannot be read: a completion never prints an error.
enum StoreCompletions {
    /// Model names.
    static let models = CompletionKind.custom { _, _, prefix in
        names(modelNames(), matching: prefix)
    }

    /// Revisions: model names (each also as `model@`) and, once the word holds `@`, the
    /// model's versions, stages and tags.
    static let revisions = CompletionKind.custom { _, _, prefix in
        revisionCandidates(matching: prefix)
    }

    /// Stage names: the configured stages and any stage a model is in.
    static let stages = CompletionKind.custom { _, _, prefix in
        names(stageNames(), matching: prefix)
    }

    /// Tag names of every model.
    static let tags = CompletionKind.custom { _, _, prefix in
        names(refLeaves("tags"), matching: prefix)
    }

    /// Configured remote names.
    static let remotes = CompletionKind.custom { _, _, prefix in
        names(remoteNames(), matching: prefix)
    }

    /// Remote names, then model names (push, fetch, pull: `[REMOTE] [MODEL...]`).
    static let remotesAndModels = CompletionKind.custom { _, _, prefix in
        names(remoteNames() + modelNames(), matching: prefix)
    }

    // MARK: reading the store

    /// The store of the current folder, or nil (outside a store, or unreadable).
    static func repository() -> Repository? {
        try? Repository.discover()
    }

    /// The names of the models in the store (those with a head ref).
    static func modelNames() -> [String] {
        guard let repository = repository() else { return [] }
        let prefix = "refs/models/"
        return repository.refs.names(prefix: prefix).compactMap { ref in
            let name = ref.rawValue
            guard name.hasSuffix("/head") else { return nil }
            let model = name.dropFirst(prefix.count).dropLast("/head".count)
            return model.contains("/") ? nil : String(model)  // model names have no '/'; a tag named 'head' is no model
        }
    }

    /// `model@…` completions for a word holding `@`, else model names and `model@`.
    static func revisionCandidates(matching prefix: String) -> [String] {
        guard let at = prefix.firstIndex(of: "@") else {
            let models = modelNames()
            return names(models + models.map { $0 + "@" }, matching: prefix)
        }
        let model = String(prefix[..<at])
        guard !model.isEmpty, let repository = repository() else { return [] }
        var candidates = [String]()
        for kind in ["versions", "stages", "tags"] {
            let base = "refs/models/\(model)/\(kind)/"
            var leaves = repository.refs.names(prefix: base).map { String($0.rawValue.dropFirst(base.count)) }
            if kind == "versions" { leaves.sort { (Int($0) ?? 0) > (Int($1) ?? 0) } }
            candidates += leaves.map { "\(model)@\($0)" }
        }
        return candidates.filter { $0.hasPrefix(prefix) }
    }

    /// The configured stages (`registry.stages`, else the defaults) and those models are in.
    static func stageNames() -> [String] {
        guard let repository = repository() else { return [] }
        var stages = Registry.defaultStages
        if let configured = repository.config.get("registry.stages") {
            stages = configured.split(separator: ",").map(String.init)
        }
        return stages + refLeaves("stages", in: repository)
    }

    /// The configured remotes.
    static func remoteNames() -> [String] {
        guard let repository = repository() else { return [] }
        return repository.config.subsections(of: "remote").filter { repository.config.get("remote.\($0).url") != nil }
    }

    /// The last components of `refs/models/*/<kind>/*` across models, deduplicated.
    static func refLeaves(_ kind: String, in repository: Repository? = repository()) -> [String] {
        guard let repository else { return [] }
        let marker = "/\(kind)/"
        return repository.refs.names(prefix: "refs/models/").compactMap { ref in
            guard let range = ref.rawValue.range(of: marker, options: .backwards) else { return nil }
            let leaf = ref.rawValue[range.upperBound...]
            return leaf.contains("/") ? nil : String(leaf)
        }
    }

    /// `candidates` starting with `prefix`, each once, in first-seen order.
    static func names(_ candidates: [String], matching prefix: String) -> [String] {
        var seen = Set<String>()
        return candidates.filter { $0.hasPrefix(prefix) && seen.insert($0).inserted }
    }
}
