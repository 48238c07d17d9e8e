import Dispatch
import Foundation

/// Runs blocking work (network requests, file copies) on a few threads at once.
///
/// `DispatchQueue.concurrentPerform` is sized for CPU work (one thread per core);
/// transfers wait on I/O, so they want more workers than cores, on threads of their own.
package enum WorkerPool {
    /// Calls `body(i)` for every `i` in `0..<count`, `width` at a time. The first
    /// error stops the remaining items from starting and is rethrown.
    package static func run(count: Int, width: Int, _ body: @escaping @Sendable (Int) throws -> Void) throws {
        if count == 0 { return }
        if width <= 1 || count == 1 {
            for i in 0..<count { try body(i) }
            return
        }
        let state = PoolState()
        let group = DispatchGroup()
        // Threads of our own, not GCD's global queue: on Linux that pool grows about once a
        // second while its threads block, and URLSession's callbacks need threads from it too.
        for _ in 0..<min(width, count) {
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                while let i = state.next(limit: count) {
                    do { try body(i) } catch { state.fail(error) }
                }
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        group.wait()
        if let error = state.error { throw error }
    }

    private final class PoolState: @unchecked Sendable {
        private let lock = NSLock()
        private var index = 0
        private(set) var error: Error?

        func next(limit: Int) -> Int? {
            lock.lock()
            defer { lock.unlock() }
            guard error == nil, index < limit else { return nil }
            index += 1
            return index - 1
        }

        func fail(_ e: Error) {
            lock.lock()
            if error == nil { error = e }
            lock.unlock()
        }
    }
}

/// Per-index results filled in by parallel workers.
package final class ResultBox<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [T?]

    package init(count: Int) { values = Array(repeating: nil, count: count) }

    package func set(_ i: Int, _ value: T) {
        lock.lock()
        values[i] = value
        lock.unlock()
    }

    package func get(_ i: Int) -> T? {
        lock.lock()
        defer { lock.unlock() }
        return values[i]
    }
}

/// A counter shared by workers (bytes moved, objects done).
package final class SharedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Int64 = 0

    package init() {}

    @discardableResult
    package func add(_ n: Int64) -> Int64 {
        lock.lock()
        defer { lock.unlock() }
        value += n
        return value
    }

    package var current: Int64 {
        lock.lock()
        defer { lock.unlock() }
        return value
    }
}
