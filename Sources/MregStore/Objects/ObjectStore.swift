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

    /// Reads an object, checking that it has the expected type.
    public func read(_ id: ObjectID, as type: ObjectType) throws -> [UInt8] {
        let (actual, payload) = try read(id)
        guard actual == type else {
            throw StoreError.invalid(reason: "object \(id.abbreviated()) is a \(actual), not a \(type)")
        }
        return payload
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
