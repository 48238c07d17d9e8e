/// A deterministic byte mutator for the in-process fuzz run of `make test` (libFuzzer does its
/// own, coverage-guided, under `make fuzz`): bit flips, byte changes, inserts, deletes,
/// duplications, repetitions (deep nesting), splices, dictionary tokens and edge numbers.
///
/// The same seed always gives the same sequence of inputs, so a failure seen once is seen again.
public struct FuzzMutator {
    private var state: UInt64
    /// Tokens to insert or overwrite with.
    public let dictionary: [[UInt8]]
    /// No mutant is longer than this.
    public let maximumLength: Int

    static let interestingBytes: [UInt8] = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x0a, 0x22, 0x27, 0x30, 0x39, 0x5c, 0x7b, 0x5b]
    static let edgeNumbers = ["0", "-1", "1", "9223372036854775807", "-9223372036854775808", "9223372036854775808",
                              "18446744073709551615", "4294967296", "9007199254740993", "1e308", "1e-320", "-0.0"].map { Array($0.utf8) }

    public init(seed: UInt64, dictionary: [[UInt8]] = [], maximumLength: Int = 4096) {
        state = seed
        self.dictionary = dictionary.filter { !$0.isEmpty }
        self.maximumLength = max(1, maximumLength)
    }

    /// The next 64 random bits (SplitMix64).
    public mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// A number in `0..<n` (0 when `n` is not positive).
    public mutating func below(_ n: Int) -> Int {
        n <= 0 ? 0 : Int(next() % UInt64(n))
    }

    /// One to four mutations of `input`; `other` is the donor for splices.
    public mutating func mutate(_ input: [UInt8], splicing other: [UInt8] = []) -> [UInt8] {
        var out = input
        for _ in 0...below(4) { mutateOnce(&out, other: other) }
        if out.count > maximumLength { out.removeLast(out.count - maximumLength) }
        return out
    }

    private mutating func mutateOnce(_ out: inout [UInt8], other: [UInt8]) {
        let position = below(out.count + 1)
        switch below(12) {
        case 0 where !out.isEmpty:
            let i = below(out.count)
            out[i] ^= UInt8(1) << UInt8(below(8))
        case 1 where !out.isEmpty:
            out[below(out.count)] = UInt8(truncatingIfNeeded: next())
        case 2 where !out.isEmpty:
            out[below(out.count)] = Self.interestingBytes[below(Self.interestingBytes.count)]
        case 3:
            out.insert(contentsOf: (0...below(8)).map { _ in UInt8(truncatingIfNeeded: next()) }, at: position)
        case 4 where !out.isEmpty:
            let start = below(out.count)
            out.removeSubrange(start..<min(out.count, start + 1 + below(16)))
        case 5 where !out.isEmpty:
            let start = below(out.count)
            let piece = Array(out[start..<min(out.count, start + 1 + below(32))])
            out.insert(contentsOf: piece, at: below(out.count + 1))
        case 6 where !dictionary.isEmpty:
            out.insert(contentsOf: dictionary[below(dictionary.count)], at: position)
        case 7 where !dictionary.isEmpty && !out.isEmpty:
            let token = dictionary[below(dictionary.count)]
            let start = below(out.count)
            out.replaceSubrange(start..<min(out.count, start + token.count), with: token)
        case 8 where !other.isEmpty:
            out = Array(out[..<position]) + Array(other[below(other.count)...])
        case 9 where !out.isEmpty:
            // Repeat a short piece many times: deep nesting, long runs.
            let start = below(out.count)
            let piece = Array(out[start..<min(out.count, start + 1 + below(4))])
            let times = 2 + below(min(2000, maximumLength / max(1, piece.count)))
            out.insert(contentsOf: Array([[UInt8]](repeating: piece, count: times).joined()), at: start)
        case 10:
            // Replace a run of digits (or insert) with an edge number.
            let number = Self.edgeNumbers[below(Self.edgeNumbers.count)]
            if let start = out.indices.dropFirst(below(out.count)).first(where: { out[$0] >= 0x30 && out[$0] <= 0x39 }) {
                var end = start
                while end < out.count && out[end] >= 0x30 && out[end] <= 0x39 { end += 1 }
                out.replaceSubrange(start..<end, with: number)
            } else {
                out.insert(contentsOf: number, at: position)
            }
        case 11 where !out.isEmpty:
            out.removeSubrange(below(out.count)...)
        default:
            out.insert(UInt8(truncatingIfNeeded: next()), at: position)
        }
    }
}
