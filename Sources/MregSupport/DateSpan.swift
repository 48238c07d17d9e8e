import Foundation

/// The span of time a typed date names: all of March for `2026-03`, one day for
/// `2026-03-05`, one minute for `2026-03-05 14:30`, one instant for a full timestamp.
///
/// mreg records times to the second, so `end` is the span's last second
/// (`2026-03-31T23:59:59Z` for `2026-03`), and an instant is one second: `start == end`. Each option picks
/// the end it needs: `--since` the start, `--until` and `--as-of` the end; a search
/// comparison `>` means after the end, `>=` from the start, `<` before the start, `<=` up
/// to the end, `=` within.
public struct DateSpan: Sendable, Hashable {
    /// The first instant of the span.
    public var start: Date
    /// The last second of the span (for an instant, the instant itself).
    public var end: Date

    public init(start: Date, end: Date) {
        self.start = start
        self.end = end
    }

    /// Whether the span is one instant (a full timestamp).
    public var isInstant: Bool { start == end }

    /// The first whole second at or after `start`, in seconds since 1970 (as the index stores times).
    public var firstSecond: Int64 { Int64(start.timeIntervalSince1970.rounded(.up)) }

    /// The last whole second at or before `end`, in seconds since 1970 (as the index stores times).
    public var lastSecond: Int64 { Int64(end.timeIntervalSince1970.rounded(.down)) }

    /// Whether `date` falls within the span, both ends included.
    public func contains(_ date: Date) -> Bool { start <= date && date <= end }
}
