import MregStore

extension StoreError {
    /// What to do about the error, naming mreg's commands, to follow its message on the
    /// same line; empty when the message says enough. The store's own wording names no command.
    var hint: String {
        switch self {
        case .locked(_, _, stale: true):
            return "; check the store with 'mreg fsck', then remove the lock file"
        case .notFound(kind: .enclosingStore, _):
            return ": run 'mreg init' or set MREG_DIR"
        default:
            return ""
        }
    }
}
