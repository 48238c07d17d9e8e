extension RegistryError {
    /// A request a storage service (S3) failed or refused.
    public struct ServiceFailure: Sendable, Equatable, CustomStringConvertible {
        /// The service: `S3`.
        public var service: String
        /// What was being done: `PUT refs/models/fraud/head`, `connecting to http://…`.
        public var operation: String
        /// The HTTP status, when there was an answer.
        public var status: Int?
        /// What went wrong and what to check.
        public var reason: String

        public init(service: String, operation: String, status: Int? = nil, reason: String) {
            self.service = service
            self.operation = operation
            self.status = status
            self.reason = reason
        }

        public var description: String {
            "\(service) \(operation) failed: \(reason)"
        }
    }
}
