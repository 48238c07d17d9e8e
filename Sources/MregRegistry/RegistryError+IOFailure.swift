#if canImport(Glibc)
import Glibc
#endif

extension RegistryError {
    /// A read or write the operating system failed.
    public struct IOFailure: Sendable, Equatable, CustomStringConvertible {
        /// What was being done, as a verb phrase: `read`, `write`, `create the folder`.
        public var operation: String
        public var path: String
        /// The `errno`, when the failure came with one.
        public var errno: Int32?
        /// The operating system's words for it.
        public var reason: String

        /// A failure described by an `errno` value.
        public init(_ operation: String, _ path: String, errno code: Int32) {
            self.operation = operation
            self.path = path
            self.errno = code
            self.reason = String(cString: strerror(code))
        }

        /// A failure described in words.
        public init(_ operation: String, _ path: String, reason: String) {
            self.operation = operation
            self.path = path
            self.errno = nil
            self.reason = reason
        }

        public var description: String {
            "cannot \(operation) '\(path)': \(reason)"
        }
    }
}
