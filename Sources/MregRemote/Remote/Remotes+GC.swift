import Foundation
import MregStore
import MregSupport
import MregRegistry

extension Remotes {
    /// `gc --remote`: collects a filesystem remote as a local store (with its own
    /// `gc.pruneExpire` when `expiry` is nil), or an S3 remote's prefix (see `S3Remote.collectGarbage`).
    public func gc(_ storage: any RemoteStorage, expiry: PruneExpiry?, now: Date, dryRun: Bool) throws -> GCReport {
        if let file = storage as? FileRemote {
            let remote = file.registry
            var report = try remote.gc(expiry: expiry ?? remote.configuredPruneExpiry(now: now), now: now, dryRun: dryRun, pack: false)
            // The store's gc may have merged packs a push listed: the list keeps only packs still there.
            report.packListRepairs = try FilePackStorage(location: file.location, objects: file.repository.objects).repairPackList(dryRun: dryRun)
            return report
        }
        if let s3 = storage as? S3Remote {
            return try s3.collectGarbage(expiry: expiry ?? registry.configuredPruneExpiry(now: now), now: now, dryRun: dryRun)
        }
        throw RegistryError.badInput(.invalidRemoteURL(url: "\(storage.location)", problem: "gc knows filesystem and S3 remotes only"))
    }
}
