import MregStore
import MregRegistry

/// Which manifests a transfer's walk of event chains has seen removed and not registered
/// again by a live version: their files are not transferred.
///
/// Fed events newest first along each chain (as transfers walk from heads), so a version's
/// `remove` is always noted before its `register`: a register of a version not (yet) seen
/// removed is live, and its manifest is live even if an older, removed version had the same one.
struct RemovedManifests {
    private var removedVersions = Set<String>()
    private var removed = Set<ObjectID>()
    private var live = Set<ObjectID>()

    mutating func note(_ event: Event) {
        guard let version = event.version, let manifest = event.manifest else { return }
        let key = "\(event.model)\u{0}\(version)"
        switch event.action {
        case .remove:
            removedVersions.insert(key)
            removed.insert(manifest)
        case .register:
            if !removedVersions.contains(key) { live.insert(manifest) }
        default:
            break
        }
    }

    /// Whether a live version's register event the walk saw names `manifest`. Such a manifest's
    /// files are checked even when the other side has the manifest: it may be one of a version
    /// removed there earlier, whose files its gc reclaimed.
    func isLive(_ manifest: ObjectID) -> Bool { live.contains(manifest) }

    /// Whether `manifest` belongs only to removed versions, as far as the walk has seen.
    func isRemovedOnly(_ manifest: ObjectID) -> Bool {
        removed.contains(manifest) && !live.contains(manifest)
    }
}
