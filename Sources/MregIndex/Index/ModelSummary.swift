import MregStore
import MregSupport
import MregRegistry
import MregFilter

/// One model as `mreg list` shows it, answered from the index.
public struct ModelSummary: Sendable, Equatable {
    public var model: String
    /// The head event this summary reflects.
    public var head: ObjectID
    public var eventCount: Int64
    public var versionCount: Int
    public var latestVersion: Int64?
    public var stages: [String: Int64]
    public var tags: [String: Int64]
    public var lastChange: String?

    public init(model: String, head: ObjectID, eventCount: Int64, versionCount: Int, latestVersion: Int64?,
                stages: [String: Int64], tags: [String: Int64], lastChange: String?) {
        self.model = model
        self.head = head
        self.eventCount = eventCount
        self.versionCount = versionCount
        self.latestVersion = latestVersion
        self.stages = stages
        self.tags = tags
        self.lastChange = lastChange
    }
}
