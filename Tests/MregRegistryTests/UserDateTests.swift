import MregTestSupport
import Foundation
import Testing
@testable import MregRegistry
@testable import MregFilter
@testable import MregSupport
@testable import MregIndex
@testable import MregGovernance
@testable import MregRemote

@Suite struct UserDateTests {
    static let march1: Int64 = 1_772_323_200  // 2026-03-01T00:00:00Z

    static func seconds(_ text: String) throws -> [Int64] {
        let span = try UserDate.parse(text)
        return [span.firstSecond, span.lastSecond]
    }

    @Test func aDateNamesTheSpanOfItsPrecision() throws {
        let year2026: Int64 = 1_767_225_600
        #expect(try Self.seconds("2026") == [year2026, year2026 + 365 * 86_400 - 1])
        #expect(try Self.seconds("2024") == [1_704_067_200, 1_704_067_200 + 366 * 86_400 - 1])  // a leap year
        #expect(try Self.seconds("2026-03") == [Self.march1, Self.march1 + 31 * 86_400 - 1])
        #expect(try Self.seconds("2024-02") == [1_706_745_600, 1_706_745_600 + 29 * 86_400 - 1])
        #expect(try Self.seconds("2026-03-01") == [Self.march1, Self.march1 + 86_399])
        #expect(try Self.seconds("2026-03-01T14") == [Self.march1 + 50_400, Self.march1 + 50_400 + 3_599])
        #expect(try Self.seconds("2026-03-01 14:30") == [Self.march1 + 52_200, Self.march1 + 52_200 + 59])
        #expect(try Self.seconds("2026-03-01T14:30:05Z") == [1_772_375_405, 1_772_375_405])
        #expect(try UserDate.parse("2026-03-01T14:30:05Z").isInstant)
        #expect(try !UserDate.parse("2026-03-01").isInstant)
    }

    @Test func theEndsAreDatesAsOptionsUseThem() throws {
        let march = try UserDate.parse("2026-03")
        #expect(march.start == Date(timeIntervalSince1970: 1_772_323_200))
        #expect(march.end == Date(timeIntervalSince1970: 1_775_001_599))  // 2026-03-31T23:59:59Z
        #expect(march.contains(Date(timeIntervalSince1970: 1_774_998_000)))  // 2026-03-31T23:00:00Z
        #expect(!march.contains(Date(timeIntervalSince1970: 1_775_001_600)))  // 2026-04-01T00:00:00Z
        #expect(!march.contains(Date(timeIntervalSince1970: 1_772_323_199)))  // 2026-02-28T23:59:59Z
    }

    @Test(arguments: [
        ("2026-03-01T16:30:05+02:00", Int64(1_772_375_405)),
        ("2026-03-01T16:30:05+0200", 1_772_375_405),
        ("2026-03-01T09:30:05-05:00", 1_772_375_405),
        ("2026-03-01t14:30:05z", 1_772_375_405),
        ("2026-03-01 14:30:05", 1_772_375_405),  // no zone: UTC
        ("2026-03-01T14:30:05", 1_772_375_405),
        ("2026-03-01T14:30:05.250Z", 1_772_375_405),  // the fraction is dropped
        ("  2026-03-01T14:30:05Z ", 1_772_375_405),
        ("1970-01-01T00:00:00Z", 0),
        ("2000-02-29T12:00:00Z", 951_825_600),
    ])
    func fullTimestampsAreInstants(_ text: String, _ expected: Int64) throws {
        #expect(try Self.seconds(text) == [expected, expected])
    }

    @Test func anOffsetMovesAMinuteOrHourSpan() throws {
        #expect(try Self.seconds("2026-03-01 16:30+02:00") == [Self.march1 + 52_200, Self.march1 + 52_200 + 59])
        #expect(try Self.seconds("2026-03-01T01+02:00") == [Self.march1 - 3_600, Self.march1 - 1])
    }

    @Test(arguments: [
        ("2026-13", "month 13 does not exist"),
        ("2026-00-01", "month 0 does not exist"),
        ("2026-02-30", "2026-02 has no day 30 (it has 28 days)"),
        ("2025-02-29", "2025-02 has no day 29 (it has 28 days)"),
        ("2026-04-31", "2026-04 has no day 31 (it has 30 days)"),
        ("0026-02-29", "0026-02 has no day 29 (it has 28 days)"),
        ("2000-02-30", "2000-02 has no day 30 (it has 29 days)"),
        ("2026-03-01 24:00", "hour 24 does not exist"),
        ("2026-03-01 10:60", "minute 60 does not exist"),
        ("2026-03-01 10:00:61", "second 61 does not exist"),
        ("2026-3-1", "expected a two-digit month"),
        ("2026-03-1", "expected a two-digit day"),
        ("26-03-01", "expected a four-digit year"),
        ("yesterday", "expected a four-digit year"),
        ("", "expected a four-digit year"),
        ("2026-03-01T", "expected a two-digit hour"),
        ("2026-03-01T10:00:00.", "expected digits after '.'"),
        ("2026-03-01T10:00:00+2", "expected an offset such as +02:00"),
        ("2026-03-01T10:00:00+24:00", "the offset is out of range"),
        ("2026-03-01Z", "a time zone needs a time of day"),
        ("2026-03-01 10:00 UTC", "unexpected ' UTC'"),
        ("2026/03/01", "unexpected '/03/01'"),
    ])
    func impossibleOrMalformedDatesAreRefusedWithTheReason(_ text: String, _ problem: String) {
        let error = #expect(throws: UserDate.ParseError.self) { try UserDate.parse(text) }
        #expect(error?.problem.hasPrefix(problem) == true, "\(text): \(error?.problem ?? "no error")")
        #expect(error?.description.hasPrefix("cannot read the date '\(text)': \(problem)") == true)
        #expect(error?.description.hasSuffix(UserDate.forms) == true)
    }
}
