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
    /// Refs that name no snapshot here (they become no tag).
    public var warnings: [String] = []

    /// Reads the folder at `path`; refuses one that is neither a cache repo nor a saved model, and
    /// a snapshot link that leads outside the repo folder (nothing is registered then).
    public static func read(_ path: String) throws -> HuggingFaceCache {
        let given = Repository.absolute(path)
        let root = given.count > 1 && given.hasSuffix("/") ? String(given.dropLast()) : given
        guard FileSystem.isDirectory(FilePath(root)) else {
            if FileSystem.exists(FilePath(root)) {
                throw RegistryError.badInput(.unusablePath(action: "import", path: path,
                    problem: "it is a file, not a folder: name a cache repo folder (models--ORG--NAME) or a save_pretrained folder"))
            }
            throw RegistryError.notFound(.init(.importFolder, path))
        }
        let base = (root as NSString).lastPathComponent
        let parent = (root as NSString).deletingLastPathComponent
        if (parent as NSString).lastPathComponent == "snapshots" {
            // What snapshot_download() returns: one snapshot inside a cache repo.
            let repoFolder = (parent as NSString).deletingLastPathComponent
            if FileSystem.isDirectory(FilePath(repoFolder + "/blobs")) || FileSystem.isDirectory(FilePath(repoFolder + "/refs")) {
                throw RegistryError.badInput(.unusablePath(action: "import", path: path,
                    problem: "it is one snapshot inside the cache repo \(repoFolder): import the repo folder instead (mreg import hf \(repoFolder)); that brings every snapshot and its refs as tags"))
            }
        }
        let repos = FileSystem.listDirectory(root).filter { $0.hasPrefix("models--") && FileSystem.isDirectory(FilePath("\(root)/\($0)/snapshots")) }.sorted()
        if !repos.isEmpty && !FileSystem.isDirectory(FilePath(root + "/snapshots")) {
            let shown = repos.prefix(5).joined(separator: ", ") + (repos.count > 5 ? ", …" : "")
            throw RegistryError.badInput(.unusablePath(action: "import", path: path,
                problem: "it is a Hugging Face cache folder holding \(repos.count) repo\(repos.count == 1 ? "" : "s") (\(shown)): import one repo folder at a time, e.g. mreg import hf \(root)/\(repos[0])"))
        }
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
            let commits = Set(snapshots.compactMap(\.snapshot.commit))
            let dangling = refs.filter { !commits.contains($0.key) }.flatMap { commit, names in names.map { (ref: $0, commit: commit) } }
            let warnings = dangling.sorted { $0.ref < $1.ref }.map {
                "ref '\($0.ref)' names '\(Names.escaped(String($0.commit.prefix(80))))', which is no snapshot in this repo: it becomes no tag"
            }
            return HuggingFaceCache(name: name, repo: repo, snapshots: snapshots.map(\.snapshot), warnings: warnings)
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
        var visited = Set<String>()
        try checkLinks(in: folder, inside: root, shown: shown, visited: &visited, depth: 0)
    }

    /// The walk of `checkLinks`: a folder reached twice through links (a loop) is checked once,
    /// and nesting deeper than 64 folders is refused.
    static func checkLinks(in folder: String, inside root: String, shown: String, visited: inout Set<String>, depth: Int) throws {
        guard depth < 64 else {
            throw RegistryError.badInput(.unusablePath(action: "import", path: shown, problem: "folders nest more than 64 deep (a link loop?)"))
        }
        guard visited.insert(PythonEnvironment.realPath(folder) ?? folder).inserted else { return }
        for name in FileSystem.listDirectory(folder).sorted() {
            let path = "\(folder)/\(name)"
            guard let status = FileSystem.linkStatus(FilePath(path)) else { continue }
            if status.isSymbolicLink {
                let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?"
                guard let real = PythonEnvironment.realPath(path), real == root || real.hasPrefix(root + "/") else {
                    let problem = PythonEnvironment.realPath(path) == nil
                        ? "it is a symbolic link to '\(target)', which does not exist (a partly downloaded or damaged cache?)"
                        : "it is a symbolic link to '\(target)', outside the folder being imported; a cache repo's snapshots link only into its own blobs/"
                    throw RegistryError.badInput(.unusablePath(action: "import", path: "\(shown)/\(name)", problem: problem))
                }
                if FileSystem.isDirectory(FilePath(real)) {
                    let here = PythonEnvironment.realPath(folder) ?? folder
                    if here == real || here.hasPrefix(real + "/") {
                        throw RegistryError.badInput(.unusablePath(action: "import", path: "\(shown)/\(name)",
                            problem: "it is a symbolic link to '\(target)', a folder that holds it (a link loop): remove the link"))
                    }
                    try checkLinks(in: real, inside: root, shown: "\(shown)/\(name)", visited: &visited, depth: depth + 1)
                }
            } else if status.isDirectory {
                try checkLinks(in: path, inside: root, shown: "\(shown)/\(name)", visited: &visited, depth: depth + 1)
            }
        }
    }
}
