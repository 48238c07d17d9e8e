import Foundation
import MregStore
import MregSupport

extension Registry {
    /// The bytes each model and version holds (see `DiskUsage`).
    ///
    /// - Parameters:
    ///   - model: only this model's entries (its versions listed); nil: every model.
    ///   - version: only this version of `model`.
    ///   - listVersions: list every version of every model (without a model, only the models).
    public func diskUsage(model: String? = nil, version: Int64? = nil, listVersions: Bool = false) throws -> DiskUsage {
        let full = try fullDiskUsage()
        var usage = full
        usage.versions = []
        if let model {
            usage.models = [full.models.first { $0.model == model }
                ?? DiskUsage.Entry(model: model, version: nil, objects: 0, totalBytes: 0, uniqueBytes: 0, removed: false)]
            usage.versions = full.versions.filter { $0.model == model && (version == nil || $0.version == version) }
        } else if listVersions {
            usage.versions = full.versions
        }
        return usage
    }

    /// Every model's and every version's figures: from the usage cache (`UsageCache`,
    /// `.mreg/index/du`) when no folder under `refs/` or `objects/` changed since it was
    /// written; else brought up to date from the walk state (`DiskUsageState`,
    /// `.mreg/index/du-state`), walking only the groups of refs that changed, or, without a
    /// usable state, computed by a walk of every group; both files are then saved.
    func fullDiskUsage() throws -> DiskUsage {
        let path = UsageCache.path(root: repository.root)
        if let cached = UsageCache.load(path), cached.matches(root: repository.root) { return cached.usage }
        let scanStart = Int64(Date().timeIntervalSince1970 * 1e9)
        let folders = UsageCache.scanFolders(root: repository.root)
        let statePath = DiskUsageState.path(root: repository.root)
        let usage: DiskUsage
        var state: DiskUsageState?
        if let previous = DiskUsageState.load(statePath), let (found, next) = incrementalDiskUsage(previous: previous, folders: folders) {
            (usage, state) = (found, next)
        } else {
            (usage, state) = try fullDiskUsageWalk(folders: folders)
        }
        if var state {
            // A folder modified too recently may change again unseen within the same tick:
            // recorded with times no folder has, so the next run reads it again.
            state.folders = folders.map {
                UsageCache.isSettled([$0], scanStart: scanStart) ? $0 : .init(path: $0.path, modificationTime: -1, changeTime: -1)
            }
            state.save(statePath, shared: repository.sharedGroup)
        } else {
            UsageCache.remove(statePath)
        }
        if UsageCache.isSettled(folders, scanStart: scanStart) {
            UsageCache(folders: folders, usage: usage).save(path, shared: repository.sharedGroup)
        } else {
            UsageCache.remove(path)
        }
        return usage
    }

    /// Every model's and every version's figures, from one walk of the whole store (the
    /// reference the per-group walks of `fullDiskUsage` give the same answer as).
    func computeDiskUsage() throws -> DiskUsage {
        let objects = store.looseObjects() + store.packedOnlyObjects()  // packed: the bytes of their entries
        var size = [ObjectID: Int64]()
        size.reserveCapacity(objects.count)
        for o in objects { size[o.id] = o.storedBytes }
        // Objects never change, so what each one names comes from the link cache; the
        // figures are those of a full walk (a cold cache gives the same answer, only slower).
        return Self.diskUsage(size: size, reach: try cachedReachability(present: size))
    }

    /// The figures of the store's objects (`size`: every object, loose or packed, with its
    /// bytes as stored) given what the refs reach.
    static func diskUsage(size: [ObjectID: Int64], reach: Reachability) -> DiskUsage {
        var usage = DiskUsage()
        usage.storeObjects = size.count
        for (id, bytes) in size {
            usage.storeBytes += bytes
            if !reach.live.contains(id) {
                usage.reclaimableObjects += 1
                usage.reclaimableBytes += bytes
            }
        }
        // Which versions and models hold each file object.
        var versionHolders = [ObjectID: Int](minimumCapacity: reach.fileObjects.count)
        var modelHolders = [ObjectID: Int](minimumCapacity: reach.fileObjects.count)
        var byModel = [String: [Reachability.VersionKey]]()
        for key in reach.manifests.keys { byModel[key.model, default: []].append(key) }
        var fileObjects = Set<ObjectID>()
        func held(_ key: Reachability.VersionKey) -> [ObjectID] {
            guard !reach.removed.contains(key), let m = reach.manifests[key] else { return [] }
            return reach.fileObjects[m] ?? []
        }
        var modelSets = [String: Set<ObjectID>]()
        for (name, keys) in byModel {
            var set = Set<ObjectID>()
            for key in keys {
                for id in held(key) {
                    versionHolders[id, default: 0] += 1
                    set.insert(id)
                }
            }
            for id in set { modelHolders[id, default: 0] += 1 }
            fileObjects.formUnion(set)
            modelSets[name] = set
        }
        for id in reach.live where !fileObjects.contains(id) { usage.metadataBytes += size[id] ?? 0 }

        for name in byModel.keys.sorted() {
            let set = modelSets[name] ?? []
            var entry = DiskUsage.Entry(model: name, version: nil, objects: 0, totalBytes: 0, uniqueBytes: 0, removed: false)
            for id in set {
                guard let bytes = size[id] else { continue }
                entry.objects += 1
                entry.totalBytes += bytes
                if modelHolders[id] == 1 { entry.uniqueBytes += bytes }
            }
            usage.models.append(entry)
            for key in (byModel[name] ?? []).sorted() {
                var v = DiskUsage.Entry(model: name, version: key.version, objects: 0, totalBytes: 0, uniqueBytes: 0,
                                        removed: reach.removed.contains(key))
                // A version counts each object once, however many of its files share it
                // (the walk lists each of a manifest's objects once).
                for id in held(key) {
                    guard let bytes = size[id] else { continue }
                    v.objects += 1
                    v.totalBytes += bytes
                    if versionHolders[id] == 1 { v.uniqueBytes += bytes }
                }
                usage.versions.append(v)
            }
        }
        return usage
    }
}
