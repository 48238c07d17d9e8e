import Foundation
import MregStore

/// The one reader of the dates people type: `log --since/--until`, `show --as-of` and
/// quoted dates in search queries.
///
/// A date names a span (`DateSpan`) as long as its precision:
///
///     2026                         the year
///     2026-03                      the month
///     2026-03-05                   the day
///     2026-03-05T14 (or ' 14')     the hour
///     2026-03-05 14:30             the minute
///     2026-03-05T14:30:05Z         an instant, to the second
///
/// The separator between date and time is `T`, `t` or a space. Times are UTC unless
/// they end in `Z`/`z` or an offset (`+02:00`, `-0500`); a date without a time is a UTC
/// date. A fraction of a second (`14:30:05.25`) is read and dropped, as mreg records whole
/// seconds. Leading and trailing spaces are ignored. Impossible dates (`2026-13`,
/// `2026-02-30`, `24:00`) are refused with the reason.
public enum UserDate {
    /// Why a typed date cannot be read.
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        /// The text as typed.
        public var text: String
        /// What is wrong with it (`month 13 does not exist`).
        public var problem: String

        public var description: String { "cannot read the date '\(text)': \(problem); use \(UserDate.forms)" }
    }

    /// The accepted forms, as error messages name them.
    public static let forms = "YYYY, YYYY-MM, YYYY-MM-DD, 'YYYY-MM-DD HH:MM[:SS]' or RFC 3339 (UTC unless an offset such as +02:00 is given)"

    private enum Precision {
        case year, month, day, hour, minute, second
        var isDate: Bool { self == .year || self == .month || self == .day }
    }

    /// Reads a date as the span it names.
    public static func parse(_ text: String) throws -> DateSpan {
        let u = Array(text.trimmingCharacters(in: .whitespaces).utf8)
        var i = 0
        func fail(_ problem: String) -> ParseError { ParseError(text: text, problem: problem) }
        func isDigit(_ k: Int) -> Bool { k < u.count && u[k] >= 0x30 && u[k] <= 0x39 }
        /// Exactly `n` digits (not followed by another one unless `runOn`, as in offsets like `+0200`).
        func digits(_ n: Int, _ what: String, runOn: Bool = false) throws -> Int64 {
            guard (i..<i + n).allSatisfy(isDigit), runOn || !isDigit(i + n) else { throw fail("expected \(what)") }
            let v = u[i..<i + n].reduce(Int64(0)) { $0 * 10 + Int64($1 - 0x30) }
            i += n
            return v
        }
        func take(_ options: UInt8...) -> Bool {
            guard i < u.count, options.contains(u[i]) else { return false }
            i += 1
            return true
        }
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }

        let year = try digits(4, "a four-digit year")
        let yyyy = String(decoding: u[0..<4], as: UTF8.self)
        var month: Int64 = 1, day: Int64 = 1, hour: Int64 = 0, minute: Int64 = 0, second: Int64 = 0
        var offset: Int64 = 0
        var precision = Precision.year
        if take(0x2d) {
            month = try digits(2, "a two-digit month after '\(yyyy)-'")
            guard (1...12).contains(month) else { throw fail("month \(month) does not exist") }
            precision = .month
            if take(0x2d) {
                day = try digits(2, "a two-digit day after '\(yyyy)-\(two(month))-'")
                let days = daysIn(year: year, month: month)
                guard day >= 1, day <= days else { throw fail("\(yyyy)-\(two(month)) has no day \(day) (it has \(days) days)") }
                precision = .day
                if take(0x54, 0x74, 0x20) {
                    hour = try digits(2, "a two-digit hour after the date")
                    guard hour < 24 else { throw fail("hour \(hour) does not exist (hours are 00 to 23)") }
                    precision = .hour
                    if take(0x3a) {
                        minute = try digits(2, "two-digit minutes after the hour")
                        guard minute < 60 else { throw fail("minute \(minute) does not exist (minutes are 00 to 59)") }
                        precision = .minute
                        if take(0x3a) {
                            second = try digits(2, "two-digit seconds after the minutes")
                            guard second <= 60 else { throw fail("second \(second) does not exist (seconds are 00 to 59, or 60 for a leap second)") }
                            precision = .second
                            if take(0x2e) {
                                let start = i
                                while isDigit(i) { i += 1 }
                                guard i > start else { throw fail("expected digits after '.'") }
                            }
                        }
                    }
                    if take(0x5a, 0x7a) {
                        offset = 0
                    } else if i < u.count, u[i] == 0x2b || u[i] == 0x2d {
                        let sign: Int64 = u[i] == 0x2d ? -1 : 1
                        i += 1
                        let oh = try digits(2, "an offset such as +02:00", runOn: true)
                        _ = take(0x3a)
                        let om = try digits(2, "an offset such as +02:00")
                        guard oh < 24, om < 60 else { throw fail("the offset is out of range (at most ±23:59)") }
                        offset = sign * (oh * 3600 + om * 60)
                    }
                }
            }
        }
        guard i == u.count else {
            let rest = String(decoding: u[i...], as: UTF8.self)
            if precision.isDate, let first = rest.first, "Zz+-".contains(first) {
                throw fail("a time zone needs a time of day (such as \(yyyy)-\(two(month))-\(two(day))T00:00\(rest))")
            }
            throw fail("unexpected '\(rest)'")
        }
        let first = daysSince1970(year: year, month: month, day: day) * 86400 + hour * 3600 + minute * 60 + second - offset
        let length: Int64
        switch precision {
        case .year: length = (daysSince1970(year: year + 1, month: 1, day: 1) - daysSince1970(year: year, month: 1, day: 1)) * 86400
        case .month: length = daysIn(year: year, month: month) * 86400
        case .day: length = 86400
        case .hour: length = 3600
        case .minute: length = 60
        case .second: length = 1
        }
        return DateSpan(start: Date(timeIntervalSince1970: Double(first)), end: Date(timeIntervalSince1970: Double(first + length - 1)))
    }

    static func daysIn(year: Int64, month: Int64) -> Int64 { Timestamp.daysIn(year: year, month: month) }
    static func daysSince1970(year: Int64, month: Int64, day: Int64) -> Int64 { Timestamp.daysSince1970(year: year, month: month, day: day) }
}
