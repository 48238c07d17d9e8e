import Crypto
import SystemPackage

/// The object database under `.mreg/objects`, in git's SHA-256 loose format, plus packs.
///
/// A loose object lives at `objects/<2 hex>/<62 hex>` and holds one zlib stream of
/// `<type> <size>\0<payload>`; its id is the SHA-256 of those bytes. `gc` moves small
/// objects into packs (`objects/pack/`, each entry the same zlib stream); every read
/// looks for an object loose first, then in the packs. New objects are always written loose.
public struct ObjectStore: Sendable {
    /// The `objects` directory.
    public let directory: String
    public var compression: CompressionPolicy
    /// Make files and folders group-writable (`init --shared=group`).
    public var sharedGroup: Bool
    /// fsync blobs too before they are linked into place (metadata objects always are).
    public var fsyncObjects: Bool
    /// The packs under `objects/pack`, loaded on first use (shared by copies of this store).
    public let packSet: PackSet

    public init(directory: String, compression: CompressionPolicy = .auto, sharedGroup: Bool = false, fsyncObjects: Bool = false) {
        self.directory = directory
        self.packSet = PackSet(folder: "\(directory)/pack")
        self.compression = compression
        self.sharedGroup = sharedGroup
        self.fsyncObjects = fsyncObjects
    }

    package static let tempPrefix = "tmp_obj_"

    /// Where the object with `id` lives (whether or not it exists).
    public func path(for id: ObjectID) -> String {
        let hex = id.hex
        return "\(directory)/\(hex.prefix(2))/\(hex.dropFirst(2))"
    }

    /// Where the object with `id` lives, as a path.
    func filePath(for id: ObjectID) -> FilePath { FilePath(path(for: id)) }

    /// Whether the object is in the store, loose or in a pack.
    public func contains(_ id: ObjectID) -> Bool {
        FileSystem.exists(filePath(for: id)) || packSet.locate(id) != nil
    }

    /// Whether the object has a loose file.
    public func isLoose(_ id: ObjectID) -> Bool {
        FileSystem.exists(filePath(for: id))
    }

    /// Opens a verifying stream over an object's payload, loose or packed.
    ///
    /// - Throws: `notFound` when it is in neither; `corrupt` naming a damaged pack when it
    ///   is not found and a pack that could hold it is damaged.
    public func openReader(_ id: ObjectID) throws -> ObjectReader {
        // Twice: a gc may pack the loose copy, or repack the pack, between the two looks.
        for _ in 0..<2 {
            do {
                return try ObjectReader(id: id, path: filePath(for: id))
            } catch let e as StoreError where e.errno == .noSuchFileOrDirectory {}
            if let pack = packSet.locate(id) {
                if let reader = try pack.openReader(id) { return reader }
                packSet.reload()  // the pack was removed by a repack meanwhile
            }
        }
        if let (name, error) = packSet.damaged.first {
            throw StoreError.corrupt(object: id, path: FilePath("\(packSet.folder)/\(name).idx"),
                                     reason: "not found loose or in a sound pack, and pack \(name) is refused (\(error.message)): it may hold it")
        }
        throw StoreError.notFound(kind: .object, name: id.hex)
    }

    /// Reads a whole object, verified.
    public func read(_ id: ObjectID) throws -> (type: ObjectType, payload: [UInt8]) {
        let reader = try openReader(id)
        return (reader.header.type, try reader.readAll())
    }

    /// The largest event, manifest or chunk list read into memory (256 MiB).
    public static let maximumLinkedPayload: Int64 = 256 * 1024 * 1024

    /// Reads an object that a link or a ref names as a `type`, checking that it is one.
    ///
    /// A link to an object of another type is damage (exit 4), not bad input: the type
    /// is checked from the header before the payload is read, and the object is named.
    public func read(_ id: ObjectID, as type: ObjectType) throws -> [UInt8] {
        let reader = try openReader(id)
        guard reader.header.type == type else {
            throw StoreError.corrupt(object: id, path: reader.path,
                                     reason: "it is a \(reader.header.type), where \(type == .event ? "an" : "a") \(type) is expected")
        }
        guard reader.header.size <= Self.maximumLinkedPayload else {
            throw StoreError.corrupt(object: id, path: reader.path,
                                     reason: "its header claims \(reader.header.size) bytes, more than a \(type) may hold (\(Self.maximumLinkedPayload))")
        }
        return try reader.readAll(limit: Self.maximumLinkedPayload)
    }

    /// The header of an object, read without inflating the payload.
    public func header(of id: ObjectID) throws -> ObjectHeader {
        try openReader(id).header
    }

    /// The compressed size of an object on disk (loose, else its entry in a pack).
    public func storedSize(of id: ObjectID) -> Int64? {
        if let size = (try? FileStatus(filePath(for: id)))?.size { return size }
        return packSet.locate(id)?.index.lookup(id)?.length
    }
}
