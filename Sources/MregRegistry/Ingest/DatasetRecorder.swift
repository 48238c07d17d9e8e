import Crypto
import Foundation
import MregStore
import MregSupport

/// Records a dataset's digest, size and file count (hashed, not stored, unless asked).
struct DatasetRecorder {
    var store: ObjectStore

    struct Spec: Sendable {
        var name: String
        var path: String
    }

    /// Parses `[NAME=]PATH`.
    static func parseSpec(_ text: String) throws -> Spec {
        var name: String? = nil
        var path = text
        if let eq = text.firstIndex(of: "="), !FileManager.default.fileExists(atPath: text) {
            name = String(text[..<eq])
            path = String(text[text.index(after: eq)...])
        }
        guard FileManager.default.fileExists(atPath: path) else {
            throw RegistryError.notFound(.init(.dataset, path))
        }
        let trimmed = path.hasSuffix("/") ? String(path.dropLast()) : path
        let resolved = name ?? (trimmed as NSString).lastPathComponent
        guard !resolved.isEmpty else {
            throw RegistryError.badInput(.invalidAssignment(text: text, problem: "has an empty dataset name: write NAME=PATH, e.g. train=\(path)"))
        }
        return Spec(name: resolved, path: path)
    }

    /// Hashes (and optionally stores) a dataset file or folder.
    ///
    /// A folder's digest is the SHA-256 of its `sha256sum`-style listing:
    /// one `<hex digest>  <relative path>\n` line per file, sorted by path.
    func record(_ spec: Spec, storeFiles: Bool) throws -> (JSONValue, Int64) {
        // A dataset is recorded by what it holds: symbolic links are followed (as `cp -L`).
        let entries = try FileWalker.walk([spec.path], dereference: true, exportable: false)
        var listing = ""
        var size: Int64 = 0
        var stored = [JSONValue]()
        var added: Int64 = 0
        var single: String? = nil
        for e in entries {
            let digest: String
            if storeFiles {
                let w = try store.write(type: .blob, file: e.source, contentDigest: true)
                guard let contentDigest = w.contentDigest else {
                    throw RegistryError.io(.init("read", e.source, reason: "its content digest was not computed"))
                }
                digest = contentDigest
                added += w.storedBytes
                stored.append(.object(["path": .string(e.path), "size": .int(e.size), "digest": .string(digest), "object": .string(w.id.hex)]))
            } else {
                digest = try FileDigest.sha256(path: e.source)
            }
            single = digest
            listing += "\(digest.dropFirst(7))  \(e.path)\n"
            size += e.size
        }
        var isDir: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: spec.path, isDirectory: &isDir)
        let listed = "sha256:" + SHA256.hash(data: Array(listing.utf8)).map { String(format: "%02x", $0) }.joined()
        let digest = isDir.boolValue ? listed : (single ?? listed)
        var record: [String: JSONValue] = [
            "name": .string(spec.name), "path": .string(spec.path), "digest": .string(digest),
            "size": .int(size), "files": .int(Int64(entries.count)), "kind": .string(isDir.boolValue ? "folder" : "file"),
        ]
        if storeFiles { record["stored"] = .array(stored) }
        return (.object(record), added)
    }
}
