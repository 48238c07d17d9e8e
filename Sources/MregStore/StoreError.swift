import SystemPackage

/// An error raised by the object store, the refs or the repository.
///
/// Each case carries what went wrong as data, so callers match on it instead of
/// on the wording: `if case .locked(_, _, stale: true) = error` or `error.isStaleLock`.
/// `code` groups the cases the way libgit2's codes do; `message` words the error
/// in one line and never names a command or flag (the CLI adds those hints).
public enum StoreError: Error, Sendable, Equatable {
    /// What kind of thing was looked for and not found.
    public enum Kind: String, Sendable, Equatable {
        /// An object, named by its full id.
        case object
        /// An object named by an id prefix that matches none.
        case idPrefix
        /// A ref, named in full.
        case ref
        /// A store at a given folder (the folder is not one).
        case store
        /// A store in a folder or any of its parents (none was found).
        case enclosingStore
        /// What a plumbing command accepts: an id, a ref or a model revision.
        case revision
    }

    /// Something named does not exist.
    case notFound(kind: Kind, name: String)
    /// A ref cannot be created because another ref is in its way: a ref named
    /// like one of its folders, or (when `conflicting` ends in `/`) refs below it.
    case alreadyExists(ref: RefName, conflicting: String)
    /// An id prefix matches more than one object.
    case ambiguous(prefix: String, candidates: [ObjectID])
    /// A lock file is held by another process, or left by one that died (`stale`).
    case locked(path: FilePath, owner: LockFile.Owner?, stale: Bool)
    /// A compare-and-swap failed: the ref does not hold what was expected.
    case modified(ref: RefName, expected: RefExpectation, actual: ObjectID?)
    /// Stored bytes are damaged: wrong hash, bad zlib, bad header.
    case corrupt(object: ObjectID?, path: FilePath?, reason: String)
    /// A ref file does not hold an object id.
    case corruptRef(ref: RefName, path: FilePath)
    /// The input is not acceptable: a bad ref name, a bad id, a bad type, a bad setting.
    case invalid(reason: String)
    /// The operating system refused an operation on a file.
    case io(operation: String, path: FilePath, errno: Errno)
    /// zlib refused to start or go on for a reason other than bad data (out of memory, say).
    case zlib(function: String, status: Int32)

    /// The broad class of an error, for checks such as `e.code == .locked`.
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

    /// The broad class of this error. An `io` error whose errno says the file is
    /// missing (ENOENT) or already there (EEXIST) counts as `notFound` or `alreadyExists`.
    public var code: Code {
        switch self {
        case .notFound: return .notFound
        case .alreadyExists: return .alreadyExists
        case .ambiguous: return .ambiguous
        case .locked: return .locked
        case .modified: return .modified
        case .corrupt, .corruptRef: return .corrupt
        case .invalid: return .invalid
        case .io(_, _, let errno):
            if errno == .noSuchFileOrDirectory { return .notFound }
            if errno == .fileExists { return .alreadyExists }
            return .io
        case .zlib: return .io
        }
    }

    /// The file the error is about, when there is one.
    public var path: FilePath? {
        switch self {
        case .locked(let path, _, _), .io(_, let path, _), .corruptRef(_, let path): return path
        case .corrupt(_, let path, _): return path
        default: return nil
        }
    }

    /// The operating system's error number, for `io` errors.
    public var errno: Errno? {
        if case .io(_, _, let errno) = self { return errno }
        return nil
    }

    /// Whether this is a lock left by a process of this host that is no longer running:
    /// retrying will not help, someone has to check the store and remove the lock.
    public var isStaleLock: Bool {
        if case .locked(_, _, stale: true) = self { return true }
        return false
    }
}

extension StoreError {
    /// Damaged bytes whose object and file the caller adds (see `ObjectReader`).
    static func corruptData(_ reason: String) -> StoreError {
        .corrupt(object: nil, path: nil, reason: reason)
    }
}
