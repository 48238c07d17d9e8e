/// One entry found by walking `refs/`: a ref, a damaged ref, a lock, or something that is no ref.
public enum RefEntry: Sendable, Equatable {
    /// Why an entry under `refs/` is not a ref.
    public enum Stray: Sendable, Equatable {
        /// A name starting with `.`: `.DS_Store`, an NFS `.nfs…` silly-rename file, an editor's backup.
        case hidden
        /// A folder named like a lock file (`x.lock/`).
        case lockFolder
        /// A name a ref cannot have (the reason says which rule it breaks), or one that is not UTF-8.
        case invalidName(String)
        /// A symbolic link: never followed, so a link cannot make the walk loop.
        case symbolicLink
        /// A FIFO, socket or device: never opened, so it cannot block the walk.
        case notRegularFile
    }

    /// A ref and the id it holds.
    case ref(RefName, ObjectID)
    /// A file with a ref's name that does not hold an object id (or cannot be read).
    case corrupt(RefName, StoreError)
    /// A lock file (`x.lock`) or an unfinished temp file of a ref update (`x.lock~…`), as a full path.
    case lock(path: String)
    /// A file or folder that is not a ref, as a full path; folders are not walked into.
    case stray(path: String, Stray)
}
