import Foundation
import MregStore
import MregSupport

/// How old an unreachable object must be before `gc` deletes it: `--prune` and `gc.pruneExpire`.
///
/// Accepted forms: `now`, `never`, a relative age in git's spelling (`2.weeks.ago`,
/// `14.days.ago`, `3.hours.ago`; also `2 weeks ago` or `2.weeks`), or a date in any form
/// `UserDate` reads (`2026-03-01`, RFC 3339…), meaning objects modified before it.
public enum PruneExpiry: Sendable, Equatable {
    /// Delete every unreachable object, whatever its age (unsafe with concurrent writers).
    case now
    /// Delete no object (temp files are kept too).
    case never
    /// Delete unreachable objects modified before this instant.
    case before(Date)

    /// The config key that sets the default.
    public static let configKey = "gc.pruneExpire"
    /// The default grace, as git's: two weeks.
    public static let defaultText = "2.weeks.ago"

    static let units: [(names: [String], seconds: Double)] = [
        (["second", "seconds", "sec", "secs", "s"], 1),
        (["minute", "minutes", "min", "mins"], 60),
        (["hour", "hours", "h"], 3_600),
        (["day", "days", "d"], 86_400),
        (["week", "weeks", "w"], 604_800),
        (["month", "months"], 2_592_000),
        (["year", "years", "y"], 31_536_000),
    ]

    /// Reads a `--prune` value, relative to `now`; nil reason-carrying error when it cannot be read.
    public static func parse(_ raw: String, now: Date) throws(ExpiryError) -> PruneExpiry {
        let text = raw.trimmingCharacters(in: .whitespaces).lowercased()
        if text == "now" { return .now }
        if text == "never" || text == "false" { return .never }
        // `2.weeks.ago`, `2 weeks ago`, `2.weeks`
        let words = text.split(whereSeparator: { $0 == "." || $0 == " " }).map(String.init)
        if let first = words.first, let count = Double(first), count.isFinite, count >= 0, words.count >= 2, words.count <= 3,
           words.count == 2 || words[2] == "ago", let unit = units.first(where: { $0.names.contains(words[1]) }) {
            return .before(now.addingTimeInterval(-count * unit.seconds))
        }
        do {
            let span = try UserDate.parse(raw)
            return .before(span.start)
        } catch {
            throw ExpiryError(text: raw)
        }
    }

    /// The instant before which an object is old enough, in nanoseconds since 1970
    /// (`Int64.min` for `never`: nothing is).
    public func cutoff(now: Date) -> Int64 {
        switch self {
        case .now: return Self.nanoseconds(now.timeIntervalSince1970, rounding: .up).addingReportingOverflow(1).partialValue
        case .never: return Int64.min
        case .before(let date): return Self.nanoseconds(date.timeIntervalSince1970, rounding: .down)
        }
    }

    /// Seconds since 1970 as nanoseconds, clamped to what Int64 holds (1677…2262): a date
    /// before that keeps everything, one after it keeps nothing, and neither traps.
    static func nanoseconds(_ seconds: Double, rounding: FloatingPointRoundingRule) -> Int64 {
        let n = (seconds * 1e9).rounded(rounding)
        guard n.isFinite else { return n > 0 ? Int64.max - 1 : Int64.min + 1 }
        if n >= 9.2e18 { return Int64.max - 1 }
        if n <= -9.2e18 { return Int64.min + 1 }
        return Int64(n)
    }

    /// The grace in seconds (0 for `now`, nil for `never`).
    public func grace(now: Date) -> TimeInterval? {
        switch self {
        case .now: return 0
        case .never: return nil
        case .before(let date): return max(0, now.timeIntervalSince(date))
        }
    }

    /// A value that cannot be read as an expiry.
    public struct ExpiryError: Error, Sendable, CustomStringConvertible {
        public var text: String
        /// The accepted forms, as error messages name them.
        public static let forms = "now, never, an age such as 2.weeks.ago or 3.days.ago, or a date (YYYY-MM-DD, RFC 3339)"
        public var description: String { "cannot read '\(text)' as a prune expiry: use \(Self.forms)" }
    }
}
