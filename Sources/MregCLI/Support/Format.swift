import Foundation
import MregRegistry
import MregStore

/// Human renderings shared by the porcelain commands.
enum Format {
    /// `1.5 MiB`, `812 B`.
    static func bytes(_ n: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(n)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(n) B" : String(format: value >= 100 ? "%.0f %@" : "%.1f %@", value, units[unit])
    }

    /// `268.4M` parameters.
    static func count(_ n: Int64) -> String {
        switch n {
        case ..<1_000: return "\(n)"
        case ..<1_000_000: return String(format: "%.1fK", Double(n) / 1e3)
        case ..<1_000_000_000: return String(format: "%.1fM", Double(n) / 1e6)
        default: return String(format: "%.2fB", Double(n) / 1e9)
        }
    }

    /// `2026-11-26 15:20:11` from an RFC 3339 time.
    static func time(_ text: String) -> String {
        text.replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: "Z", with: "")
    }

    static func parseDate(_ text: String) throws -> Date {
        guard let d = Timestamp.parse(text) else {
            throw RegistryError(.badInput, "cannot read the date '\(text)': use YYYY-MM-DD, 'YYYY-MM-DD HH:MM[:SS]' or RFC 3339 (times are UTC)")
        }
        return d
    }

    static func fileSummary(_ f: ManifestFile) -> String {
        var parts = [f.format ?? ""]
        if let t = f.details["tensors"]?.intValue { parts.append("\(t) tensors") }
        if let p = f.details["parameters"]?.intValue { parts.append("\(count(p)) params") }
        if let d = f.details["dtypes"]?.arrayValue { parts.append(d.compactMap(\.stringValue).joined(separator: ",")) }
        return parts.filter { !$0.isEmpty }.joined(separator: " ")
    }
}

/// Bytes done, rate and time left on stderr, redrawn at most 5 times a second, only on a terminal.
final class ByteProgress: @unchecked Sendable {
    let enabled: Bool
    let verb: String
    let total: Int64
    private let lock = NSLock()
    private var completed: Int64 = 0
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var drawn = false

    init(verb: String, total: Int64) {
        self.verb = verb
        self.total = total
        enabled = Terminal.isTTY(2) && total >= 8 << 20
    }

    func add(_ n: Int64) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        completed += n
        let done = completed
        let now = Date()
        // Nothing for the first half second (no wild first estimate), then 5 redraws a second.
        guard now.timeIntervalSince(start) >= 0.5, now.timeIntervalSince(lastDraw) >= 0.2 else { return }
        lastDraw = now
        let elapsed = max(0.001, now.timeIntervalSince(start))
        let rate = Double(done) / elapsed
        let left = rate > 0 ? Double(total - done) / rate : 0
        let pct = total > 0 ? Int(Double(done) * 100 / Double(total)) : 100
        let line = "\(verb) \(pct)% \(Format.bytes(done))/\(Format.bytes(total)) \(Format.bytes(Int64(rate)))/s \(Int(left.rounded()))s left"
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
