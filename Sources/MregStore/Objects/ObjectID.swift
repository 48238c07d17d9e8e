import Crypto

/// The SHA-256 id of an object: the digest of `<type> <size>\0<payload>`.
///
/// Printed as 64 lowercase hex digits, exactly as git prints ids in a
/// `--object-format=sha256` repository.
///
///     let id = try ObjectID(hex: "473a0f4c3be8a93681a267e3b1e9a7dcda1185436fe141f7749120a303721813")
///     id.abbreviated() // "473a0f4c"
public struct ObjectID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The 32 raw digest bytes.
    public let bytes: [UInt8]

    public static let hexLength = 64
    /// The shortest prefix accepted when looking an object up.
    public static let minimumPrefixLength = 4

    public init(bytes: [UInt8]) {
        precondition(bytes.count == 32, "an object id has 32 bytes")
        self.bytes = bytes
    }

    public init<D: Digest>(digest: D) {
        self.init(bytes: Array(digest))
    }

    /// Parses a full 64-digit hex id (either case).
    public init(hex: some StringProtocol) throws {
        guard hex.utf8.count == Self.hexLength, let raw = Hex.decode(hex) else {
            throw StoreError.invalid(reason: "'\(hex)' is not an object id: expected \(Self.hexLength) hex digits")
        }
        self.init(bytes: raw)
    }

    /// Parses an id, returning nil when `hex` is not a full id.
    public init?(parsing hex: some StringProtocol) {
        guard hex.utf8.count == Self.hexLength, let raw = Hex.decode(hex) else { return nil }
        self.init(bytes: raw)
    }

    /// 64 lowercase hex digits.
    public var hex: String { Hex.encode(bytes) }
    public var description: String { hex }

    /// The first `length` hex digits (default 8).
    public func abbreviated(_ length: Int = 8) -> String { String(hex.prefix(length)) }

    /// The id `hash-object` would give `payload` stored as `type`.
    public static func compute(type: ObjectType, payload: some Sequence<UInt8>) -> ObjectID {
        var hasher = SHA256()
        let bytes = Array(payload)
        hasher.update(data: Array(ObjectHeader(type: type, size: Int64(bytes.count)).encoded))
        hasher.update(data: bytes)
        return ObjectID(digest: hasher.finalize())
    }

    public static func < (lhs: ObjectID, rhs: ObjectID) -> Bool {
        lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }
}

/// Hex encoding helpers.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var out = [UInt8]()
        out.reserveCapacity(64)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xf)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count / 2)
        var i = 0
        while i < utf8.count {
            guard let hi = value(utf8[i]), let lo = value(utf8[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    public static func isHex(_ text: some StringProtocol) -> Bool {
        text.utf8.allSatisfy { value($0) != nil }
    }

    static func value(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
