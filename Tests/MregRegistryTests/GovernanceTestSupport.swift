import MregTestSupport
import Foundation
import Testing
import MregStore
@testable import MregRegistry
@testable import MregFilter
@testable import MregSupport
@testable import MregIndex
@testable import MregGovernance
@testable import MregRemote

/// A temporary store for governance tests: register versions, write a policy, hooks and keys.
struct GovernanceFixture {
    /// The work folder (holding `.mreg`).
    let dir: String
    var root: String { "\(dir)/.mreg" }

    /// A registry over the store as it is now on disk (config changes included).
    var registry: Registry {
        get throws { try Registry.standard(Repository(root: root)) }
    }

    /// Runs `body` with a fresh store whose user is Ada; the folder is removed afterwards.
    static func with<R>(_ body: (GovernanceFixture) throws -> R) throws -> R {
        try withTemporaryDirectory(prefix: "mreg-gov") { dir in
            var (repo, _) = try Repository.initialize(at: dir)
            try repo.setConfig("user.name", "Ada")
            try repo.setConfig("user.email", "ada@example.com")
            try repo.setConfig("core.fsyncObjects", "false")
            return try body(GovernanceFixture(dir: dir))
        }
    }

    /// Registers a version with the given metrics (`auc=0.93`) and an optional card license.
    @discardableResult
    func register(_ model: String = "fraud", metrics: [String], license: String? = "apache-2.0", seed: Int = 0,
                  stage: String? = nil) throws -> RegisterResult {
        let folder = "\(dir)/run-\(model)-\(seed)-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data("weights \(seed) \(metrics)".utf8).write(to: URL(fileURLWithPath: "\(folder)/model.bin"))
        var request = RegisterRequest(model: model, paths: ["\(folder)/model.bin"], directory: dir)
        request.metrics = metrics
        if let license {
            let card = "\(folder)/card.md"
            try Data("---\nlicense: \(license)\n---\n# Fraud\n".utf8).write(to: URL(fileURLWithPath: card))
            request.cardFile = card
        }
        request.stage = stage
        return try registry.register(request)
    }

    func writePolicy(_ text: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: "\(root)/policy.toml"))
    }

    /// Installs an executable hook.
    func hook(_ name: String, _ script: String) throws {
        try FileManager.default.createDirectory(atPath: "\(root)/hooks", withIntermediateDirectories: true)
        let path = "\(root)/hooks/\(name)"
        try Data(("#!/bin/sh\n" + script + "\n").utf8).write(to: URL(fileURLWithPath: path))
        chmod(path, 0o755)
    }

    /// Every file under `.mreg` with its bytes (to show a refused command changed nothing).
    func snapshot() -> [String: Data] {
        var out = [String: Data]()
        guard let e = FileManager.default.enumerator(atPath: root) else { return out }
        while let rel = e.nextObject() as? String {
            if let data = FileManager.default.contents(atPath: "\(root)/\(rel)") { out[rel] = data }
        }
        return out
    }

    /// Makes an ed25519 key pair in the work folder; returns the private key's path and its allowed-signers line.
    func keygen(_ name: String, principal: String) throws -> (key: String, allowed: String) {
        let key = "\(dir)/\(name)"
        let out = try? ProcessRunner.run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", key])
        guard out?.status == 0, let pub = FileManager.default.contents(atPath: key + ".pub") else {
            throw RegistryError.service(.init(service: "ssh-keygen", operation: "keygen", reason: out?.stderr ?? "not installed"))
        }
        return (key, "\(principal) \(String(decoding: pub, as: UTF8.self))")
    }

    static var hasSSHKeygen: Bool { (try? ProcessRunner.run("which", ["ssh-keygen"]))?.status == 0 }
}
