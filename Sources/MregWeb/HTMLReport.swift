import Foundation
#if canImport(Glibc)
import Glibc
#endif
import MregRegistry
import MregStore
import MregSupport

/// One-file HTML reports (`mreg report`, `mreg diff --html`): the pages of `mreg serve` with
/// their CSS and plots inline, no script and no link to anything outside the file, so they
/// print and render without a server.
public enum HTMLReport {
    /// The model page of `model`, with only the versions in `versions` (`A..B`, `A..`, `..B`; revisions of the model).
    ///
    /// - Throws: not found for an unknown model or revision; bad input for a malformed range.
    /// The footer says when (UTC; `MREG_NOW` when set, as in `environment`) and from which store.
    public static func model(_ registry: Registry, model: String, versions: String? = nil,
                             environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        try Names.validateModel(model)
        let range = try versions.map { try versionRange($0, of: model, in: registry) }
        let overview = try ModelOverview.load(registry, model: model, versions: range)
        var page = overview.page(served: false)
        if let versions, let range {
            page.subtitle = "versions \(versions) (v\(range.lowerBound)…v\(range.upperBound)); " + (page.subtitle ?? "")
        }
        page.footer = "Report of model \(model) from the store in \(registry.repository.workTree), "
            + "generated \(generated(environment)) by mreg \(MregVersion.string)."
        return page.render()
    }

    /// A diff of two versions as one page; the footer names `store` (the folder of the store) and when.
    /// A metric's change is green when it improves (a fall for those in `lowerIsBetter`, else a rise).
    public static func diff(_ diff: VersionDiff, all: Bool = false, store: String? = nil, lowerIsBetter: Set<String> = [],
                            environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        var page = WebSite.diffPage(diff, all: all, served: false, lowerIsBetter: lowerIsBetter)
        page.footer = "Diff \(diff.old.label) → \(diff.new.label)" + (store.map { " from the store in \($0)" } ?? "")
            + ", generated \(generated(environment)) by mreg \(MregVersion.string)."
        return page.render()
    }

    /// Now in UTC as `2026-03-01 12:00:00 UTC` (`MREG_NOW` when it is set and readable).
    static func generated(_ environment: [String: String]) -> String {
        let stamp = (try? Timestamp.now(environment: environment)) ?? Timestamp.format(Date())
        return stamp.replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: "Z", with: " UTC")
    }

    /// What `mreg report -o` and `mreg diff --html -o` print once the file is written.
    public static func confirmation(_ html: String, path: String) -> String {
        "Wrote \(path) (\(html.utf8.count) bytes)"
    }

    /// The version numbers `A..B` names: each side a revision of `model` (`3`, `v3`, a tag, a stage); an open side is the first or last version.
    static func versionRange(_ text: String, of model: String, in registry: Registry) throws -> ClosedRange<Int64> {
        let parts = text.components(separatedBy: "..")
        guard parts.count == 2 else {
            throw RegistryError.badInput(.invalidAssignment(text: text, problem: "--versions takes A..B (e.g. 3..7, v3..production, 5..)"))
        }
        func resolve(_ side: String, _ fallback: Int64) throws -> Int64 {
            side.isEmpty ? fallback : try registry.resolve("\(model)@\(side)").version
        }
        let lo = try resolve(parts[0], Int64.min), hi = try resolve(parts[1], Int64.max)
        guard lo <= hi else {
            throw RegistryError.badInput(.invalidAssignment(text: text, problem: "--versions names v\(lo) after v\(hi): put the older version first"))
        }
        return lo...hi
    }
}

extension HTMLReport {
    /// Writes `html` to `path` atomically (a temporary file beside it, renamed over it).
    ///
    /// - Throws: bad input when `path` is a folder; `RegistryError.io` naming the folder when it
    ///   does not exist or cannot be written, or the file when the rename fails.
    public static func write(_ html: String, to path: String) throws {
        let target = Repository.absolute(path)
        let folder = (target as NSString).deletingLastPathComponent
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: target, isDirectory: &isFolder), isFolder.boolValue {
            throw RegistryError.badInput(.unusablePath(action: "write the report to", path: path, problem: "it is a folder; name a file"))
        }
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw RegistryError.io(.init("write", path, reason: "the folder \(folder) does not exist: create it (mkdir -p \(folder)) or choose another -o FILE"))
        }
        let temp = "\(folder)/.\((target as NSString).lastPathComponent).tmp~\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            let code = errno
            let why = code == EACCES || code == EROFS || code == EPERM
                ? "the folder \(folder) is not writable (\(String(cString: strerror(code)))): choose another -o FILE"
                : "cannot create a file in \(folder): \(String(cString: strerror(code)))"
            throw RegistryError.io(.init("write", path, reason: why))
        }
        var bytes = Array(html.utf8)[...]
        var failure: Int32 = 0
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                failure = errno
                break
            }
            bytes = bytes.dropFirst(n)
        }
        if failure == 0, fsync(fd) != 0 { failure = errno }
        if close(fd) != 0, failure == 0 { failure = errno }
        if failure == 0, rename(temp, target) != 0 { failure = errno }
        if failure != 0 {
            unlink(temp)
            throw RegistryError.io(.init("write", path, errno: failure))
        }
    }
}
