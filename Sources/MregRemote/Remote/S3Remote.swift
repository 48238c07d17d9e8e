import Foundation
import Synchronization
import MregStore
#if canImport(Glibc)
import Glibc
#endif
import MregSupport
import MregRegistry
import MregIndex
import MregGovernance

/// A remote in an S3-compatible bucket, under a key prefix:
///
///     <prefix>/config                       [core] formatVersion = 1 (written once, create-only)
///     <prefix>/objects/<2 hex>/<62 hex>     the loose object's bytes, exactly as on disk
///     <prefix>/refs/models/<model>/head     "<64 hex>\n", the model's newest event
///
/// Objects are immutable and written before anything names them. A head is created
/// with `If-None-Match: *` and moved with `If-Match: <ETag it was read with>`, so two
/// pushers can never both win; the loser gets 412 (or 409) and is told to pull.
/// Objects above `multipartThreshold` are uploaded in parts.
public final class S3Remote: RemoteStorage, Sendable {
    public let location: RemoteLocation
    let client: S3Client
    let prefix: String
    /// Downloads land here (on the local store's filesystem) and are verified before use.
    let staging: ObjectStore
    public var parallelism: Int { transferJobs(default: 8) }
    /// The bucket's packs (nil when pack transfer is off).
    public let packs: RemotePacks?
    /// What the last `readHeads` listing saw of the policy pointer (nil: none ran).
    let listedPolicy = Mutex<ListedPolicy?>(nil)

    /// Objects larger than this go up with multipart upload.
    static let multipartThreshold: Int64 = 16 << 20
    static let partSize = 8 << 20

    /// - Parameters:
    ///   - stagingParent: a folder on the local store's filesystem for verified downloads.
    ///   - packsFor: the local store's `.mreg` folder and objects, for transfers in packs
    ///     (its pack index cache and downloads); nil transfers loose objects only.
    ///   - pushingPacks: whether a push sends packs (false: loose objects; fetches still read packs).
    public init(bucket: String, prefix: String, settings: S3Settings, stagingParent: String,
                packsFor local: (root: String, objects: ObjectStore)? = nil, pushingPacks: Bool = true) {
        let location = RemoteLocation.s3(bucket: bucket, prefix: prefix)
        self.location = location
        let keyPrefix = prefix.isEmpty ? "" : prefix + "/"
        self.prefix = keyPrefix
        let client = S3Client(settings: settings, bucket: bucket)
        self.client = client
        // Created by the first download (a push never needs it).
        staging = ObjectStore(directory: "\(stagingParent)/tmp_obj_incoming_\(getpid())_\(UInt64.random(in: 0...UInt64.max))")
        if let local {
            let storage = S3PackStorage(location: location, client: client, prefix: keyPrefix) {
                try S3Remote.writeConfig(client: client, key: "\(keyPrefix)config", location: location)
            }
            packs = RemotePacks(storage: storage, storeRoot: local.root, objects: local.objects, readsThroughList: true, pushesPacks: pushingPacks)
        } else {
            packs = nil
        }
    }

    deinit { close() }

    /// Removes the download folder.
    public func close() {
        try? FileManager.default.removeItem(atPath: staging.directory)
        packs?.close()
    }

    func objectKey(_ id: ObjectID) -> String {
        let hex = id.hex
        return "\(prefix)objects/\(hex.prefix(2))/\(hex.dropFirst(2))"
    }

    func headKey(_ model: String) -> String { "\(prefix)refs/models/\(model)/head" }

    public func modelNames() throws -> [String] {
        let base = "\(prefix)refs/models/"
        return try client.list(prefix: base).compactMap { key -> String? in
            let rest = key.dropFirst(base.count)
            guard rest.hasSuffix("/head") else { return nil }
            let model = String(rest.dropLast(5))
            return (try? Names.validateModel(model)) != nil ? model : nil
        }.sorted()
    }

    public func readHead(model: String) throws -> RemoteHead? {
        guard let (body, etag) = try client.get(headKey(model)) else { return nil }
        let text = String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let id = ObjectID(parsing: text) else {
            throw RegistryError.corrupt(.init(object: "the head of \(model)", reason: "it does not hold an object id", remote: "\(location)"))
        }
        return RemoteHead(id: id, token: etag)
    }

    public func moveHead(model: String, to new: ObjectID, from old: RemoteHead?) throws {
        let condition: S3Client.Condition
        if let old {
            guard let tag = old.token else {
                throw RegistryError.conflict(.headMoved(model: model, remote: "\(location)", detail: "its head has no ETag to compare against"))
            }
            condition = .etag(tag)
        } else {
            condition = .absent
        }
        switch try client.put(headKey(model), bytes: Array("\(new.hex)\n".utf8), condition: condition) {
        case .stored: return
        case .preconditionFailed:
            // A retried request may have stored our own value already.
            if let now = try readHead(model: model), now.id == new { return }
            throw RegistryError.conflict(.headMoved(model: model, remote: "\(location)", detail: nil))
        }
    }

    public func contains(_ id: ObjectID) throws -> Bool {
        try client.exists(objectKey(id))
    }

    public func send(_ id: ObjectID, from local: ObjectStore, progress: (Int64) -> Void) throws {
        // Verify before anything leaves the store.
        let reader = try local.openReader(id)
        while try reader.next() != nil {}
        let path = local.path(for: id)
        guard let size = local.storedSize(of: id) else { throw RegistryError.io(.init("read", path, reason: "object \(id.hex) cannot be read")) }
        if !local.isLoose(id), let packed = try local.packedBytes(of: id) {
            // A packed object (small: gc packs only objects under gc.packThreshold): its entry is the loose file's bytes.
            _ = try client.put(objectKey(id), bytes: packed)
            progress(Int64(packed.count))
            return
        }
        if size > Self.multipartThreshold {
            try client.uploadMultipart(objectKey(id), file: path, size: size, partSize: Self.partSize, progress: progress)
        } else {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw RegistryError.io(.init("read", path, reason: "object \(id.hex) cannot be read"))
            }
            _ = try client.put(objectKey(id), bytes: Array(data))
            progress(size)
        }
    }

    public func open(_ id: ObjectID) throws -> RemoteObject {
        let path = staging.path(for: id)
        let fanout = (path as NSString).deletingLastPathComponent
        if mkdir(staging.directory, 0o700) != 0 && errno != EEXIST {
            throw RegistryError.io(.init("create the download folder", staging.directory, errno: errno))
        }
        if mkdir(fanout, 0o700) != 0 && errno != EEXIST {
            throw RegistryError.io(.init("create", fanout, errno: errno))
        }
        guard try client.download(objectKey(id), to: path) else {
            throw RegistryError.corrupt(.init(object: "object \(id.hex)", reason: "it is missing: the remote is incomplete", remote: "\(location)"))
        }
        do {
            return RemoteObject(reader: try staging.openReader(id)) { unlink(path) }
        } catch {
            unlink(path)
            throw error
        }
    }

    public func prepareForHeads() throws {
        // A bucket with a pack list has its config: the first list is written after it.
        if try packs?.list() != nil { return }
        try Self.writeConfig(client: client, key: "\(prefix)config", location: location)
    }

    /// Checks the bucket's `config` (refusing a newer format), or writes it when there is none.
    static func writeConfig(client: S3Client, key: String, location: RemoteLocation) throws {
        if let (body, _) = try client.get(key) {
            let config = Config(text: String(decoding: body, as: UTF8.self))
            if let v = config.get("core.formatVersion"), let n = Int(v), n > Repository.formatVersion {
                throw RegistryError.refused(.newerFormat(location: "\(location)", version: n, supported: Repository.formatVersion))
            }
            return
        }
        var config = Config()
        try config.set("core.formatVersion", String(Repository.formatVersion))
        _ = try client.put(key, bytes: Array(config.serialized().utf8), condition: .absent)
    }

    public func headsMoved(models: [String]) {}
}
