import Synchronization
import SystemPackage

/// The packs of an object store, loaded once and looked at again when an object is not
/// found (another process may have packed it, or repacked the pack that held it).
///
/// Packs whose pack or index is damaged are listed in `damaged` and never used.
public final class PackSet: Sendable {
    /// The `objects/pack` folder.
    public let folder: String

    struct State {
        var packs: [Pack] = []
        var damaged: [(name: String, error: StoreError)] = []
        /// The folder's modification time when it was last listed (nil: never listed or absent).
        var stamp: Int64?
        var loaded = false
    }

    private let state = Mutex(State())

    init(folder: String) {
        self.folder = folder
    }

    /// The sound packs, newest listing (loads them the first time).
    public var packs: [Pack] {
        loadIfNeeded()
        return state.withLock { $0.packs }
    }

    /// The packs refused as damaged, with why.
    public var damaged: [(name: String, error: StoreError)] {
        loadIfNeeded()
        return state.withLock { $0.damaged }
    }

    /// The pack holding `id` and where, among the packs loaded; looks at the folder again
    /// when it changed since (`refresh: true`).
    func locate(_ id: ObjectID, refresh: Bool = true) -> Pack? {
        for pack in packs where pack.index.lookup(id) != nil { return pack }
        guard refresh, reloadIfChanged() else { return nil }
        for pack in packs where pack.index.lookup(id) != nil { return pack }
        return nil
    }

    private func loadIfNeeded() {
        if state.withLock({ $0.loaded }) { return }
        reload()
    }

    /// Lists the folder again when its time changed; true when it did.
    @discardableResult
    func reloadIfChanged() -> Bool {
        let now = FileSystem.linkStatus(FilePath(folder))?.modificationTime
        let before = state.withLock { $0.loaded ? $0.stamp : -1 }
        guard now != before else { return false }
        reload()
        return true
    }

    /// Lists the folder and loads the packs not loaded yet (those gone are dropped).
    public func reload() {
        let stamp = FileSystem.linkStatus(FilePath(folder))?.modificationTime
        let names = FileSystem.listDirectory(folder)
            .filter { $0.hasPrefix("pack-") && $0.hasSuffix(".idx") }
            .map { String($0.dropLast(4)) }
            .sorted()
        let known = state.withLock { s in Dictionary(s.packs.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a }) }
        var packs = [Pack]()
        var damaged = [(name: String, error: StoreError)]()
        for name in names {
            if let pack = known[name], FileSystem.exists(pack.packPath) {
                packs.append(pack)
                continue
            }
            do {
                packs.append(try Pack.load(folder: folder, name: name))
            } catch let e as StoreError where e.errno == .noSuchFileOrDirectory {
                continue  // removed meanwhile by a repack, or its pack is not renamed in yet
            } catch let e as StoreError {
                damaged.append((name, e))
            } catch {
                damaged.append((name, StoreError.corrupt(object: nil, path: FilePath("\(folder)/\(name).idx"), reason: "\(error)")))
            }
        }
        // Largest first: a repack's merged pack is found before small ones that duplicate it.
        packs.sort { $0.size > $1.size }
        state.withLock {
            $0.packs = packs
            $0.damaged = damaged
            $0.stamp = stamp
            $0.loaded = true
        }
    }
}
