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

/// A one-line progress display on stderr, shown only when stderr is a terminal.
final class Progress {
    let enabled: Bool
    private var lastWidth = 0

    init() { enabled = Terminal.isTTY(2) }

    func show(_ text: String) {
        guard enabled else { return }
        let line = String(text.prefix(100))
        let pad = max(0, lastWidth - line.count)
        Terminal.writeBytes(Array(("\r" + line + String(repeating: " ", count: pad)).utf8), fd: 2)
        lastWidth = line.count
    }

    func done() {
        guard enabled, lastWidth > 0 else { return }
        Terminal.writeBytes(Array(("\r" + String(repeating: " ", count: lastWidth) + "\r").utf8), fd: 2)
        lastWidth = 0
    }
}
