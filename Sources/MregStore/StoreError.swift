/// An error raised by the object store, the refs or the repository.
///
/// The codes follow libgit2's: what a store can say is wrong.
public struct StoreError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Code: String, Sendable {
        /// Something named does not exist.
        case notFound
        /// Something to be created already exists.
        case alreadyExists
        /// A prefix or name matches more than one thing.
        case ambiguous
        /// A lock file is held by another process (or left behind by a dead one).
        case locked
        /// A compare-and-swap failed: someone else changed the value.
        case modified
        /// Stored bytes are damaged: wrong hash, bad zlib, bad header.
        case corrupt
        /// The input is not acceptable: a bad ref name, a bad id, a bad type.
        case invalid
        /// The operating system refused an operation.
        case io
    }

    public var code: Code
    public var message: String
    public var path: String?
    public var errno: Int32?

    public init(_ code: Code, _ message: String, path: String? = nil, errno: Int32? = nil) {
        self.code = code
        self.message = message
        self.path = path
        self.errno = errno
    }

    public var description: String { message }
}
