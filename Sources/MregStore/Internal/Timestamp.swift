import Foundation

/// The times mreg records in events and manifests: RFC 3339 in UTC, to the second
/// (`2026-11-26T15:20:11Z`).
///
/// `now()` is the clock that stamps them: the current time, or `MREG_NOW` when it is set
/// (like git's `GIT_COMMITTER_DATE`), so scripts and tests can fix it. Dates people type
/// (`--since`, `--as-of`, search) are read by `UserDate`, not here.
public enum Timestamp {
    /// The environment variable that sets "now" for new events and manifests.
    public static let nowVariable = "MREG_NOW"

    /// The time to record now: `MREG_NOW` when set (and not empty), else the clock.
    ///
    /// Throws when `MREG_NOW` is not an RFC 3339 time, so a typo is never recorded as the real time.
    public static func now(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        guard let text = environment[nowVariable], !text.isEmpty else { return format(Date()) }
        guard let date = parse(text) else {
            throw StoreError.invalid(reason: "\(nowVariable)='\(text)' is not a time: use RFC 3339, such as 2026-03-01T12:00:00Z (UTC unless an offset such as +02:00 is given)")
        }
        return format(date)
    }

    /// `2026-11-26T15:20:11Z`: UTC, whole seconds (a fraction is dropped).
    ///
    /// Written by hand in the proleptic Gregorian calendar, as `parse` reads: Foundation's
    /// formatters switch to the Julian calendar before October 1582, so a time would not survive
    /// a round trip (it came back shifted by days).
    public static func format(_ date: Date) -> String {
        let total = date.timeIntervalSince1970.rounded(.down)
        // Years 0000–9999 only: the four digits RFC 3339 allows (and parse reads).
        let seconds = Int64(min(max(total, -62_167_219_200), 253_402_300_799))
        return format(secondsSince1970: seconds)
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` of a time in seconds since 1970 (years 0000–9999).
    public static func format(secondsSince1970 seconds: Int64) -> String {
        let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let inDay = seconds - days * 86400
        let (year, month, day) = civil(daysSince1970: days)
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let y = String(repeating: "0", count: max(0, 4 - "\(year)".count)) + "\(year)"
        return "\(y)-\(two(month))-\(two(day))T\(two(inDay / 3600)):\(two(inDay / 60 % 60)):\(two(inDay % 60))Z"
    }

    /// The proleptic Gregorian date of a day number (Howard Hinnant's `civil_from_days`).
    public static func civil(daysSince1970 days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Reads a recorded time: an RFC 3339 date-time `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`
    /// (`T` may be `t` or a space, `Z` may be `z`; without a zone the time is UTC). Fields out
    /// of range (`2026-02-30`, `24:00`) and anything else make it nil.
    public static func parse(_ text: String) -> Date? {
        let u = Array(text.utf8)
        var i = 0
        func digits(_ n: Int) -> Int64? {
            guard i + n <= u.count else { return nil }
            var v: Int64 = 0
            for b in u[i..<i + n] {
                guard b >= 0x30 && b <= 0x39 else { return nil }
                v = v * 10 + Int64(b - 0x30)
            }
            i += n
            return v
        }
        // 0xFF never occurs in UTF-8, so it is "no other choice".
        func take(_ a: UInt8, _ b: UInt8 = 0xFF, _ c: UInt8 = 0xFF) -> Bool {
            guard i < u.count, u[i] == a || u[i] == b || u[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), take(0x2d), let month = digits(2), (1...12).contains(month), take(0x2d),
              let day = digits(2), day >= 1, day <= daysIn(year: year, month: month),
              take(0x54, 0x74, 0x20), let hour = digits(2), hour < 24, take(0x3a), let minute = digits(2), minute < 60,
              take(0x3a), let second = digits(2), second <= 60 else { return nil }
        var fraction = 0.0
        if take(0x2e) {
            let start = i
            while i < u.count, u[i] >= 0x30 && u[i] <= 0x39 { i += 1 }
            guard i > start, let f = Double("0." + String(decoding: u[start..<i], as: UTF8.self)) else { return nil }
            fraction = f
        }
        var offset: Int64 = 0
        if take(0x5a, 0x7a) {
            offset = 0
        } else if i < u.count, u[i] == 0x2b || u[i] == 0x2d {
            let sign: Int64 = u[i] == 0x2d ? -1 : 1
            i += 1
            guard let oh = digits(2), oh < 24, take(0x3a), let om = digits(2), om < 60 else { return nil }
            offset = sign * (oh * 3600 + om * 60)
        }
        guard i == u.count else { return nil }
        let seconds = daysSince1970(year: year, month: month, day: day) * 86400 + hour * 3600 + minute * 60 + second - offset
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    /// Days in a month of the proleptic Gregorian calendar.
    public static func daysIn(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    public static func daysSince1970(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }
}
