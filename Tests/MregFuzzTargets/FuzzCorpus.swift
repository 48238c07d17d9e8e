import Foundation

/// The committed regression corpus, `Tests/FuzzCorpus/<target>/`: seeds made from real files,
/// and under `crashes/` every input that ever crashed or hung a target (kept after the fix).
public enum FuzzCorpus {
    /// One corpus file.
    public struct Input: Sendable {
        /// The path below the corpus folder, e.g. `json/crashes/crash-1f2e…`.
        public var name: String
        public var bytes: [UInt8]
    }

    /// `Tests/FuzzCorpus` of the checkout this file was compiled from.
    public static func directory(sourceFile: String = #filePath) -> String {
        let url = URL(fileURLWithPath: sourceFile)
        return url.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("FuzzCorpus").path
    }

    /// Every input of `target` (its seeds and its crashes), sorted by name.
    public static func inputs(of target: String, in root: String = directory()) -> [Input] {
        files(below: "\(root)/\(target)", prefix: target)
    }

    /// Every input of every target, sorted by name.
    public static func allInputs(in root: String = directory()) -> [Input] {
        files(below: root, prefix: nil)
    }

    /// The regular files below `folder`, skipping hidden files and READMEs.
    static func files(below folder: String, prefix: String?) -> [Input] {
        guard let walker = FileManager.default.enumerator(atPath: folder) else { return [] }
        var out = [Input]()
        while let relative = walker.nextObject() as? String {
            let leaf = (relative as NSString).lastPathComponent
            guard !leaf.hasPrefix("."), !leaf.hasPrefix("README") else { continue }
            let path = "\(folder)/\(relative)"
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue,
                  let data = FileManager.default.contents(atPath: path) else { continue }
            out.append(Input(name: prefix.map { "\($0)/\(relative)" } ?? relative, bytes: Array(data)))
        }
        return out.sorted { $0.name < $1.name }
    }
}
