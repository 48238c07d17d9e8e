import Foundation
import MregStore
import MregSupport
import MregRegistry
import MregFilter

/// The governance of one registry: its promotion policy (`.mreg/policy.toml`), signatures
/// checked against the policy's allowed-signers file, hooks (`.mreg/hooks/`) and `verify`.
///
///     let report = try Governance(registry).verify(models: ["fraud"])
///
/// A service over a `Registry`, as libgit2's `git_remote_*` are over a repository: it reads
/// the registry and appends to chains only through `Registry.appendEvent`.
public struct Governance: Sendable {
    public let registry: Registry

    public init(_ registry: Registry) { self.registry = registry }

    var repository: Repository { registry.repository }
    var store: ObjectStore { registry.store }
    var refs: RefStore { registry.refs }
    var stages: [String] { registry.stages }
    func identity() throws -> Identity { try registry.identity() }
}
