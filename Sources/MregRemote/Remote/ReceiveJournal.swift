import Foundation
import MregStore

/// The objects a pull found missing and went to get, so that a pull that stops (a conflict,
/// a refusal, a remote gone mid-way) can take them out again and leave the store as it was.
///
/// Only objects absent when first named are recorded; with them, whether their fan-out
/// folder existed, so a folder the pull created is removed too.
final class ReceiveJournal {
    private var entries = [ObjectID: Bool]()

    /// Records `id` (absent from `store` now) before it is fetched or written.
    func record(_ id: ObjectID, in store: ObjectStore) {
        guard entries[id] == nil else { return }
        let folder = (store.path(for: id) as NSString).deletingLastPathComponent
        entries[id] = FileManager.default.fileExists(atPath: folder)
    }

    /// Removes every recorded object now present, and the folders the pull created for them.
    func rollBack(_ store: ObjectStore) {
        var folders = Set<String>()
        for (id, folderExisted) in entries {
            let path = store.path(for: id)
            unlink(path)
            if !folderExisted { folders.insert((path as NSString).deletingLastPathComponent) }
        }
        for folder in folders { rmdir(folder) }
        entries = [:]
    }
}
