import MregStore

extension StoreError {
    /// What to do about the error, naming mreg's commands, to follow its message on the
    /// same line; empty when the message says enough. The store's own wording names no command.
    var hint: String {
        switch self {
        case .locked(_, _, stale: true):
            // mreg takes a stale lock over by itself; this is seen only when it could not remove it.
            return "; it could not be removed (is its folder writable?): run 'mreg fsck --repair' as a user who may, or remove the lock file"
        case .notFound(kind: .enclosingStore, _):
            return ": run 'mreg init' or set MREG_DIR"
        default:
            return ""
        }
    }
}
