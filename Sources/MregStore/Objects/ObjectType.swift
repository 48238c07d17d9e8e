/// The type word in an object's header.
///
/// mreg writes `blob`, `chunks`, `manifest` and `event`; it reads git's
/// `tree`, `commit` and `tag` too, so that `cat-file` works on a git store.
public struct ObjectType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let blob = ObjectType(rawValue: "blob")
    public static let chunks = ObjectType(rawValue: "chunks")
    public static let manifest = ObjectType(rawValue: "manifest")
    public static let event = ObjectType(rawValue: "event")

    /// The types mreg itself writes.
    public static let mregTypes: [ObjectType] = [.blob, .chunks, .manifest, .event]
    /// Every type mreg can read.
    public static let known: [ObjectType] = mregTypes + ["tree", "commit", "tag"].map(ObjectType.init(rawValue:))

    /// Parses a type name, accepting only known types.
    public init(parsing name: String) throws {
        guard ObjectType.known.contains(ObjectType(rawValue: name)) else {
            let names = ObjectType.mregTypes.map(\.rawValue).joined(separator: ", ")
            throw StoreError.invalid(reason: "unknown object type '\(name)': use one of \(names)")
        }
        self.rawValue = name
    }

    public var description: String { rawValue }
}

/// The `<type> <size>\0` header that starts every object's uncompressed bytes.
public struct ObjectHeader: Sendable, Equatable {
    public var type: ObjectType
    public var size: Int64

    public init(type: ObjectType, size: Int64) {
        self.type = type
        self.size = size
    }

    public var encoded: [UInt8] { Array("\(type.rawValue) \(size)".utf8) + [0] }

    /// Longest header accepted: a type word, a space, 20 digits and the NUL.
    static let maximumLength = 64

    /// Parses a header from the start of `bytes`, returning it and its length including the NUL.
    static func parse(_ bytes: UnsafeRawBufferPointer) throws -> (ObjectHeader, Int)? {
        guard let nul = bytes.prefix(maximumLength).firstIndex(of: 0) else {
            if bytes.count >= maximumLength { throw StoreError.corruptData("object header has no terminating NUL") }
            return nil
        }
        let text = String(decoding: bytes[..<nul], as: UTF8.self)
        let parts = text.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 2, let size = Int64(parts[1]), size >= 0,
              parts[1].allSatisfy(\.isNumber), !parts[0].isEmpty,
              parts[1] == "0" || !parts[1].hasPrefix("0")
        else {
            throw StoreError.corruptData("malformed object header '\(text)'")
        }
        let type = ObjectType(rawValue: String(parts[0]))
        guard ObjectType.known.contains(type) else {
            throw StoreError.corruptData("unknown object type '\(parts[0])' in header")
        }
        return (ObjectHeader(type: type, size: size), nul + 1)
    }
}
