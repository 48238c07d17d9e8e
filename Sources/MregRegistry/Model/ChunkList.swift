import MregStore
import MregSupport

/// The ordered blobs that make up one large file: a `chunks` object.
public struct ChunkList: Sendable, Equatable {
    public static let schema = "mreg.chunks/1"

    public struct Chunk: Sendable, Equatable {
        public var object: ObjectID
        public var size: Int64
        public init(object: ObjectID, size: Int64) {
            self.object = object
            self.size = size
        }
    }

    public var chunks: [Chunk]
    public var size: Int64 { chunks.reduce(0) { $0 + $1.size } }

    public init(chunks: [Chunk]) { self.chunks = chunks }

    /// Reads the payload of chunk list `id`; a damaged one throws `RegistryError.corrupt` naming it.
    public static func decode(_ payload: [UInt8], id: ObjectID) throws -> ChunkList {
        do {
            return try ChunkList(json: JSONValue.parse(payload))
        } catch RegistryError.corrupt(let c) {
            throw RegistryError.corrupt(.init(object: "chunk list \(id.abbreviated())", reason: c.reason))
        } catch {
            // A parse error, or any other refusal of the JSON reader (a limit): named as this object's.
            throw RegistryError.corrupt(.init(object: "chunk list \(id.abbreviated())", reason: "its JSON cannot be read (\(error))"))
        }
    }

    public var json: JSONValue {
        .object([
            "schema": .string(Self.schema),
            "size": .int(size),
            "chunks": .array(chunks.map { .object(["object": .string($0.object.hex), "size": .int($0.size)]) }),
        ])
    }

    public init(json: JSONValue) throws {
        guard json["schema"]?.stringValue == Self.schema, let items = json["chunks"]?.arrayValue else {
            throw RegistryError.corrupt(.init(object: "chunk list", reason: "it is not an mreg chunk list (schema \(Self.schema))"))
        }
        chunks = try items.map { item in
            guard let hex = item["object"]?.stringValue, let id = ObjectID(parsing: hex), let size = item["size"]?.intValue, size >= 0 else {
                throw RegistryError.corrupt(.init(object: "chunk list", reason: "an entry is malformed"))
            }
            return Chunk(object: id, size: size)
        }
        let sum = try Manifest.checkedSum(chunks.map(\.size), object: "chunk list", reason: "its chunk sizes add up to more than a file can hold")
        if let total = json["size"]?.intValue, total != sum {
            throw RegistryError.corrupt(.init(object: "chunk list", reason: "it says \(total) bytes but its chunks add up to \(sum)"))
        }
    }
}
