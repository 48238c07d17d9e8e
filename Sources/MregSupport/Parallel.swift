import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Bounded parallel work for synchronous code: the one way mreg runs work on several threads.
///
/// Each call starts up to `width - 1` threads of its own (the calling thread is one of
/// the workers) and joins them before it returns, so nothing it started outlives it.
/// Threads of their own, not Dispatch's or Swift concurrency's pools: the work blocks
/// (disk reads, network transfers), a pool sized for CPU work would stall behind it, and
/// on Linux Dispatch's pool grows only about once a second while its threads block.
/// Shared state lives in a `Mutex`; nothing here is `@unchecked Sendable`.
public enum Parallel {
    /// The number of active cores: the width for work that computes more than it waits.
    public static var cores: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// `body(item)` for every item, at most `width` at a time; the results in the order of `items`.
    ///
    /// Items are handed out in order. After the first error no further item starts, the
    /// running ones finish, and that error is rethrown. With a width of 1 or a single
    /// item everything runs on the calling thread.
    public static func map<T: Sendable, R: Sendable>(_ items: [T], width: Int = cores,
                                                     _ body: @Sendable (T) throws -> R) throws -> [R] {
        if width <= 1 || items.count <= 1 { return try items.map(body) }
        let shared = MapState<R>(count: items.count)
        withoutActuallyEscaping(body) { body in
            let work: @Sendable () -> Void = {
                while let i = shared.take() {
                    do { shared.finish(i, with: try body(items[i])) } catch { shared.fail(error) }
                }
            }
            let helpers = (1..<min(width, items.count)).compactMap { _ in JoinableThread(work) }
            work()
            for thread in helpers { thread.join() }
        }
        return try shared.results()
    }

    /// `body(item)` for every item, at most `width` at a time; the first error is rethrown
    /// once the running items finish, and no further item starts after it.
    public static func forEach<T: Sendable>(_ items: [T], width: Int = cores, _ body: @Sendable (T) throws -> Void) throws {
        _ = try map(items, width: width, body)
    }

    /// Runs `background` on a thread of its own while `foreground` runs on the calling thread,
    /// and returns both results once both have finished. `foreground`'s error is rethrown
    /// first, else `background`'s.
    public static func both<A: Sendable, B>(_ background: @Sendable () throws -> A,
                                            _ foreground: () throws -> B) throws -> (A, B) {
        let slot = ResultSlot<A>()
        let second: Result<B, any Error> = withoutActuallyEscaping(background) { background in
            let run: @Sendable () -> Void = { slot.set(Result { try background() }) }
            guard let thread = JoinableThread(run) else {
                run()
                return Result { try foreground() }
            }
            let result = Result { try foreground() }
            thread.join()
            return result
        }
        let b = try second.get()
        return (try slot.get(), b)
    }
}

/// The progress and results of one `Parallel.map`, shared by its workers.
private final class MapState<R: Sendable>: Sendable {
    private struct Fields {
        var next = 0
        var count: Int
        var failure: (any Error)?
        var results: [R?]
    }

    private let fields: Mutex<Fields>

    init(count: Int) {
        fields = Mutex(Fields(count: count, results: Array(repeating: nil, count: count)))
    }

    /// The next item to work on; nil when all are taken or one failed.
    func take() -> Int? {
        fields.withLock { f in
            guard f.failure == nil, f.next < f.count else { return nil }
            f.next += 1
            return f.next - 1
        }
    }

    func finish(_ i: Int, with value: R) {
        fields.withLock { $0.results[i] = value }
    }

    func fail(_ error: any Error) {
        fields.withLock { f in if f.failure == nil { f.failure = error } }
    }

    /// Every result in order, or the first error.
    func results() throws -> [R] {
        let (failure, slots) = fields.withLock { ($0.failure, $0.results) }
        if let failure { throw failure }
        let values = slots.compactMap { $0 }
        precondition(values.count == slots.count, "Parallel.map finished without a result for every item")
        return values
    }
}

/// The result of `Parallel.both`'s background work.
private final class ResultSlot<A: Sendable>: Sendable {
    private let value = Mutex<Result<A, any Error>?>(nil)

    func set(_ result: Result<A, any Error>) { value.withLock { $0 = result } }

    func get() throws -> A {
        guard let result = value.withLock({ $0 }) else { preconditionFailure("Parallel.both: the background work did not finish") }
        return try result.get()
    }
}

/// A POSIX thread that runs one closure and is joined: once `join` returns, the thread
/// has ended and released the closure (so `withoutActuallyEscaping` holds).
private struct JoinableThread {
    /// The closure, handed to the new thread retained.
    private final class Body: Sendable {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    private let handle: pthread_t

    /// Starts `run` on a new thread; nil when the system refuses one (the caller then does the work itself).
    init?(_ run: @escaping @Sendable () -> Void) {
        let context = Unmanaged.passRetained(Body(run)).toOpaque()
        #if canImport(Darwin)
        var thread: pthread_t?
        let rc = pthread_create(&thread, nil, { raw in
            Unmanaged<Body>.fromOpaque(raw).takeRetainedValue().run()
            return nil
        }, context)
        guard rc == 0, let thread else {
            Unmanaged<Body>.fromOpaque(context).release()
            return nil
        }
        handle = thread
        #else
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { raw in
            if let raw { Unmanaged<Body>.fromOpaque(raw).takeRetainedValue().run() }
            return nil
        }, context)
        guard rc == 0 else {
            Unmanaged<Body>.fromOpaque(context).release()
            return nil
        }
        handle = thread
        #endif
    }

    /// Waits for the thread to end.
    func join() {
        pthread_join(handle, nil)
    }
}
