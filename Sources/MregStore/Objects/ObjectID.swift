import Crypto

/// The SHA-256 id of an object: the digest of `<type> <size>\0<payload>`.
///
/// Printed as 64 lowercase hex digits, exactly as git prints ids in a
/// `--object-format=sha256` repository.
///
///     let id = try ObjectID(hex: "473a0f4c3be8a93681a267e3b1e9a7dcda1185436fe141f7749120a303721813")
///     id.abbreviated() // "473a0f4c"
public struct ObjectID: Hashable, Comparable, Sendable, CustomStringConvertible {
    // The digest as four big-endian words: no heap storage, so sets and dictionaries of
    // ids (hundreds of thousands in `du` and `gc`) hash, compare and copy without
    // allocating or reference counting.
    @usableFromInline let w0: UInt64
    @usableFromInline let w1: UInt64
    @usableFromInline let w2: UInt64
    @usableFromInline let w3: UInt64

    /// The 32 raw digest bytes.
    public var bytes: [UInt8] {
        [UInt8](unsafeUninitializedCapacity: 32) { out, count in
            for j in 0..<8 {
                let shift = UInt64(56 - 8 * j)
                out[j] = UInt8(truncatingIfNeeded: w0 >> shift)
                out[8 + j] = UInt8(truncatingIfNeeded: w1 >> shift)
                out[16 + j] = UInt8(truncatingIfNeeded: w2 >> shift)
                out[24 + j] = UInt8(truncatingIfNeeded: w3 >> shift)
            }
            count = 32
        }
    }

    public static let hexLength = 64
    /// The shortest prefix accepted when looking an object up.
    public static let minimumPrefixLength = 4

    public init(bytes: some Collection<UInt8>) {
        precondition(bytes.count == 32, "an object id has 32 bytes")
        // A tuple, not an array: no allocation per id (the caches read hundreds of thousands).
        var words = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        var i = 0
        for b in bytes {
            switch i >> 3 {
            case 0: words.0 = words.0 << 8 | UInt64(b)
            case 1: words.1 = words.1 << 8 | UInt64(b)
            case 2: words.2 = words.2 << 8 | UInt64(b)
            default: words.3 = words.3 << 8 | UInt64(b)
            }
            i += 1
        }
        (w0, w1, w2, w3) = words
    }

    public init<D: Digest>(digest: D) {
        self.init(bytes: Array(digest))
    }

    /// Parses a full 64-digit hex id (either case).
    public init(hex: some StringProtocol) throws {
        guard let id = Self(parsing: hex) else {
            throw StoreError.invalid(reason: "'\(hex)' is not an object id: expected \(Self.hexLength) hex digits")
        }
        self = id
    }

    /// Parses an id, returning nil when `hex` is not a full id.
    public init?(parsing hex: some StringProtocol) {
        var words = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        var count = 0
        for c in hex.utf8 {
            guard count < Self.hexLength, let v = Hex.value(c) else { return nil }
            switch count / 16 {
            case 0: words.0 = words.0 << 4 | UInt64(v)
            case 1: words.1 = words.1 << 4 | UInt64(v)
            case 2: words.2 = words.2 << 4 | UInt64(v)
            default: words.3 = words.3 << 4 | UInt64(v)
            }
            count += 1
        }
        guard count == Self.hexLength else { return nil }
        (w0, w1, w2, w3) = words
    }

    /// The first byte of the digest (the fan-out byte).
    public var firstByte: UInt8 { UInt8(truncatingIfNeeded: w0 >> 56) }

    /// A digest is uniformly random: its first word is as good a hash as all four.
    public func hash(into hasher: inout Hasher) { hasher.combine(w0) }

    public static func == (lhs: ObjectID, rhs: ObjectID) -> Bool {
        lhs.w0 == rhs.w0 && lhs.w1 == rhs.w1 && lhs.w2 == rhs.w2 && lhs.w3 == rhs.w3
    }

    /// 64 lowercase hex digits.
    public var hex: String {
        String(unsafeUninitializedCapacity: Self.hexLength) { out in
            var at = 0
            for word in [w0, w1, w2, w3] {
                for shift in stride(from: 60, through: 0, by: -4) {
                    out[at] = Hex.digit(UInt8(truncatingIfNeeded: word >> UInt64(shift)) & 0xf)
                    at += 1
                }
            }
            return Self.hexLength
        }
    }
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
        (lhs.w0, lhs.w1, lhs.w2, lhs.w3) < (rhs.w0, rhs.w1, rhs.w2, rhs.w3)
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

    /// The lowercase hex digit of `nibble` (0...15).
    static func digit(_ nibble: UInt8) -> UInt8 { digits[Int(nibble)] }

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
