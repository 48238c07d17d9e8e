import Foundation
import MregStore
import MregSupport
import MregRegistry
import MregIndex
import MregGovernance
import MregRemote

/// A small registry the revision, query and gate targets run against: `fraud` v1–v3 (v1
/// tagged `reviewed`, v2 in staging, v3 in production, params, metrics and a card) and
/// `ranker` v1, registered with the real code in a folder of its own.
struct FuzzFixture {
    let repository: Repository
    let registry: Registry
    let index: RegistryIndex
    /// The stages the store knows (for gates and policies).
    let stages: [String]
    /// Version 2 of `fraud` as a gate sees it.
    let subject: GateExpression.Subject
    /// Version 2 of `fraud`, its model's state, and version 3 (in production) for policies to judge.
    let candidate: Manifest
    let state: ModelState
    let current: (version: Int64, manifest: Manifest)

    init(directory: String) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var (repo, _) = try Repository.initialize(at: directory, environment: [:])
        try repo.setConfig("user.name", "Fuzz")
        try repo.setConfig("user.email", "fuzz@example.com")
        try repo.setConfig("core.fsyncObjects", "false")
        let registry = try Registry.standard(repo)

        func put(_ name: String, _ text: String) throws -> String {
            let path = "\(directory)/\(name)"
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            return path
        }
        func register(_ model: String, _ n: Int, auc: Double) throws -> RegisterResult {
            let weights = try put("\(model)-\(n).bin", "weights of \(model) \(n)\n")
            var request = RegisterRequest(model: model, paths: [weights], directory: directory)
            request.message = "run \(n)"
            request.paramFiles = [try put("params-\(n).yaml", "optimizer:\n  name: adam\n  lr: 0.0\(n)\nlayers: [64, 32]\nseed: \(n)\n")]
            request.metrics = ["auc=\(auc)", "latency_ms=\(10 * n)"]
            request.cardFile = try put("card-\(n).md", "---\nlicense: apache-2.0\ntags: [fraud, tabular]\n---\n# \(model)\n")
            return try registry.register(request)
        }
        _ = try register("fraud", 1, auc: 0.91)
        let second = try register("fraud", 2, auc: 0.93)
        let third = try register("fraud", 3, auc: 0.95)
        _ = try register("ranker", 1, auc: 0.7)
        try registry.tag(model: "fraud", version: 1, tag: "reviewed", force: false)
        try registry.promote(model: "fraud", version: 2, stage: "staging", reason: "fixture")
        try registry.promote(model: "fraud", version: 3, stage: "production", reason: "fixture")

        let resolved = try registry.resolve("fraud@2")
        let candidate = try Manifest.load(second.manifestID, from: repo.objects)
        repository = repo
        self.registry = registry
        index = RegistryIndex(registry: registry)
        stages = registry.stages
        self.candidate = candidate
        state = resolved.state
        current = (3, try Manifest.load(third.manifestID, from: repo.objects))
        subject = GateExpression.Subject(manifest: candidate, version: 2, state: resolved.state)
    }
}
