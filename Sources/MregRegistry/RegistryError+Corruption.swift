extension RegistryError {
    /// Stored data that is damaged or incomplete: what, why, and on which remote (nil: this store).
    public struct Corruption: Sendable, Equatable, CustomStringConvertible {
        /// What is damaged: `object 1a2b…`, `event chain of fraud`, `manifest 1a2b3c4d`, a file's path.
        public var object: String
        public var reason: String
        /// The remote's location, when the damage is there.
        public var remote: String?

        public init(object: String, reason: String, remote: String? = nil) {
            self.object = object
            self.reason = reason
            self.remote = remote
        }

        public var description: String {
            "\(object)\(remote.map { " on \($0)" } ?? ""): \(reason)"
        }
    }
}
