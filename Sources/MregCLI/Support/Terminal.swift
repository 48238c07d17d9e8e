import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writing to stdout and stderr, with color only on a terminal and never under NO_COLOR.
///
/// Everything for stdout goes through `StandardOutput`, whose failures `MregCommand.main` reports.
enum Terminal {
    static func isTTY(_ fd: Int32) -> Bool { isatty(fd) == 1 }

    static var colorEnabled: Bool {
        let env = ProcessInfo.processInfo.environment
        if env["NO_COLOR"].map({ !$0.isEmpty }) ?? false { return false }
        if env["TERM"] == "dumb" { return false }
        return isTTY(1)
    }

    enum Color: String {
        case red = "31", green = "32", yellow = "33", blue = "34", magenta = "35", cyan = "36", bold = "1", dim = "2"
    }

    static func paint(_ text: String, _ color: Color) -> String {
        colorEnabled ? "\u{1b}[\(color.rawValue)m\(text)\u{1b}[0m" : text
    }

    static func write(_ text: String) {
        writeBytes(Array(text.utf8), fd: 1)
    }

    static func line(_ text: String = "") { write(text + "\n") }

    static func error(_ text: String) {
        writeBytes(Array((text + "\n").utf8), fd: 2)
    }

    static func warning(_ text: String) {
        error("mreg: warning: \(text)")
    }

    /// Writes to stdout (through `StandardOutput`, which reports a failure at the end of the
    /// command) or stderr (directly, after what stdout has pending, so the two stay in order).
    static func writeBytes(_ bytes: some Collection<UInt8>, fd: Int32 = 1) {
        if fd == 1 { return StandardOutput.write(bytes) }
        StandardOutput.flush()
        let array = Array(bytes)
        array.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            var done = 0
            while done < raw.count {
                let n = Glibc.write(fd, base + done, raw.count - done)
                if n < 0 { if errno == EINTR { continue }; return }
                done += n
            }
        }
    }

    /// Pads each column to its widest cell (the last column is not padded).
    static func table(_ rows: [[String]], gap: String = "  ") -> [String] {
        guard let width = rows.map(\.count).max(), width > 0 else { return [] }
        var widths = [Int](repeating: 0, count: width)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], visibleWidth(cell)) } }
        return rows.map { row in
            row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - visibleWidth(cell))
            }.joined(separator: gap)
        }
    }

    /// Width of a string without ANSI color codes.
    static func visibleWidth(_ s: String) -> Int {
        var count = 0
        var inEscape = false
        for c in s.unicodeScalars {
            if inEscape { if c == "m" { inEscape = false }; continue }
            if c == "\u{1b}" { inEscape = true; continue }
            count += 1
        }
        return count
    }
}
