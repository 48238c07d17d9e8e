import MregTestSupport
import Foundation
import Testing
@testable import MregRegistry
@testable import MregSupport
import MregStore

/// Numbers read from objects are range-checked when the object is decoded, so crafted
/// objects are reported as corrupt instead of trapping on overflow later (the next
/// sequence number, the sum of chunk sizes).
@Suite struct CraftedNumberTests {
    static func event(_ fields: String) throws -> JSONValue {
        try JSONValue.parse(Array(#"{"schema":"\#(Event.schema)","model":"m","action":"register","actor":"a","time":"2026-03-01T00:00:00Z",\#(fields)}"#.utf8))
    }

    @Test(arguments: [
        #""seq":9223372036854775807"#,
        #""seq":-9223372036854775808"#,
        #""seq":0"#,
        #""seq":1,"version":9223372036854775807"#,
        #""seq":1,"version":0"#,
        #""seq":1,"version":1,"previous":-1"#,
        #""seq":1,"version":1.5,"manifest":"\#(String(repeating: "a", count: 64))""#,
        #""seq":1,"version":100000000000000000000,"manifest":"\#(String(repeating: "a", count: 64))""#,
        #""seq":1,"version":"3","manifest":"\#(String(repeating: "a", count: 64))""#,
        #""seq":1,"version":1,"manifest":"not-an-id""#,
        #""seq":1,"manifest":"\#(String(repeating: "a", count: 64))""#,
    ])
    func eventNumbersOutOfRangeAreCorrupt(_ fields: String) throws {
        #expect(throws: RegistryError.self) { try Event(json: Self.event(fields)) }
    }

    @Test func eventNumbersInRangeDecode() throws {
        let e = try Event(json: Self.event(#""seq":9007199254740992,"version":3,"previous":2,"manifest":"\#(String(repeating: "a", count: 64))""#))
        #expect(e.sequence == Event.maximumNumber && e.version == 3 && e.previous == 2)
    }

    @Test func chunkSizesThatOverflowAreCorrupt() throws {
        let id = String(repeating: "ab", count: 32)
        let text = #"{"schema":"\#(ChunkList.schema)","size":1,"chunks":[{"object":"\#(id)","size":9223372036854775807},{"object":"\#(id)","size":9223372036854775807}]}"#
        #expect(throws: RegistryError.self) { try ChunkList(json: JSONValue.parse(Array(text.utf8))) }
    }

    @Test func manifestFileSizesThatOverflowOrAreNegativeAreCorrupt() throws {
        let id = String(repeating: "ab", count: 32)
        func manifest(_ sizes: [String]) -> JSONValue? {
            let files = sizes.enumerated().map { #"{"path":"f\#($0.offset)","size":\#($0.element),"digest":"sha256:00","object":"\#(id)"}"# }
            return try? JSONValue.parse(Array(#"{"schema":"\#(Manifest.schema)","model":"m","files":[\#(files.joined(separator: ","))]}"#.utf8))
        }
        let big = try #require(manifest(["9223372036854775807", "9223372036854775807"]))
        #expect(throws: RegistryError.self) { try Manifest(json: big) }
        let negative = try #require(manifest(["-5"]))
        #expect(throws: RegistryError.self) { try Manifest(json: negative) }
        let fine = try #require(manifest(["9223372036854775806", "1"]))
        #expect(try Manifest(json: fine).totalSize == Int64.max)
    }
}
