import Foundation
import MregRegistry

/// Progress of a push or fetch on stderr (bytes, percent, rate, time left), drawn only
/// when stderr is a terminal, at most 5 times a second, and only for transfers of 8 MiB
/// or more. Unlike `ByteProgress` its total may grow: a fetch learns what it
/// must download as it reads manifests.
final class TransferProgress: TransferObserver, @unchecked Sendable {
    let enabled: Bool
    let verb: String
    private let lock = NSLock()
    private var total: Int64 = 0
    private var done: Int64 = 0
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var drawn = false
    static let minimumBytes: Int64 = 8 << 20

    init(verb: String, enabled: Bool = Terminal.isTTY(2)) {
        self.verb = verb
        self.enabled = enabled
    }

    func expect(bytes: Int64) {
        lock.lock()
        total += bytes
        lock.unlock()
    }

    func advance(bytes: Int64) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        done += bytes
        let now = Date()
        let whole = max(total, done)
        guard whole >= Self.minimumBytes, now.timeIntervalSince(lastDraw) >= 0.2 else { return }
        lastDraw = now
        let rate = Double(done) / max(0.001, now.timeIntervalSince(start))
        let left = rate > 0 ? Double(whole - done) / rate : 0
        let pct = whole > 0 ? Int(Double(done) * 100 / Double(whole)) : 100
        let line = "\(verb) \(pct)% \(Format.bytes(done))/\(Format.bytes(whole)) \(Format.bytes(Int64(rate)))/s \(Int(left.rounded()))s left"
        Terminal.writeBytes(Array(("\r" + line + "\u{1b}[K").utf8), fd: 2)
        drawn = true
    }

    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if drawn { Terminal.writeBytes(Array("\r\u{1b}[K".utf8), fd: 2) }
        drawn = false
    }
}
