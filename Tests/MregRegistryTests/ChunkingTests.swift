import MregTestSupport
import Foundation
import Testing
@testable import MregRegistry
@testable import MregFilter
@testable import MregSupport
@testable import MregIndex
@testable import MregGovernance
@testable import MregRemote

@Suite struct ChunkingTests {
    static func bytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var s = seed | 1
        return (0..<count).map { _ in s ^= s << 13; s ^= s >> 7; s ^= s << 17; return UInt8(truncatingIfNeeded: s) }
    }

    static func lengths(_ data: [UInt8], _ cdc: FastCDC, piece: Int) -> [Int] {
        var scanner = FastCDC.Scanner(cdc)
        var i = 0
        while i < data.count {
            let end = min(data.count, i + piece)
            data[i..<end].withUnsafeBytes { scanner.feed($0) }
            i = end
        }
        return scanner.finish()
    }

    @Test func fastCDCCoversTheInputWithinBoundsWhateverTheFeedSize() {
        let cdc = FastCDC(maxSize: 64 * 1024)
        let data = Self.bytes(1_000_000, seed: 9)
        let a = Self.lengths(data, cdc, piece: 1 << 20)
        let b = Self.lengths(data, cdc, piece: 777)
        #expect(a == b)
        #expect(a.reduce(0, +) == data.count)
        #expect(a.dropLast().allSatisfy { $0 >= cdc.minSize && $0 <= cdc.maxSize })
        #expect(a.count > 10 && a.count < 250)
    }

    @Test func fastCDCBoundariesSurviveAnInsertion() {
        let cdc = FastCDC(maxSize: 64 * 1024)
        let data = Self.bytes(1_000_000, seed: 3)
        let shifted = Self.bytes(1234, seed: 4) + data
        func chunks(_ d: [UInt8]) -> Set<[UInt8]> {
            var out = Set<[UInt8]>()
            var pos = 0
            for len in Self.lengths(d, cdc, piece: 4096) { out.insert(Array(d[pos..<pos + len])); pos += len }
            return out
        }
        let a = chunks(data), b = chunks(shifted)
        // All but the first chunk or two are shared.
        #expect(a.intersection(b).count >= a.count - 4)  // all but the first few chunks are shared
    }

    @Test func structuralRangesFollowTensorsAndSplitLargeOnes() {
        let policy = ChunkPolicy(threshold: 0, maxChunk: 4096)
        let ranges = policy.ranges(headerEnd: 100, tensors: [(100, 200), (200, 10_000), (10_100, 10_200)], size: 10_300)!
        #expect(ranges.first == 0..<100)
        #expect(ranges.contains(100..<200))
        #expect(ranges.contains(200..<4296) && ranges.contains(4296..<8392) && ranges.contains(8392..<10_000))
        #expect(ranges.contains(10_000..<10_100))  // a gap
        #expect(ranges.last == 10_200..<10_300)
        // Contiguous and complete.
        var pos: Int64 = 0
        for r in ranges { #expect(r.lowerBound == pos); pos = r.upperBound }
        #expect(pos == 10_300)
        // Overlapping or out-of-file tensors: no structure.
        #expect(policy.ranges(headerEnd: 100, tensors: [(50, 200)], size: 300) == nil)
        #expect(policy.ranges(headerEnd: 100, tensors: [(100, 400)], size: 300) == nil)
    }

    @Test func chunkListRoundTripsAndChecksItsSize() throws {
        let id = try #require(ObjectIDHelper.id("ab"))
        let list = ChunkList(chunks: [.init(object: id, size: 10), .init(object: id, size: 5)])
        #expect(try ChunkList(json: JSONValue.parse(list.json.canonical)) == list)
        var bad = list.json.objectValue!
        bad["size"] = 99
        #expect(throws: RegistryError.self) { try ChunkList(json: .object(bad)) }
    }
}

import MregStore

enum ObjectIDHelper {
    static func id(_ byte: String) -> ObjectID? { ObjectID(parsing: String(repeating: byte, count: 32)) }
}
