import Foundation
import MregStore
import MregSupport
import MregRegistry
import MregIndex
import MregGovernance

/// The remotes of one registry: their configuration, and push, fetch, pull and clone.
///
///     let remotes = Remotes(registry)
///     let (name, storage) = try remotes.open("origin")
///     let report = try remotes.push(to: storage, remoteName: name)
///
/// A service over a `Registry` (as libgit2's `git_remote_*` are over a repository): local
/// chains change only through the registry's compare-and-swap on model heads.
public struct Remotes: Sendable {
    public var registry: Registry

    public init(_ registry: Registry) { self.registry = registry }

    var repository: Repository {
        get { registry.repository }
        set { registry.repository = newValue }
    }
    var store: ObjectStore { registry.store }
    var refs: RefStore { registry.refs }
    var governance: Governance { Governance(registry) }
}
