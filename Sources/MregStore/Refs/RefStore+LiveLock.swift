import SystemPackage

extension RefStore {
    /// The error taking the lock of `name` would raise now because a live process (or another
    /// host) holds it; nil when it is free or stale (a stale lock is taken over, FORMAT.md §2.2).
    /// Lets a command refuse before it writes anything rather than half-way.
    public func liveLock(on name: RefName) -> StoreError? {
        guard let seen = LockFile.Inspection(FilePath(path(for: name) + ".lock")), !seen.isStale else { return nil }
        return seen.error
    }
}
