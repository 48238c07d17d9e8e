import Foundation
import MregStore
import MregSupport

/// What `mreg import hf` did for one snapshot.
public struct ImportedSnapshot: Sendable {
    public var commit: String?
    public var version: Int64
    /// False when an identical version was there already (an import run again).
    public var added: Bool
    /// The tags on this version from the refs naming its commit.
    public var tags: [String]
    /// Those of `tags` this import set or moved (none when run again with nothing changed).
    public var moved: [String] = []
}

extension Registry {
    /// Imports a Hugging Face cache repo folder (one version per snapshot, oldest first; each ref a
    /// tag on its version) or a `save_pretrained` folder (one version). Each snapshot registers
    /// as `register --dereference` would, its files the blobs its links point to, with the
    /// commit id in the message and as the param `hf.commit`; no environment or trainer outputs.
    /// Everything about the folder is checked before the first version is written; importing
    /// again adds only what is new (the same snapshot is the same version) and moves tags whose
    /// refs moved. An interrupted import is completed by running it again.
    public func importHuggingFace(path: String, name: String?, arguments: [String]) throws -> (model: String, snapshots: [ImportedSnapshot], warnings: [String]) {
        let cache = try HuggingFaceCache.read(path)
        let model = name ?? cache.name
        try Names.validateModel(model)
        // A ref that is no valid tag (`v1` reads as a version, `main` may be a stage) becomes `hf-REF`.
        func tagName(_ ref: String) throws -> String {
            if (try? validateNewTag(ref)) != nil { return ref }
            try validateNewTag("hf-" + ref)
            return "hf-" + ref
        }
        var refTags = [String: String]()
        for snapshot in cache.snapshots {
            for ref in snapshot.refs where refTags[ref] == nil { refTags[ref] = try tagName(ref) }
        }
        var out = [ImportedSnapshot]()
        for snapshot in cache.snapshots {
            var request = RegisterRequest(model: model, paths: [snapshot.folder], directory: snapshot.folder)
            request.dereference = true
            request.arguments = arguments
            let source = cache.repo ?? cache.name
            if let commit = snapshot.commit {
                request.message = "imported from the Hugging Face cache: \(source) at \(commit)"
                request.params = ["hf.commit='\(commit)'"]
            } else {
                request.message = "imported from a Hugging Face save_pretrained folder"
            }
            if let repo = cache.repo { request.params.append("hf.repo='\(repo)'") }
            let result = try register(request)
            var tags = [String](), moved = [String]()
            for ref in snapshot.refs {
                let name = refTags[ref] ?? ref
                let change = try tag(model: model, version: result.version, tag: name, force: true)
                tags.append(name)
                if change.changed { moved.append(name) }
            }
            out.append(ImportedSnapshot(commit: snapshot.commit, version: result.version, added: !result.existing, tags: tags, moved: moved))
        }
        return (model, out, cache.warnings)
    }
}
