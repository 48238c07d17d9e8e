import MregGovernance
import MregIndex
import MregRegistry
import MregStore

extension Registry {
    /// A registry with every layer installed: the index as its cache and the store's
    /// governance (policy, signatures, hooks). What the command line and remotes open.
    public static func standard(_ repository: Repository) throws -> Registry {
        try Registry(repository: repository, cache: IndexCache(), governor: StoreGovernor())
    }
}
