import Foundation
import MregRegistry
import MregRemote
import MregStore
import MregTestSupport
@testable import MregWeb

/// A store in a temporary folder, registered to the way `mreg register` does, and its web view.
struct WebFixture {
    let dir: String
    let registry: Registry
    var site: WebSite { WebSite(storeRoot: registry.repository.root, environment: [:]) }

    static func with<R>(_ body: (WebFixture) throws -> R) throws -> R {
        try withTemporaryDirectory(prefix: "mreg-web") { dir in
            var (repo, _) = try Repository.initialize(at: dir)
            try repo.setConfig("user.name", "Ada")
            try repo.setConfig("user.email", "ada@example.com")
            return try body(WebFixture(dir: dir, registry: try Registry.standard(repo)))
        }
    }

    /// Registers a folder of `files` (path: text) with these metrics (`auc=0.9`); returns the version.
    @discardableResult
    func register(_ model: String, metrics: [String] = [], params: [String] = [], files: [String: String] = ["model.bin": "weights"],
                  message: String = "") throws -> Int64 {
        let folder = "\(dir)/src-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (path, text) in files { try Data(text.utf8).write(to: URL(fileURLWithPath: "\(folder)/\(path)")) }
        var request = RegisterRequest(model: model, paths: [folder], directory: dir)
        request.metrics = metrics
        request.params = params
        request.message = message
        return try registry.register(request).version
    }

    func get(_ target: String) -> WebResponse { site.respond(method: "GET", target: target) }
}
