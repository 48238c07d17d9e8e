import Foundation
import MregRegistry
import MregFilter
import MregRemote
import MregGovernance
import MregIndex
import MregSupport
import MregStore
import Synchronization

/// Human renderings shared by the porcelain commands.
enum Format {
    /// `1.5 MiB`, `812 B` (`HumanFormat`, shared with the web view).
    static func bytes(_ n: Int64) -> String { HumanFormat.bytes(n) }

    /// `268.4M` parameters.
    static func count(_ n: Int64) -> String { HumanFormat.count(n) }

    /// `1 object`, `3 objects`.
    static func plural(_ n: Int, _ noun: String) -> String {
        "\(n) \(noun)\(n == 1 ? "" : "s")"
    }

    /// `2026-11-26 15:20:11` from an RFC 3339 time.
    static func time(_ text: String) -> String { HumanFormat.time(text) }

    /// The span a typed date names (`UserDate`); `option` (`--since`) is named in the error.
    static func dateSpan(_ text: String, option: String) throws -> DateSpan {
        do { return try UserDate.parse(text) } catch {
            throw RegistryError.badInput(.invalidDate(text, reason: "\(error)", option: option))
        }
    }

    static func fileSummary(_ f: ManifestFile) -> String { HumanFormat.fileSummary(f) }
}

/// Bytes done, percent, rate and time left on stderr: drawn only when stderr is a
/// terminal, at most 5 times a second (rate and time left after the first half second), and only for work
/// of 8 MiB or more. The total may grow (a fetch learns its size as it reads manifests).
final class ByteProgress: TransferObserver, Sendable {
    let enabled: Bool
    let verb: String
    static let minimumBytes: Int64 = 8 << 20
    private let start = Date()
    private let state: Mutex<State>

    /// What changes as work is done.
    private struct State {
        var total: Int64
        var completed: Int64 = 0
        var lastDraw = Date.distantPast
        var drawn = false
    }

    init(verb: String, total: Int64 = 0, enabled: Bool = Terminal.isTTY(2)) {
        self.verb = verb
        self.state = Mutex(State(total: total))
        self.enabled = enabled
    }

    func expect(bytes: Int64) {
        state.withLock { $0.total += bytes }
    }

    func advance(bytes: Int64) { add(bytes) }

    func add(_ n: Int64) {
        guard enabled else { return }
        state.withLock { s in
            s.completed += n
            let done = s.completed
            let whole = max(s.total, done)
            let now = Date()
            guard whole >= Self.minimumBytes, now.timeIntervalSince(s.lastDraw) >= 0.2 else { return }
            s.lastDraw = now
            let line = Self.line(verb: verb, done: done, whole: whole, elapsed: now.timeIntervalSince(start))
            Terminal.writeBytes(Array(("\r" + line + "\u{1b}[K").utf8), fd: 2)
            s.drawn = true
        }
    }

    /// Rate and time left appear only once there is enough to estimate from: a second and a MiB.
    static let estimateAfterSeconds = 1.0
    static let estimateAfterBytes: Int64 = 1 << 20

    /// One progress line: `pushing 42% 3.4 MiB/8.0 MiB`, then `… 12.0 MiB/s 3s left` once
    /// the rate means something (the first ticks of a transfer would show absurd ones).
    static func line(verb: String, done: Int64, whole: Int64, elapsed: TimeInterval) -> String {
        let pct = whole > 0 ? Int(Double(done) * 100 / Double(whole)) : 100
        var line = "\(verb) \(pct)% \(Format.bytes(done))/\(Format.bytes(whole))"
        if elapsed >= estimateAfterSeconds && done >= estimateAfterBytes {
            let rate = Double(done) / elapsed
            let left = Double(max(whole - done, 0)) / rate
            let seconds = Int(left.rounded())
            line += " \(Format.bytes(Int64(rate)))/s " + (seconds < 120 ? "\(seconds)s left" : "\(seconds / 60)m left")
        }
        return line
    }

    func finish() {
        state.withLock { s in
            if s.drawn { Terminal.writeBytes(Array("\r\u{1b}[K".utf8), fd: 2) }
            s.drawn = false
        }
    }
}
