import MregSupport
import Foundation
import MregStore
import SystemPackage

/// The files a registration covers, with the paths they get in the manifest.
///
/// A folder contributes its contents relative to itself (recursively; `.git`
/// and `.mreg` folders are skipped); a file contributes its own name.
public struct FileWalker: Sendable {
    public struct Entry: Sendable, Equatable {
        /// Path in the manifest, `/`-separated.
        public var path: String
        /// Where the bytes are on disk.
        public var source: String
        public var size: Int64
        public var executable: Bool
        public var mode: String { executable ? "100755" : "100644" }
    }

    static let skipped: Set<String> = [".git", ".mreg", ".DS_Store"]

    public static func walk(_ arguments: [String]) throws -> [Entry] {
        var entries = [Entry]()
        var seen = [String: String]()
        for argument in arguments {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDir) else {
                throw RegistryError.notFound(.init(.input, argument))
            }
            let found = isDir.boolValue ? try walkFolder(argument) : [try entry(source: argument, path: (argument as NSString).lastPathComponent)]
            if isDir.boolValue && found.isEmpty {
                throw RegistryError.badInput(.unusablePath(action: "register", path: argument, problem: "the folder holds no files"))
            }
            for e in found {
                if let other = seen[e.path] {
                    throw RegistryError.badInput(.duplicateInput(path: e.path, first: other, second: e.source))
                }
                seen[e.path] = e.source
                entries.append(e)
            }
        }
        return entries.sorted { $0.path < $1.path }
    }

    static func walkFolder(_ root: String) throws -> [Entry] {
        var out = [Entry]()
        func visit(_ dir: String, _ rel: String) throws {
            let names: [String]
            do { names = try FileManager.default.contentsOfDirectory(atPath: dir) } catch {
                let code = ((error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError)?.code
                throw RegistryError.io(code.map { .init("read the folder", dir, errno: Int32($0)) }
                                       ?? .init("read the folder", dir, reason: error.localizedDescription))
            }
            for name in names.sorted() where !skipped.contains(name) {
                let full = "\(dir)/\(name)"
                let relPath = rel.isEmpty ? name : "\(rel)/\(name)"
                var isDir: ObjCBool = false
                guard FileManager.default.fileExists(atPath: full, isDirectory: &isDir) else { continue } // dangling link
                if isDir.boolValue { try visit(full, relPath) } else { out.append(try entry(source: full, path: relPath)) }
            }
        }
        try visit(root, "")
        return out
    }

    static func entry(source: String, path: String) throws -> Entry {
        let status = try RegistryError.mappingStoreIO(operation: "read", path: source) {
            try FileStatus(FilePath(source))
        }
        guard status.isRegularFile else {
            throw RegistryError.badInput(.unusablePath(action: "register", path: source, problem: "not a regular file"))
        }
        guard FileSystem.isReadable(FilePath(source)) else {
            throw RegistryError.io(.init("register", source, errno: Errno.permissionDenied.rawValue))
        }
        return Entry(path: path, source: source, size: status.size, executable: status.permissions & 0o100 != 0)
    }
}
