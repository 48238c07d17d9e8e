import MregTestSupport
import Foundation
import Synchronization
import Testing
@testable import MregRegistry
@testable import MregFilter
@testable import MregSupport

@Suite("Parallel")
struct ParallelTests {
    struct Boom: Error, Equatable { var item: Int }

    /// The most workers seen at once, counted by the work itself.
    final class Occupancy: Sendable {
        private let counts = Mutex((now: 0, most: 0))
        func enter() { counts.withLock { $0.now += 1; $0.most = max($0.most, $0.now) } }
        func leave() { counts.withLock { $0.now -= 1 } }
        var most: Int { counts.withLock { $0.most } }
    }

    @Test func mapKeepsTheOrderOfItems() throws {
        let items = Array(0..<500)
        let squares = try Parallel.map(items, width: 8) { i -> Int in
            if i % 7 == 0 { for _ in 0..<2_000 { sched_yield() } }  // finish out of order
            return i * i
        }
        #expect(squares == items.map { $0 * $0 })
        #expect(try Parallel.map([Int](), width: 4) { $0 }.isEmpty)
        #expect(try Parallel.map([3], width: 4) { $0 + 1 } == [4])
    }

    @Test func neverRunsMoreThanTheWidthAtOnce() throws {
        let occupancy = Occupancy()
        try Parallel.forEach(Array(0..<64), width: 3) { _ in
            occupancy.enter()
            // Hold the slot until a second worker is in too (a condition, not a sleep), so the
            // test sees real overlap on a loaded machine; bounded so a serial bug fails, not hangs.
            let deadline = Date().addingTimeInterval(10)
            while occupancy.most < 2 && Date() < deadline { sched_yield() }
            occupancy.leave()
        }
        #expect(occupancy.most <= 3)
        #expect(occupancy.most >= 2)  // it did run in parallel
    }

    @Test func widthOneRunsOnTheCallingThread() throws {
        let caller = pthread_self()
        let threads = try Parallel.map(Array(0..<10), width: 1) { _ in pthread_equal(pthread_self(), caller) != 0 }
        #expect(threads.allSatisfy { $0 })
    }

    @Test func theFirstErrorStopsTheRestAndIsRethrown() throws {
        let started = Atomic<Int>(0)
        let error = try #require(throws: Boom.self) {
            try Parallel.forEach(Array(0..<10_000), width: 4) { i in
                started.wrappingAdd(1, ordering: .relaxed)
                if i == 5 { throw Boom(item: i) }
                usleep(100)
            }
        }
        #expect(error == Boom(item: 5))
        let count = started.load(ordering: .relaxed)
        #expect(count < 10_000)
    }

    @Test func bothRunsTheTwoAtOnceAndReturnsBoth() throws {
        // Each side waits for the other to start: this finishes only if they run at the same time.
        let flags = Atomic<Int>(0)
        @Sendable func meet(_ bit: Int) -> Int {
            flags.bitwiseOr(bit, ordering: .relaxed)
            let deadline = Date().addingTimeInterval(30)
            while flags.load(ordering: .relaxed) != 3 && Date() < deadline { usleep(100) }
            return flags.load(ordering: .relaxed)
        }
        let (a, b) = try Parallel.both({ meet(1) }, { meet(2) })
        #expect(a == 3 && b == 3)
    }

    @Test func bothRethrowsTheForegroundErrorFirstAndWaitsForTheBackground() throws {
        let finished = Atomic<Bool>(false)
        let error = try #require(throws: Boom.self) {
            _ = try Parallel.both({ () throws -> Int in
                usleep(50_000)
                finished.store(true, ordering: .relaxed)
                throw Boom(item: 1)
            }, { () throws -> Int in throw Boom(item: 2) })
        }
        #expect(error == Boom(item: 2))
        let ended = finished.load(ordering: .relaxed)
        #expect(ended)  // it did not return before the background work ended
        let background = try #require(throws: Boom.self) {
            _ = try Parallel.both({ () throws -> Int in throw Boom(item: 1) }, { 2 })
        }
        #expect(background == Boom(item: 1))
    }
}
