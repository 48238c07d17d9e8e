import Foundation
import MregStore
import MregSupport
import MregRegistry

/// The packs of a bucket prefix: `<prefix>/objects/pack/LIST` (replaced only with
/// `If-Match` on its ETag, created with `If-None-Match: *`) and each pack's `.pack` and `.idx`.
struct S3PackStorage: RemotePackStorage {
    let location: RemoteLocation
    let client: S3Client
    /// The key prefix, empty or ending in `/`.
    let prefix: String
    /// Writes the bucket's `config` before the first pack list (as heads do).
    let prepare: @Sendable () throws -> Void

    var listKey: String { "\(prefix)objects/pack/LIST" }
    func packKey(_ name: String) -> String { "\(prefix)objects/pack/\(name).pack" }
    func indexKey(_ name: String) -> String { "\(prefix)objects/pack/\(name).idx" }

    func readPackList() throws -> RemotePackList? {
        guard let (body, etag) = try client.get(listKey) else { return nil }
        return try RemotePackList.parse(body, token: etag, where: "\(location)")
    }

    func writePackList(_ new: RemotePackList, replacing old: RemotePackList?) throws -> RemotePackList? {
        let condition: S3Client.Condition
        if let old {
            guard let tag = old.token else { return nil }
            condition = .etag(tag)
        } else {
            try prepare()
            condition = .absent
        }
        switch try client.put(listKey, bytes: new.serialized(), condition: condition) {
        case .stored(let etag): return RemotePackList(entries: new.entries, token: etag)
        case .preconditionFailed: return nil
        }
    }

    func uploadPack(_ pack: Pack) throws {
        let path = pack.packPath.string
        if pack.size > S3Remote.multipartThreshold {
            try client.uploadMultipart(packKey(pack.name), file: path, size: pack.size, partSize: S3Remote.partSize, progress: { _ in })
        } else {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw RegistryError.io(.init("read", path, reason: "the pack to push cannot be read"))
            }
            _ = try client.put(packKey(pack.name), bytes: Array(data))
        }
        guard let index = FileManager.default.contents(atPath: pack.indexPath.string) else {
            throw RegistryError.io(.init("read", pack.indexPath.string, reason: "the pack index to push cannot be read"))
        }
        _ = try client.put(indexKey(pack.name), bytes: Array(index))
    }

    func readPackIndex(name: String) throws -> [UInt8]? {
        try client.get(indexKey(name))?.body
    }

    func downloadPack(name: String, to path: String) throws -> Bool {
        try client.download(packKey(name), to: path)
    }

    func readPackRange(name: String, offset: Int64, length: Int64) throws -> [UInt8]? {
        try client.range(packKey(name), offset: offset, length: length)
    }
}
