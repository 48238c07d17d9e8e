/// Watches a long transfer (the CLI draws progress on a terminal from it).
///
/// Called from worker threads. `expect` may be called more than once: a fetch
/// learns what it has to download as it reads manifests and chunk lists.
public protocol TransferObserver: Sendable {
    /// `bytes` more are expected (may be negative when an estimate shrinks).
    func expect(bytes: Int64)
    /// `bytes` more were moved.
    func advance(bytes: Int64)
    /// The transfer ended (successfully or not).
    func finish()
}
