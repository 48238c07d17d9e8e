import MregTestSupport
import Testing
@testable import MregStore

@Suite("CompressionPolicy")
struct CompressionPolicyTests {
    @Test func parsesSettings() throws {
        #expect(try CompressionPolicy(setting: "auto") == .auto)
        #expect(try CompressionPolicy(setting: " AUTO ") == .auto)
        for n in Int32(0)...9 { #expect(try CompressionPolicy(setting: String(n)) == .level(n)) }
        #expect(try CompressionPolicy(setting: "-1") == .level(6))
        #expect(CompressionPolicy.auto.description == "auto")
        #expect(CompressionPolicy.level(3).description == "3")
    }

    @Test(arguments: ["10", "-2", "fast", "", "1.5"])
    func refusesBadSettings(_ text: String) {
        let error = #expect(throws: StoreError.self) { try CompressionPolicy(setting: text) }
        #expect(error?.code == .invalid)
    }

    @Test func autoStoresRandomDataAndCompressesText() {
        let random = randomBytes(256 * 1024)
        let text = textBytes(lines: 5000)
        random.withUnsafeBytes { #expect(CompressionPolicy.auto.level(forSample: $0) == 0) }
        text.withUnsafeBytes { #expect(CompressionPolicy.auto.level(forSample: $0) == 6) }
        // Too small a sample to judge: compress.
        Array(random.prefix(100)).withUnsafeBytes { #expect(CompressionPolicy.auto.level(forSample: $0) == 6) }
        // A fixed level is used as is.
        random.withUnsafeBytes { #expect(CompressionPolicy.level(9).level(forSample: $0) == 9) }
        text.withUnsafeBytes { #expect(CompressionPolicy.level(0).level(forSample: $0) == 0) }
    }

    @Test func autoDecidesOnDiskSize() throws {
        try withTemporaryDirectory { dir in
            let store = makeObjectStore(in: dir)
            let random = randomBytes(3 * 1024 * 1024 + 17)
            let text = textBytes(lines: 20000)
            let r = try store.write(type: .blob, bytes: random)
            let t = try store.write(type: .blob, bytes: text)
            // Stored blocks: the payload plus a few bytes of framing per 64 KiB block.
            #expect(r.storedBytes > Int64(random.count))
            #expect(r.storedBytes < Int64(random.count) + Int64(random.count) / 1000 + 64)
            #expect(t.storedBytes * 10 < Int64(text.count))
            #expect(store.storedSize(of: r.id) == r.storedBytes)
            // Both read back whole, whatever the level.
            #expect(try store.read(r.id).payload == random)
            #expect(try store.read(t.id).payload == text)
        }
    }

    @Test func theIDNeverDependsOnTheLevel() throws {
        try withTemporaryDirectory { dir in
            let payload = textBytes(lines: 300) + randomBytes(70_000)
            var ids = Set<ObjectID>()
            var sizes = Set<Int64>()
            for level in [Int32(0), 1, 6, 9] {
                let store = makeObjectStore(in: "\(dir)/\(level)", compression: .level(level))
                let result = try store.write(type: .blob, bytes: payload)
                ids.insert(result.id)
                sizes.insert(result.storedBytes)
                #expect(try store.read(result.id).payload == payload)
            }
            #expect(ids == [ObjectID.compute(type: .blob, payload: payload)])
            #expect(sizes.count > 1)
        }
    }
}
