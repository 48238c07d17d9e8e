import Foundation

/// Maps `items` on several threads (results in order); the first error thrown is rethrown.
///
/// Index builds read many small objects, so on a cold cache they wait on the disk more than
/// they compute: `workers` threads (default 16, at least twice the cores) keep enough reads
/// in flight for an SSD or a network filesystem to answer them in parallel.
package func parallelMap<T, R>(_ items: [T], workers: Int? = nil, _ body: @escaping (T) throws -> R) throws -> [R] {
    if items.count <= 1 { return try items.map(body) }
    let count = min(items.count, workers ?? max(16, ProcessInfo.processInfo.activeProcessorCount * 2))
    let results = ParallelResults<R>(count: items.count)
    // The threads may outlive this call by a moment (after signalling), so `body` escapes.
    let work = UnsafeSendableBox(body)
    let input = UnsafeSendableBox(items)
    let run: @Sendable () -> Void = {
        while let i = results.next(), i < input.value.count {
            do { results.set(i, try work.value(input.value[i])) } catch { results.fail(error) }
        }
    }
    let done = DispatchGroup()
    for _ in 1..<count {
        done.enter()
        Thread { run(); done.leave() }.start()
    }
    run()
    done.wait()
    return try results.values()
}

/// Results of `parallelMap`, filled from several threads under a lock.
private final class ParallelResults<R>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [R?]
    private var error: Error?
    private var taken = 0

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    /// The next item to work on; nil once an item failed.
    func next() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard error == nil else { return nil }
        taken += 1
        return taken - 1
    }

    func set(_ i: Int, _ value: R) { lock.lock(); slots[i] = value; lock.unlock() }

    func fail(_ e: Error) { lock.lock(); if error == nil { error = e }; lock.unlock() }

    func values() throws -> [R] {
        if let error { throw error }
        return slots.map { $0! }
    }
}

/// Carries a value the caller knows is used safely into concurrent code.
private struct UnsafeSendableBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
