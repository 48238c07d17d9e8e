import Foundation
import Testing
@testable import MregRegistry

@Suite("gc --prune and gc.pruneExpire values")
struct PruneExpiryTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func formsAreRead() throws {
        #expect(try PruneExpiry.parse("now", now: now) == .now)
        #expect(try PruneExpiry.parse("never", now: now) == .never)
        #expect(try PruneExpiry.parse("2.weeks.ago", now: now) == .before(now.addingTimeInterval(-14 * 86_400)))
        #expect(try PruneExpiry.parse("3 days ago", now: now) == .before(now.addingTimeInterval(-3 * 86_400)))
        #expect(try PruneExpiry.parse("12.hours", now: now) == .before(now.addingTimeInterval(-12 * 3_600)))
        #expect(try PruneExpiry.parse("2026-03-01", now: now) == .before(Date(timeIntervalSince1970: 1_772_323_200)))
        for bad in ["", "soon", "2.fortnights.ago", "-1.days.ago", "2026-13-01", "1.day.later"] {
            #expect(throws: PruneExpiry.ExpiryError.self) { try PruneExpiry.parse(bad, now: now) }
        }
    }

    @Test func cutoffsAndGraces() {
        #expect(PruneExpiry.never.cutoff(now: now) == Int64.min && PruneExpiry.never.grace(now: now) == nil)
        #expect(PruneExpiry.now.cutoff(now: now) > 1_800_000_000 * 1_000_000_000 && PruneExpiry.now.grace(now: now) == 0)
        let twoWeeks = PruneExpiry.before(now.addingTimeInterval(-1_209_600))
        #expect(twoWeeks.grace(now: now) == 1_209_600)
        #expect(twoWeeks.cutoff(now: now) == (1_800_000_000 - 1_209_600) * 1_000_000_000)
    }
}
