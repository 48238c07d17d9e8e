import Foundation

/// RFC 3339 UTC timestamps with second precision, as mreg records them.
public enum Timestamp {
    public static func now() -> String { format(Date()) }

    public static func format(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: date)
    }

    /// Parses an RFC 3339 timestamp, a plain date (`2026-01-31`) or `YYYY-MM-DD HH:MM[:SS]` (taken as UTC).
    public static func parse(_ text: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        if let d = f.date(from: text) { return d }
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: text) { return d }
        let df = DateFormatter()
        df.locale = Locale(identifier: "en_US_POSIX")
        df.timeZone = TimeZone(identifier: "UTC")
        for pattern in ["yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-dd"] {
            df.dateFormat = pattern
            if let d = df.date(from: text) {
                // A plain date means the end of that day.
                return pattern == "yyyy-MM-dd" ? d.addingTimeInterval(86399) : d
            }
        }
        return nil
    }
}
