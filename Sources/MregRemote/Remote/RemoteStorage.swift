import Foundation
import MregStore
import MregSupport
import MregRegistry
import MregIndex
import MregGovernance

/// What a model's head looks like on a remote: the event it names, and whatever the
/// storage needs to compare-and-swap it later (an S3 `ETag`; nothing on a filesystem).
public struct RemoteHead: Sendable, Equatable {
    public var id: ObjectID
    public var token: String?

    public init(id: ObjectID, token: String? = nil) {
        self.id = id
        self.token = token
    }
}

/// A store that push, fetch and pull talk to.
///
/// Two implementations: `FileRemote` (another store on a shared filesystem, with the
/// same lock files and compare-and-swap) and `S3Remote` (objects and refs as keys
/// under a bucket prefix, compare-and-swap with conditional writes). Objects are
/// content-addressed and immutable; only model heads ever change, and only by
/// compare-and-swap.
///
/// Writers keep one invariant on every store: an object is stored only after every
/// object it names, so an object that is present implies its whole graph is. That
/// lets push and fetch stop walking at the first object the other side has.
public protocol RemoteStorage: Sendable {
    /// The URL, for messages.
    var location: RemoteLocation { get }

    /// How many transfers to run at once.
    var parallelism: Int { get }

    /// Models that have a head on the remote, sorted.
    func modelNames() throws -> [String]

    /// A model's head on the remote, or nil when the remote does not have the model.
    func readHead(model: String) throws -> RemoteHead?

    /// The heads of `models` (nil: every model on the remote), keyed by model; a model the
    /// remote does not have is absent. `expected` are ids this store believes a head may hold
    /// (its own head, its tracking ref): S3 lists every head in one request and reads only
    /// those whose ETag matches none of them.
    func readHeads(models: [String]?, expected: [String: Set<ObjectID>]) throws -> [String: RemoteHead]

    /// Moves a model's head from `old` (nil: it must not exist) to `new`.
    ///
    /// - Throws: `RegistryError.conflict(.headMoved)` when the head is no longer `old`.
    func moveHead(model: String, to new: ObjectID, from old: RemoteHead?) throws

    /// Whether the remote has an object.
    func contains(_ id: ObjectID) throws -> Bool

    /// Marks an object the remote has as just used (a push reuses it), so that a gc of the
    /// remote keeps it: false when the remote does not have it (send it then).
    func freshen(_ id: ObjectID) throws -> Bool

    /// Copies a local object to the remote, verifying it as it is read.
    /// `progress` receives counts of the (compressed, as stored) bytes sent.
    func send(_ id: ObjectID, from local: ObjectStore, progress: (Int64) -> Void) throws

    /// Opens an object on the remote for a verified read.
    func open(_ id: ObjectID) throws -> RemoteObject

    /// Called once objects are in place, before any head moves: the remote
    /// may record its format (S3 writes `config` once).
    func prepareForHeads() throws

    /// Called after heads moved (a filesystem remote updates its derived refs).
    func headsMoved(models: [String])

    /// Releases temporary files (downloads in progress). The remote can still be used afterwards.
    func close()

    /// The remote's packs, when transfers use packs (nil: loose objects only, as before packs,
    /// or `remote.<name>.packs = false`).
    var packs: RemotePacks? { get }
}

extension RemoteStorage {
    public func close() {}

    public var packs: RemotePacks? { nil }

    public func readHeads(models: [String]?, expected: [String: Set<ObjectID>]) throws -> [String: RemoteHead] {
        var heads = [String: RemoteHead]()
        for model in try models ?? modelNames() {
            if let head = try readHead(model: model) { heads[model] = head }
        }
        return heads
    }

    /// `$MREG_TRANSFER_JOBS` (1–64) when set, else `fallback`: how many transfers run at once.
    func transferJobs(default fallback: Int) -> Int {
        guard let text = ProcessInfo.processInfo.environment["MREG_TRANSFER_JOBS"], let n = Int(text), (1...64).contains(n) else { return fallback }
        return n
    }

    /// The subset of `ids` the remote lacks, checked `parallelism` at a time; with
    /// `freshening`, those it has are freshened (a push is about to name them).
    func missing(_ ids: [ObjectID], freshening: Bool = false) throws -> Set<ObjectID> {
        let lacks: @Sendable (ObjectID) throws -> Bool = { freshening ? try !self.freshen($0) : try !self.contains($0) }
        if ids.count <= 1 || parallelism <= 1 {
            return Set(try ids.filter(lacks))
        }
        let lacking = try Parallel.map(ids, width: parallelism, lacks)
        return Set(zip(ids, lacking).filter(\.1).map(\.0))
    }
}
