extension RegistryError {
    /// Models a remote did not take in a push, and why.
    public struct PushRejected: Sendable, Equatable, CustomStringConvertible {
        /// Why a remote did not take a model.
        public enum Reason: Sendable, Equatable, CustomStringConvertible {
            /// The remote has events this store lacks.
            case notFastForward
            /// Another push moved the remote head first.
            case headMoved
            /// The remote store's governance refused the new events.
            case policy(Refusal)

            public var description: String {
                switch self {
                case .notFastForward: return "the remote has events this store lacks (not a fast-forward)"
                case .headMoved: return "another push moved the remote head first"
                case .policy(let refusal): return refusal.description
                }
            }
        }

        public var models: [String]
        /// The remote, as its name or location.
        public var remote: String
        public var reason: Reason

        public init(models: [String], remote: String, reason: Reason) {
            self.models = models
            self.remote = remote
            self.reason = reason
        }

        public var description: String {
            "push of \(models.joined(separator: ", ")) to \(remote) was refused: \(reason)"
        }
    }
}
