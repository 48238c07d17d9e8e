import Crypto
import SystemPackage

/// The loose-object database under `.mreg/objects`, in git's SHA-256 loose format.
///
/// An object lives at `objects/<2 hex>/<62 hex>` and holds one zlib stream of
/// `<type> <size>\0<payload>`; its id is the SHA-256 of those bytes.
public struct ObjectStore: Sendable {
    /// The `objects` directory.
    public let directory: String
    public var compression: CompressionPolicy
    /// Make files and folders group-writable (`init --shared=group`).
    public var sharedGroup: Bool
    /// fsync blobs too before they are linked into place (metadata objects always are).
    public var fsyncObjects: Bool

    public init(directory: String, compression: CompressionPolicy = .auto, sharedGroup: Bool = false, fsyncObjects: Bool = false) {
        self.directory = directory
        self.compression = compression
        self.sharedGroup = sharedGroup
        self.fsyncObjects = fsyncObjects
    }

    static let tempPrefix = "tmp_obj_"

    /// Where the object with `id` lives (whether or not it exists).
    public func path(for id: ObjectID) -> String {
        let hex = id.hex
        return "\(directory)/\(hex.prefix(2))/\(hex.dropFirst(2))"
    }

    /// Where the object with `id` lives, as a path.
    func filePath(for id: ObjectID) -> FilePath { FilePath(path(for: id)) }

    public func contains(_ id: ObjectID) -> Bool {
        FileSystem.exists(filePath(for: id))
    }

    /// Opens a verifying stream over an object's payload.
    public func openReader(_ id: ObjectID) throws -> ObjectReader {
        do {
            return try ObjectReader(id: id, path: filePath(for: id))
        } catch let e as StoreError where e.errno == .noSuchFileOrDirectory {
            throw StoreError.notFound(kind: .object, name: id.hex)
        }
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
            throw StoreError.corrupt(object: id, path: filePath(for: id),
                                     reason: "it is a \(reader.header.type), where \(type == .event ? "an" : "a") \(type) is expected")
        }
        guard reader.header.size <= Self.maximumLinkedPayload else {
            throw StoreError.corrupt(object: id, path: filePath(for: id),
                                     reason: "its header claims \(reader.header.size) bytes, more than a \(type) may hold (\(Self.maximumLinkedPayload))")
        }
        return try reader.readAll(limit: Self.maximumLinkedPayload)
    }

    /// The header of an object, read without inflating the payload.
    public func header(of id: ObjectID) throws -> ObjectHeader {
        try openReader(id).header
    }

    /// The compressed size of an object on disk.
    public func storedSize(of id: ObjectID) -> Int64? {
        (try? FileStatus(filePath(for: id)))?.size
    }
}
