import Foundation
import MregIndex
import MregRegistry
import MregRemote
import MregStore
import MregSupport

/// The read-only web view of one store: answers a GET or HEAD for a path with an HTML page or
/// JSON, reading the store afresh for every request (a version registered in another terminal
/// shows up on reload). Knows nothing of sockets: `WebServer` feeds it requests.
///
///     let site = WebSite(storeRoot: "/data/models/.mreg")
///     let page = site.respond(method: "GET", target: "/models/fraud?sort=metrics.auc&dir=desc")
public struct WebSite: Sendable {
    /// The `.mreg` folder.
    public var storeRoot: String
    public var environment: [String: String]
    /// Rows of a table before it is split into pages.
    public static let rowsPerPage = 200

    public init(storeRoot: String, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.storeRoot = storeRoot
        self.environment = environment
    }

    /// A request's path segments (each percent-decoded) and query parameters.
    public struct Request: Sendable {
        public var segments: [String]
        public var query: [String: String]

        /// Parses a request target (`/models/fraud?page=2`); nil when a segment cannot be decoded
        /// or tries to leave the tree (`..`, `.`, an encoded `/` or NUL).
        public init?(target: String) {
            let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
            let path = parts.first.map(String.init) ?? ""
            guard path.hasPrefix("/") else { return nil }
            var segments = [String]()
            for raw in path.split(separator: "/", omittingEmptySubsequences: true) {
                guard let s = HTML.percentDecoded(String(raw)), s != ".", s != "..",
                      !s.contains("/"), !s.contains("\\"), !s.unicodeScalars.contains(where: { $0.value < 0x20 }) else { return nil }
                segments.append(s)
            }
            self.segments = segments
            var query = [String: String]()
            if parts.count > 1 {
                for pair in parts[1].split(separator: "&") {
                    let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                    guard let k = HTML.percentDecoded(String(kv[0]), plusIsSpace: true) else { return nil }
                    let v = kv.count > 1 ? HTML.percentDecoded(String(kv[1]), plusIsSpace: true) : ""
                    guard let v else { return nil }
                    if query[k] == nil { query[k] = v }
                }
            }
            self.query = query
        }

        /// The 1-based page number of a long table (`?page=N`).
        var page: Int { max(1, min(Int(query["page"] ?? "") ?? 1, 1_000_000)) }
    }

    /// Answers one request. Any method but GET and HEAD is refused (405); a HEAD gets the
    /// GET's status and headers, without the body (the server leaves it out).
    public func respond(method: String, target: String) -> WebResponse {
        guard method == "GET" || method == "HEAD" else {
            var r = errorPage(status: 405, title: "Method not allowed", message: "this view is read-only: only GET and HEAD are answered")
            r.headers["Allow"] = "GET, HEAD"
            return r
        }
        guard let request = Request(target: target) else {
            return errorPage(status: 404, title: "Not found", message: "no such page: the path cannot be read")
        }
        let api = request.segments.first == "api"
        do {
            let registry = try openRegistry()
            return try route(request, registry: registry)
        } catch let failure as WebFailure {
            return api ? jsonError(failure.status, failure.message) : errorPage(status: failure.status, title: failure.title, message: failure.message)
        } catch {
            let (status, title) = Self.status(of: error)
            let message = Self.message(of: error)
            return api ? jsonError(status, message) : errorPage(status: status, title: title, message: message)
        }
    }

    /// The registry, opened for one request.
    func openRegistry() throws -> Registry {
        do {
            return try Registry.standard(Repository(root: storeRoot, environment: environment))
        } catch let error as StoreError {
            if case .notFound(kind: .store, _) = error {
                throw WebFailure(status: 503, title: "Store unavailable",
                                 message: "the store at \(storeRoot) is gone or unreadable; restore it or restart 'mreg serve' in the right folder")
            }
            throw error
        }
    }

    func route(_ r: Request, registry: Registry) throws -> WebResponse {
        let s = r.segments
        switch s.count {
        case 0: return .html(try modelsPage(registry, r))
        case 1 where s[0] == "search": return try searchPage(registry, r)
        case 2 where s[0] == "models": return try modelPage(registry, model: s[1], r)
        case 3 where s[0] == "models" && s[2] == "log": return .html(try logPage(registry, model: s[1], r))
        case 4 where s[0] == "models" && s[2] == "versions": return .html(try versionPage(registry, model: s[1], version: s[3], r))
        case 5 where s[0] == "models" && s[2] == "diff": return .html(try diffPage(registry, model: s[1], old: s[3], new: s[4], r))
        default: break
        }
        if s.first == "api" {
            let a = Array(s.dropFirst())
            switch a.count {
            case 1 where a[0] == "models": return try apiModels(registry)
            case 1 where a[0] == "search": return try apiSearch(registry, r)
            case 2 where a[0] == "models": return try apiModel(registry, model: a[1])
            case 3 where a[0] == "models" && a[2] == "log": return try apiLog(registry, model: a[1])
            case 4 where a[0] == "models" && a[2] == "versions": return try apiVersion(registry, model: a[1], version: a[3])
            case 5 where a[0] == "models" && a[2] == "diff": return try apiDiff(registry, model: a[1], old: a[3], new: a[4])
            default: throw WebFailure(status: 404, title: "Not found", message: "no such API endpoint: see Docs/COMMANDS.md ('mreg serve')")
            }
        }
        throw WebFailure(status: 404, title: "Not found", message: "no such page")
    }

    /// A model name from a URL, checked before the store is touched (a bad name is simply not found).
    func checkedModel(_ name: String) throws -> String {
        do { try Names.validateModel(name) } catch {
            throw WebFailure(status: 404, title: "Not found", message: "no model named '\(name)'")
        }
        return name
    }

    /// `MODEL@SELECTOR` from a URL's version segment (`3`, `v3`, a stage, a tag, `latest`).
    /// A number that is no version (`0`, too large) is worded as any missing version number:
    /// `m has no version 0 (latest: v4)`.
    func checkedRevision(_ model: String, _ selector: String, in registry: Registry) throws -> String {
        let text = "\(try checkedModel(model))@\(selector)"
        do { _ = try Revision.parse(text) } catch {
            throw WebFailure(status: 404, title: "Not found", message: "no version '\(selector)' of \(model)")
        }
        let digits = selector.hasPrefix("v") || selector.hasPrefix("V") ? selector.dropFirst() : Substring(selector)
        if Revision.versionNumber(selector) == nil, !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) {
            let latest = try registry.existingState(of: model).latestLiveVersion
            throw WebFailure(status: 404, title: "Not found",
                             message: "\(model) has no version \(digits)" + " (latest: \(latest.map { "v\($0)" } ?? "none"))")
        }
        return text
    }

    /// Checks the query parameters a page knows (`page`, and the page's own `choices`: a name and
    /// its allowed values, nil for any); unknown parameters are ignored.
    ///
    /// - Throws: a 400 naming the parameter, its value and what it takes.
    func checkParameters(_ r: Request, _ choices: [String: [String]?] = [:]) throws {
        if let page = r.query["page"], (Int(page) ?? 0) < 1 {
            throw WebFailure(status: 400, title: "Bad request", message: "?page=\(page) is not a page number: use 1 or more")
        }
        for (name, allowed) in choices.sorted(by: { $0.key < $1.key }) {
            guard let value = r.query[name], let allowed, !allowed.contains(value) else { continue }
            throw WebFailure(status: 400, title: "Bad request",
                             message: "?\(name)=\(value) is not known: use \(allowed.map { "\(name)=\($0)" }.joined(separator: " or "))")
        }
    }

    func errorPage(status: Int, title: String, message: String) -> WebResponse {
        var page = WebPage(title: title, heading: "\(status) \(title)", error: message)
        page.sections = [WebPage.Section(note: "Back to the list of models.", table: nil)]
        page.sections[0].table = WebPage.Table(headers: [WebPage.Cell("Go to")], rows: [[WebPage.Cell("all models", href: "/")]])
        return .html(page, status: status)
    }

    func jsonError(_ status: Int, _ message: String) -> WebResponse {
        WebResponse(status: status, contentType: "application/json",
                    body: Array(JSONValue.object(["error": .string(message), "status": .int(Int64(status))]).pretty.utf8))
    }

    /// The HTTP status and title of an error from the registry or the store.
    static func status(of error: any Error) -> (Int, String) {
        switch error {
        case is ModelDamage: return (500, "Damaged model")
        case let e as RegistryError:
            switch e {
            case .notFound, .invalidName: return (404, "Not found")
            case .badInput: return (400, "Bad request")
            case .corrupt: return (500, "Damaged data")
            default: return (500, "Error")
            }
        case let e as StoreError:
            if case .notFound = e { return (404, "Not found") }
            return (500, "Damaged data")
        default: return (500, "Error")
        }
    }

    /// One line about an error, with what to do for damage.
    static func message(of error: any Error) -> String {
        let text = "\(error)"
        switch status(of: error).0 {
        case 500: return text + "; run 'mreg fsck' on the store"
        default: return text
        }
    }
}

/// A request that cannot be answered with a page of data: its status and why.
struct WebFailure: Error {
    var status: Int
    var title: String
    var message: String
}
