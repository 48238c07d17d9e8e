import Foundation

/// The bytes of a file.
public func readFile(_ path: String) throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else { throw TestSupportError("cannot read '\(path)'") }
    return Array(data)
}

/// Writes a file, making its folder first.
public func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
        throw TestSupportError("cannot write '\(path)'")
    }
}

/// Writes a text file, making its folder first.
public func writeFile(_ path: String, _ text: String) throws { try writeFile(path, Array(text.utf8)) }

/// A snapshot of every file and folder below `root`: relative path → mode and content
/// (folders and symlinks marked), to check that a refused command left a store byte-identical.
public func snapshot(_ root: String) -> [String: [UInt8]] {
    var out = [String: [UInt8]]()
    guard let e = FileManager.default.enumerator(atPath: root) else { return out }
    while let rel = e.nextObject() as? String {
        let full = "\(root)/\(rel)"
        var st = stat()
        guard lstat(full, &st) == 0 else { continue }
        let mode = Array("mode \(st.st_mode & 0o7777) ".utf8)
        switch st.st_mode & S_IFMT {
        case S_IFDIR: out[rel + "/"] = mode
        case S_IFREG: out[rel] = mode + ((try? readFile(full)) ?? [])
        default: out[rel + "@"] = mode
        }
    }
    return out
}

/// The paths that differ between two snapshots.
public func differences(_ a: [String: [UInt8]], _ b: [String: [UInt8]]) -> [String] {
    Set(a.keys).union(b.keys).filter { a[$0] != b[$0] }.sorted()
}
