import Foundation
import SystemPackage

/// An mreg store: the `.mreg` folder with its objects, refs and config.
public struct Repository: Sendable {
    /// The `.mreg` folder.
    public let root: String
    public var config: Config
    public var globalConfig: Config
    public var objects: ObjectStore
    public var refs: RefStore

    /// The on-disk format version this build writes and reads.
    public static let formatVersion = 1
    public static let directoryName = ".mreg"

    /// Opens the store at `root` (a `.mreg` folder).
    public init(root: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let root = Repository.absolute(root)
        guard FileSystem.isDirectory(FilePath("\(root)/objects")), FileSystem.exists(FilePath("\(root)/config")) else {
            throw StoreError.notFound(kind: .store, name: root)
        }
        self.root = root
        config = try Config.load("\(root)/config")
        globalConfig = (try? Config.load(Config.globalPath(environment: environment))) ?? Config()
        if let v = config.get("core.formatVersion"), let n = Int(v), n > Repository.formatVersion {
            throw StoreError.invalid(reason: "store '\(root)' has format version \(n); this mreg reads up to \(Repository.formatVersion): upgrade mreg")
        }
        let shared = config.get("core.sharedRepository").map { ["group", "true", "1"].contains($0.lowercased()) } ?? false
        let compression = try CompressionPolicy(setting: config.get("core.compression") ?? globalConfig.get("core.compression") ?? "auto")
        let fsyncObjects = config.bool("core.fsyncObjects") ?? globalConfig.bool("core.fsyncObjects") ?? false
        objects = ObjectStore(directory: "\(root)/objects", compression: compression, sharedGroup: shared, fsyncObjects: fsyncObjects)
        refs = RefStore(root: root, sharedGroup: shared)
        if shared { umask(0o002) }
    }

    /// `path` made absolute against the current folder, with `.` and `..` removed.
    public static func absolute(_ path: String) -> String {
        let full = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        return URL(fileURLWithPath: full).standardized.path
    }

    /// The folder holding the `.mreg` folder.
    public var workTree: String { (root as NSString).deletingLastPathComponent }

    public var sharedGroup: Bool { objects.sharedGroup }

    /// A setting from the store's config, else the user's.
    public func setting(_ key: String) -> String? {
        config.get(key) ?? globalConfig.get(key)
    }

    /// Finds the store: `$MREG_DIR`, else a `.mreg` folder in `start` or its nearest parent.
    public static func discover(from start: String = FileManager.default.currentDirectoryPath,
                                environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Repository {
        if let dir = environment["MREG_DIR"], !dir.isEmpty {
            let path = dir.hasPrefix("/") ? dir : "\(start)/\(dir)"
            let candidate = FileSystem.isDirectory(FilePath("\(path)/\(directoryName)")) ? "\(path)/\(directoryName)" : path
            return try Repository(root: candidate, environment: environment)
        }
        var dir = (start as NSString).standardizingPath
        while true {
            let candidate = "\(dir)/\(directoryName)"
            if FileSystem.isDirectory(FilePath(candidate)) && FileSystem.exists(FilePath("\(candidate)/config")) {
                return try Repository(root: candidate, environment: environment)
            }
            if dir == "/" || dir.isEmpty { break }
            dir = (dir as NSString).deletingLastPathComponent
        }
        throw StoreError.notFound(kind: .enclosingStore, name: start)
    }

    /// Creates a store at `directory/.mreg` (or reports the existing one).
    ///
    /// - Returns: the store, and whether it already existed.
    @discardableResult
    public static func initialize(at directory: String, sharedGroup: Bool = false,
                                  environment: [String: String] = ProcessInfo.processInfo.environment) throws -> (Repository, existed: Bool) {
        let dir = Repository.absolute(directory)
        let root = dir.hasSuffix("/\(directoryName)") ? dir : "\(dir)/\(directoryName)"
        if FileSystem.exists(FilePath("\(root)/config")) {
            return (try Repository(root: root, environment: environment), true)
        }
        if sharedGroup { umask(0o002) }
        let mode: mode_t = sharedGroup ? 0o2775 : 0o755
        for sub in ["", "/objects", "/refs", "/refs/models"] {
            try FileSystem.makeDirectories(FilePath(root + sub), mode: mode)
            if sharedGroup { FileSystem.setPermissions(FilePath(root + sub), mode) }
        }
        var config = Config()
        try config.set("core.formatVersion", String(formatVersion))
        try config.set("core.compression", "auto")
        if sharedGroup { try config.set("core.sharedRepository", "group") }
        try config.save("\(root)/config", mode: sharedGroup ? 0o664 : 0o644)
        return (try Repository(root: root, environment: environment), false)
    }

    /// Sets a key in the store's config file.
    public mutating func setConfig(_ key: String, _ value: String) throws {
        var fresh = try Config.load("\(root)/config")
        try fresh.set(key, value)
        try fresh.save("\(root)/config", mode: sharedGroup ? 0o664 : 0o644)
        config = fresh
    }

    /// Removes a key from the store's config file.
    public mutating func unsetConfig(_ key: String) throws -> Bool {
        var fresh = try Config.load("\(root)/config")
        let removed = try fresh.unset(key)
        try fresh.save("\(root)/config", mode: sharedGroup ? 0o664 : 0o644)
        config = fresh
        return removed
    }

    /// Rewrites the store's config file with `config`.
    public mutating func saveConfig(_ new: Config) throws {
        try new.save("\(root)/config", mode: sharedGroup ? 0o664 : 0o644)
        config = new
    }
}
