import Foundation

/// A file the user names as input (a params or metrics file, a model card), read whole
/// within a size limit that is checked before more than `limit + 1` bytes are read.
enum InputFile {
    /// The bytes of `path`.
    /// - Throws: `RegistryError.notFound` (of `kind`) when it cannot be opened, `.io` when a read
    ///   fails, `.badInput` when it is larger than `limit` (the message says "the most `what` may be").
    static func read(_ path: String, kind: RegistryError.NotFound.Kind, limit: Int, what: String) throws -> Data {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            throw RegistryError.badInput(.malformedFile(path: path, problem: "it is a folder, not a file"))
        }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw RegistryError.notFound(.init(kind, path)) }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.read(upToCount: limit + 1) ?? Data()
        } catch {
            throw RegistryError.io(.init("read", path, reason: Registry.reason(error)))
        }
        guard data.count <= limit else {
            throw RegistryError.badInput(.malformedFile(path: path, problem: "it is larger than \(limit >> 20) MiB, the most \(what) may be"))
        }
        return data
    }
}
