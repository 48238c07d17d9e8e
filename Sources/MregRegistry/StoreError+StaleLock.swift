import MregStore

extension StoreError {
    /// A lock left behind by a process that is gone: reported to the user, never waited out.
    ///
    /// The one place that tells a stale lock from a held one by the store's message.
    package var isStaleLock: Bool {
        code == .locked && description.hasPrefix("stale lock")
    }
}
