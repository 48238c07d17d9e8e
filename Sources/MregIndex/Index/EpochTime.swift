import Foundation
import MregStore
import MregSupport
import MregRegistry

/// Seconds since 1970 for the RFC 3339 times mreg records, parsed without a
/// `DateFormatter` (indexing parses one per version).
enum EpochTime {
    /// `2026-11-26T15:20:11Z` → seconds since the epoch; other RFC 3339 forms via `Timestamp`.
    static func seconds(_ text: String) -> Int64? {
        let u = Array(text.utf8)
        if u.count == 20, u[4] == 0x2d, u[7] == 0x2d, u[10] == 0x54 || u[10] == 0x20 || u[10] == 0x74,
           u[13] == 0x3a, u[16] == 0x3a, u[19] == 0x5a || u[19] == 0x7a,
           let y = number(u, 0, 4), let mo = number(u, 5, 2), let d = number(u, 8, 2),
           let h = number(u, 11, 2), let mi = number(u, 14, 2), let s = number(u, 17, 2),
           (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, s < 61 {
            return days(year: y, month: mo, day: d) * 86400 + h * 3600 + mi * 60 + s
        }
        guard let date = Timestamp.parse(text) else { return nil }
        return Int64(date.timeIntervalSince1970.rounded(.down))
    }

    static func number(_ u: [UInt8], _ start: Int, _ count: Int) -> Int64? {
        var v: Int64 = 0
        for i in start..<start + count {
            guard u[i] >= 0x30 && u[i] <= 0x39 else { return nil }
            v = v * 10 + Int64(u[i] - 0x30)
        }
        return v
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }
}
