import MregStore
import MregSupport
import MregRegistry

/// The calls a remote needs to hold packs (FORMAT.md §6.1): its pack list, and each pack's
/// `.pack` and `.idx` under `objects/pack/`. `RemotePacks` builds push and fetch on them.
public protocol RemotePackStorage: Sendable {
    /// The URL, for messages.
    var location: RemoteLocation { get }

    /// The pack list, or nil when the remote has none (it holds loose objects only).
    func readPackList() throws -> RemotePackList?

    /// Replaces the pack list `old` (nil: there is none yet) by `new`, returning `new` with its
    /// new token (S3: the ETag the write answered); nil when the list is no longer `old`
    /// (another pusher changed it: read it again and retry).
    func writePackList(_ new: RemotePackList, replacing old: RemotePackList?) throws -> RemotePackList?

    /// Uploads a pack written locally, the `.pack` first, then its `.idx`.
    func uploadPack(_ pack: Pack) throws

    /// The bytes of a pack's `.idx`, or nil when the remote does not have it.
    func readPackIndex(name: String) throws -> [UInt8]?

    /// Downloads a whole `.pack` into the file `path`; false when the remote does not have it.
    func downloadPack(name: String, to path: String) throws -> Bool

    /// `length` bytes of a `.pack` from `offset` (one ranged read), or nil when the pack is missing.
    func readPackRange(name: String, offset: Int64, length: Int64) throws -> [UInt8]?
}
