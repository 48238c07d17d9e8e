import MregTestSupport
import Testing
@testable import MregStore

@Suite("ObjectID")
struct ObjectIDTests {
    static let emptyBlob = "473a0f4c3be8a93681a267e3b1e9a7dcda1185436fe141f7749120a303721813"

    @Test func parsesAndPrintsLowercaseHex() throws {
        let id = try ObjectID(hex: Self.emptyBlob)
        #expect(id.hex == Self.emptyBlob)
        #expect(id.description == Self.emptyBlob)
        #expect(id.bytes.count == 32)
        #expect(id.bytes.first == 0x47)
        #expect(id.bytes.last == 0x13)
        // Either case parses; printing is always lowercase.
        let upper = try ObjectID(hex: Self.emptyBlob.uppercased())
        #expect(upper == id)
        #expect(upper.hex == Self.emptyBlob)
        #expect(ObjectID(parsing: Self.emptyBlob) == id)
        #expect(ObjectID(bytes: id.bytes) == id)
    }

    @Test(arguments: [
        "",
        "473a0f4c",
        String(emptyBlob.dropLast()),           // 63 digits
        emptyBlob + "0",                        // 65 digits
        "g" + String(emptyBlob.dropFirst()),    // not hex
        " " + String(emptyBlob.dropFirst()),
        String(emptyBlob.dropLast()) + "\n",
    ])
    func rejectsWhatIsNotAFullID(_ text: String) {
        #expect(ObjectID(parsing: text) == nil)
        let error = #expect(throws: StoreError.self) { try ObjectID(hex: text) }
        #expect(error?.code == .invalid)
    }

    @Test func abbreviates() throws {
        let id = try ObjectID(hex: Self.emptyBlob)
        #expect(id.abbreviated() == "473a0f4c")
        #expect(id.abbreviated(4) == "473a")
        #expect(id.abbreviated(12) == "473a0f4c3be8")
        #expect(id.abbreviated(64) == Self.emptyBlob)
        #expect(id.abbreviated(100) == Self.emptyBlob)
    }

    @Test func computesGitIDs() {
        // `printf '' | git hash-object --stdin` and `echo hello | git hash-object --stdin` in a sha256 repository.
        #expect(ObjectID.compute(type: .blob, payload: []).hex == Self.emptyBlob)
        #expect(ObjectID.compute(type: .blob, payload: Array("hello\n".utf8)).hex
                == "2cf8d83d9ee29543b34a87727421fdecb7e3f3a183d337639025de576db9ebb4")
        // The type is part of the id.
        #expect(ObjectID.compute(type: .manifest, payload: []) != ObjectID.compute(type: .blob, payload: []))
    }

    @Test func ordersByBytes() throws {
        let low = try ObjectID(hex: String(repeating: "0", count: 63) + "1")
        let high = try ObjectID(hex: "f" + String(repeating: "0", count: 63))
        #expect(low < high)
        #expect(!(high < low))
        #expect([high, low].sorted() == [low, high])
    }

    @Test func hexHelpers() {
        #expect(Hex.encode([0x00, 0x0f, 0xa5, 0xff]) == "000fa5ff")
        #expect(Hex.decode("000fA5ff") == [0x00, 0x0f, 0xa5, 0xff])
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("zz") == nil)
        #expect(Hex.isHex("0123456789abcdefABCDEF"))
        #expect(!Hex.isHex("12g4"))
    }
}
