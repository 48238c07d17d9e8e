import MregStore
import MregSupport
import MregRegistry
import MregIndex
import MregGovernance
/// A remote as configured in `[remote "<name>"]`.
public struct RemoteConfig: Sendable, Equatable {
    public var name: String
    public var url: String
    /// Optional S3 settings kept with the remote (`endpoint`, `region`, …).
    public var settings: [String: String]
}
