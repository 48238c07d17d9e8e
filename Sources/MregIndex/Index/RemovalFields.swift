/// Who removed a version, when and why, as the index keeps it (from the `remove` event).
public struct RemovalFields: Sendable, Equatable {
    /// `Name <email>`.
    public var by: String
    /// RFC 3339 UTC.
    public var at: String
    public var reason: String?

    public init(by: String, at: String, reason: String?) {
        self.by = by
        self.at = at
        self.reason = reason
    }
}
