import MregTestSupport
import Foundation
import Testing
@testable import MregStore

@Suite("Timestamp")
struct TimestampTests {
    @Test func formatsUTCToTheSecond() {
        #expect(Timestamp.format(Date(timeIntervalSince1970: 1_772_375_405)) == "2026-03-01T14:30:05Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: 1_772_375_405.999)) == "2026-03-01T14:30:05Z")  // never rounds up
        #expect(Timestamp.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: -0.5)) == "1969-12-31T23:59:59Z")
    }

    /// Every time parse reads, format writes back unchanged: before the Gregorian reform of 1582
    /// (where Foundation's formatters switch to the Julian calendar) and at the ends of 0000–9999.
    @Test(arguments: ["1500-03-01T00:00:00Z", "1582-10-04T12:00:00Z", "1582-10-10T00:00:00Z", "0000-01-01T00:00:00Z",
                      "0001-02-28T23:59:59Z", "1600-02-29T06:07:08Z", "1969-12-31T23:59:59Z", "9999-12-31T23:59:59Z"])
    func formatInvertsParse(_ text: String) throws {
        let date = try #require(Timestamp.parse(text))
        #expect(Timestamp.format(date) == text)
    }

    @Test func formatAgreesWithDayArithmeticEveryDayForCenturies() {
        var day: Int64 = -200_000
        while day < 200_000 {
            let (y, m, d) = Timestamp.civil(daysSince1970: day)
            #expect(Timestamp.daysSince1970(year: y, month: m, day: d) == day)
            day += 17
        }
    }

    @Test(arguments: [
        ("2026-03-01T14:30:05Z", 1_772_375_405.0),
        ("2026-03-01t14:30:05z", 1_772_375_405),
        ("2026-03-01 14:30:05Z", 1_772_375_405),
        ("2026-03-01T14:30:05", 1_772_375_405),
        ("2026-03-01T16:30:05+02:00", 1_772_375_405),
        ("2026-03-01T14:30:05.25Z", 1_772_375_405.25),
        ("2000-02-29T00:00:00Z", 951_782_400),
    ])
    func readsRecordedTimes(_ text: String, _ seconds: Double) {
        #expect(Timestamp.parse(text)?.timeIntervalSince1970 == seconds)
    }

    @Test(arguments: ["2026-03-01", "2026-02-30T00:00:00Z", "2026-03-01T24:00:00Z", "2026-03-01T14:30Z",
                      "2026-03-01T14:30:05Zjunk", "2026-03-01T14:30:05+0200", "2026-03-01T14:30:05.Z", " 2026-03-01T14:30:05Z", "now"])
    func refusesAnythingElse(_ text: String) {
        #expect(Timestamp.parse(text) == nil)
    }

    @Test func mregNowSetsTheClock() throws {
        #expect(try Timestamp.now(environment: ["MREG_NOW": "2026-03-01T14:30:05Z"]) == "2026-03-01T14:30:05Z")
        #expect(try Timestamp.now(environment: ["MREG_NOW": "2026-03-01T16:30:05+02:00"]) == "2026-03-01T14:30:05Z")
        let before = Date().timeIntervalSince1970.rounded(.down)
        let real = try #require(Timestamp.parse(try Timestamp.now(environment: [:]))).timeIntervalSince1970
        #expect(real >= before && real <= before + 60)
        #expect(try Timestamp.now(environment: ["MREG_NOW": ""]) != "")  // empty: unset
    }

    @Test func anInvalidMregNowIsAnError() {
        let error = #expect(throws: StoreError.self) { try Timestamp.now(environment: ["MREG_NOW": "2026-02-30T00:00:00Z"]) }
        #expect(error?.message.hasPrefix("MREG_NOW='2026-02-30T00:00:00Z' is not a time") == true)
        #expect(throws: StoreError.self) { try Timestamp.now(environment: ["MREG_NOW": "yesterday"]) }
    }
}
