import Foundation
import MregStore
import MregSupport
import SystemPackage

/// A Hugging Face cache repo folder (`models--ORG--NAME` with `blobs/`, `snapshots/COMMIT/` of
/// symbolic links into `blobs/`, and `refs/`), or a plain `save_pretrained` folder, read for
/// `mreg import hf`: what to register, oldest snapshot first, and which refs name which.
public struct HuggingFaceCache: Sendable, Equatable {
    /// One snapshot (a commit), or the whole folder of a `save_pretrained` output.
    public struct Snapshot: Sendable, Equatable {
        /// The commit id (the snapshot folder's name); nil for a `save_pretrained` folder.
        public var commit: String?
        public var folder: String
        /// The refs (`main`, branches, tags; `pr/1` as `pr-1`) that name this commit.
        public var refs: [String]
    }

    /// The repo's name (`all-MiniLM-L6-v2` from `models--sentence-transformers--all-MiniLM-L6-v2`).
    public var name: String
    /// `ORG/NAME`, when the folder is a cache repo.
    public var repo: String?
    /// Oldest first (by the snapshot folder's modification time, then name).
    public var snapshots: [Snapshot]

    /// Reads the folder at `path`; refuses one that is neither a cache repo nor a saved model, and
    /// a snapshot link that leads outside the repo folder (nothing is registered then).
    public static func read(_ path: String) throws -> HuggingFaceCache {
        let given = Repository.absolute(path)
        let root = given.count > 1 && given.hasSuffix("/") ? String(given.dropLast()) : given
        guard FileSystem.isDirectory(FilePath(root)) else {
            throw RegistryError.notFound(.init(.input, path))
        }
        let base = (root as NSString).lastPathComponent
        if FileSystem.isDirectory(FilePath(root + "/snapshots")) {
            let parts = base.components(separatedBy: "--")
            let repo = parts.count >= 3 && parts[0] == "models" ? parts.dropFirst().joined(separator: "/") : nil
            let name = parts.count >= 2 ? (parts.last ?? base) : base
            guard let realRoot = PythonEnvironment.realPath(root) else { throw RegistryError.notFound(.init(.input, path)) }
            var refs = [String: [String]]()
            for (ref, commit) in readRefs(root + "/refs", prefix: "") { refs[commit, default: []].append(ref) }
            var snapshots = [(mtime: Int64, snapshot: Snapshot)]()
            for commit in FileSystem.listDirectory(root + "/snapshots").sorted() {
                let folder = "\(root)/snapshots/\(commit)"
                guard let status = FileSystem.linkStatus(FilePath(folder)), status.isDirectory else { continue }
                try checkLinks(in: folder, inside: realRoot, shown: "\(path)/snapshots/\(commit)")
                snapshots.append((status.modificationTime, Snapshot(commit: commit, folder: folder, refs: (refs[commit] ?? []).sorted())))
            }
            guard !snapshots.isEmpty else {
                throw RegistryError.badInput(.unusablePath(action: "import", path: path, problem: "its snapshots/ folder is empty: nothing to import"))
            }
            snapshots.sort { ($0.mtime, $0.snapshot.commit ?? "") < ($1.mtime, $1.snapshot.commit ?? "") }
            return HuggingFaceCache(name: name, repo: repo, snapshots: snapshots.map(\.snapshot))
        }
        let names = Set(FileSystem.listDirectory(root))
        guard names.contains("config.json") || names.contains(where: { $0.hasSuffix(".safetensors") || $0.hasSuffix(".gguf") }) else {
            throw RegistryError.badInput(.unusablePath(action: "import", path: path,
                problem: "it is neither a Hugging Face cache repo (models--ORG--NAME with snapshots/, refs/, blobs/) nor a save_pretrained folder (config.json, *.safetensors)"))
        }
        guard let realRoot = PythonEnvironment.realPath(root) else { throw RegistryError.notFound(.init(.input, path)) }
        try checkLinks(in: root, inside: realRoot, shown: path)
        return HuggingFaceCache(name: base, repo: nil, snapshots: [Snapshot(commit: nil, folder: root, refs: [])])
    }

    /// `refs/NAME` files (nested ones joined with `-`: `pr/1` → `pr-1`) and the commit each holds.
    static func readRefs(_ folder: String, prefix: String) -> [(String, String)] {
        var out = [(String, String)]()
        for name in FileSystem.listDirectory(folder).sorted() {
            let path = "\(folder)/\(name)"
            if FileSystem.isDirectory(FilePath(path)) {
                out += readRefs(path, prefix: prefix + name + "-")
            } else if let bytes = PythonEnvironment.readSmall(path, limit: 4096) {
                let commit = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                if !commit.isEmpty { out.append((prefix + name, commit)) }
            }
        }
        return out
    }

    /// Refuses any symbolic link under `folder` that does not resolve to a place inside `root`
    /// (a real path), or resolves to nothing.
    static func checkLinks(in folder: String, inside root: String, shown: String) throws {
        for name in FileSystem.listDirectory(folder).sorted() {
            let path = "\(folder)/\(name)"
            guard let status = FileSystem.linkStatus(FilePath(path)) else { continue }
            if status.isSymbolicLink {
                let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?"
                guard let real = PythonEnvironment.realPath(path), real == root || real.hasPrefix(root + "/") else {
                    throw RegistryError.badInput(.linkOutside(path: "\(shown)/\(name)", target: target))
                }
                if FileSystem.isDirectory(FilePath(real)) { try checkLinks(in: real, inside: root, shown: "\(shown)/\(name)") }
            } else if status.isDirectory {
                try checkLinks(in: path, inside: root, shown: "\(shown)/\(name)")
            }
        }
    }
}
