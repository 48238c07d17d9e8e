import Foundation
import MregRegistry
import MregSupport

/// One-file HTML reports (`mreg report`, `mreg diff --html`): the pages of `mreg serve` with
/// their CSS and plots inline, no script and no link to anything outside the file, so they
/// print and render without a server.
public enum HTMLReport {
    /// The model page of `model`, with only the versions in `versions` (`A..B`, `A..`, `..B`; revisions of the model).
    ///
    /// - Throws: not found for an unknown model or revision; bad input for a malformed range.
    public static func model(_ registry: Registry, model: String, versions: String? = nil) throws -> String {
        try Names.validateModel(model)
        let range = try versions.map { try versionRange($0, of: model, in: registry) }
        let overview = try ModelOverview.load(registry, model: model, versions: range)
        var page = overview.page(served: false)
        if let versions, let range {
            page.subtitle = "versions \(versions) (v\(range.lowerBound)…v\(range.upperBound)); " + (page.subtitle ?? "")
        }
        page.footer = "Report by mreg \(MregVersion.string) of model \(model) in \(registry.repository.workTree)."
        return page.render()
    }

    /// A diff of two versions as one page.
    public static func diff(_ diff: VersionDiff, all: Bool = false) -> String {
        var page = WebSite.diffPage(diff, all: all, served: false)
        page.footer = "Report by mreg \(MregVersion.string): diff \(diff.old.label) \(diff.new.label)."
        return page.render()
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
    /// Writes `html` to `path` atomically (a temporary file renamed over it).
    ///
    /// - Throws: `RegistryError.io` naming the path.
    public static func write(_ html: String, to path: String) throws {
        do {
            try Data(html.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            let code = (error as NSError).domain == NSCocoaErrorDomain
                ? ((error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError)?.code : nil
            if let code { throw RegistryError.io(.init("write", path, errno: Int32(code))) }
            throw RegistryError.io(.init("write", path, reason: error.localizedDescription))
        }
    }
}
