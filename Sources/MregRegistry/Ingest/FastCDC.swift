import MregSupport
/// Content-defined chunking with a gear rolling hash (FastCDC, normalized chunking).
///
/// Boundaries depend only on the bytes near them, so an insertion early in a
/// file does not shift every later chunk.
public struct FastCDC: Sendable {
    public let minSize: Int
    public let averageSize: Int
    public let maxSize: Int
    private let maskSmall: UInt64
    private let maskLarge: UInt64

    /// The gear table: 256 pseudo-random 64-bit values from a fixed seed (splitmix64 of 0x6d726567).
    static let gear: [UInt64] = {
        var state: UInt64 = 0x6d72_6567
        return (0..<256).map { _ in
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }()

    public init(maxSize: Int) {
        self.maxSize = maxSize
        averageSize = max(64, maxSize / 4)
        minSize = max(16, maxSize / 16)
        let bits = max(4, Int.bitWidth - 1 - averageSize.leadingZeroBitCount)
        // Top bits of the hash: a boundary needs `bits+2` zero bits before the average size, `bits-2` after.
        maskSmall = ~UInt64(0) << UInt64(64 - min(63, bits + 2))
        maskLarge = ~UInt64(0) << UInt64(64 - max(1, bits - 2))
    }

    /// Incremental scanning state: feed bytes in order, collect chunk lengths.
    public struct Scanner {
        let cdc: FastCDC
        var hash: UInt64 = 0
        var length = 0
        public private(set) var lengths: [Int] = []

        public init(_ cdc: FastCDC) { self.cdc = cdc }

        public mutating func feed(_ bytes: UnsafeRawBufferPointer) {
            var i = 0
            let n = bytes.count
            let gear = FastCDC.gear
            gear.withUnsafeBufferPointer { g in
                while i < n {
                    // Skip hashing until the minimum size; the hash restarts at each chunk.
                    if length < cdc.minSize {
                        let skip = min(cdc.minSize - length, n - i)
                        length += skip
                        i += skip
                        continue
                    }
                    let mask = length < cdc.averageSize ? cdc.maskSmall : cdc.maskLarge
                    let limit = min(n, i + (cdc.maxSize - length))
                    var cut = false
                    while i < limit {
                        hash = (hash << 1) &+ g[Int(bytes[i])]
                        i += 1
                        length += 1
                        if hash & mask == 0 { cut = true; break }
                        if length == cdc.averageSize { break }
                    }
                    if cut || length >= cdc.maxSize {
                        lengths.append(length)
                        length = 0
                        hash = 0
                    }
                }
            }
        }

        /// Ends the input; returns every chunk length (their sum is the input's length).
        public mutating func finish() -> [Int] {
            if length > 0 { lengths.append(length) }
            length = 0
            return lengths
        }
    }
}
