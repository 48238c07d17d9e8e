import Foundation
import MregStore

/// Seconds since 1970 for the RFC 3339 times mreg records (`Timestamp.parse`, which needs
/// no `DateFormatter`: indexing parses one per version).
public enum EpochTime {
    /// `2026-11-26T15:20:11Z` → seconds since the epoch (a fraction is dropped); nil when unreadable.
    public static func seconds(_ text: String) -> Int64? {
        Timestamp.parse(text).map { Int64($0.timeIntervalSince1970.rounded(.down)) }
    }
}
