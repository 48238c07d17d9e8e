import Foundation
import MregStore
import MregSupport
import MregRegistry

/// Quoted dates in searches, read as the span of time they name:
/// `'2026'` (the year), `'2026-03'` (the month), `'2026-03-01'` (the day),
/// `'2026-03-01 14:30'` (the minute), `'2026-03-01T14:30:05Z'` (the second).
/// Times are UTC unless they end in an offset (`+02:00`).
enum SearchDate {
    /// The first and last second of the span, as seconds since the epoch; nil when unreadable.
    static func span(_ text: String) -> (from: Int64, to: Int64)? {
        let u = Array(text.trimmingCharacters(in: .whitespaces).utf8)
        var i = 0
        func num(_ n: Int) -> Int64? {
            guard i + n <= u.count else { return nil }
            var v: Int64 = 0
            for k in i..<i + n {
                guard u[k] >= 0x30 && u[k] <= 0x39 else { return nil }
                v = v * 10 + Int64(u[k] - 0x30)
            }
            i += n
            return v
        }
        func take(_ c: UInt8) -> Bool {
            if i < u.count && u[i] == c { i += 1; return true }
            return false
        }
        guard let year = num(4) else { return nil }
        var month: Int64 = 1, day: Int64 = 1, hour: Int64 = 0, minute: Int64 = 0, second: Int64 = 0
        // Length of the span in seconds, minus one (set by the most precise part given).
        var extra: Int64
        let days = { (y: Int64, m: Int64) -> Int64 in EpochTime.days(year: m == 12 ? y + 1 : y, month: m == 12 ? 1 : m + 1, day: 1) - EpochTime.days(year: y, month: m, day: 1) }
        if take(0x2d) {
            guard let m = num(2), (1...12).contains(m) else { return nil }
            month = m
            if take(0x2d) {
                guard let d = num(2), d >= 1, d <= days(year, month) else { return nil }
                day = d
                if take(0x54) || take(0x74) || take(0x20) {
                    guard let h = num(2), h < 24 else { return nil }
                    hour = h
                    if take(0x3a) {
                        guard let mi = num(2), mi < 60 else { return nil }
                        minute = mi
                        if take(0x3a) {
                            guard let s = num(2), s < 61 else { return nil }
                            second = s
                            if take(0x2e) { while i < u.count, u[i] >= 0x30 && u[i] <= 0x39 { i += 1 } }
                            extra = 0
                        } else {
                            extra = 59
                        }
                    } else {
                        extra = 3599
                    }
                } else {
                    extra = 86399
                }
            } else {
                extra = days(year, month) * 86400 - 1
            }
        } else {
            extra = (EpochTime.days(year: year + 1, month: 1, day: 1) - EpochTime.days(year: year, month: 1, day: 1)) * 86400 - 1
        }
        var offset: Int64 = 0
        if take(0x5a) || take(0x7a) {
            offset = 0
        } else if i < u.count, u[i] == 0x2b || u[i] == 0x2d {
            let sign: Int64 = u[i] == 0x2d ? -1 : 1
            i += 1
            guard let oh = num(2), oh < 24 else { return nil }
            _ = take(0x3a)
            guard let om = num(2), om < 60 else { return nil }
            offset = sign * (oh * 3600 + om * 60)
        }
        guard i == u.count else { return nil }
        let from = EpochTime.days(year: year, month: month, day: day) * 86400 + hour * 3600 + minute * 60 + second - offset
        return (from, from + extra)
    }
}
