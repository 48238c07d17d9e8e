import MregStore
import MregSupport
import MregRegistry
import MregIndex
import MregGovernance

/// The result of push, fetch, pull or clone.
public struct TransferReport: Sendable {
    /// The remote's name (`origin`), or nil for a URL given directly.
    public var remoteName: String?
    public var location: RemoteLocation
    public var models: [ModelUpdate] = []
    /// Objects copied and their payload (uncompressed) bytes, the same count for push, fetch
    /// and clone (and the one register's totals use), whatever compression the stores use.
    public var objects = 0
    public var bytes: Int64 = 0
    /// Things that went wrong without failing the transfer (a remote-tracking ref left unmoved).
    public var warnings: [String] = []

    public init(remoteName: String?, location: RemoteLocation) {
        self.remoteName = remoteName
        self.location = location
    }

    public var rejected: [ModelUpdate] { models.filter { $0.status == .rejected } }

    /// `origin`, or the URL.
    public var remoteLabel: String { remoteName ?? location.description }
}
