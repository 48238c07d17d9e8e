#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Facts about this machine and process that lock files record and check.
enum LocalHost {
    /// This host's name, as `gethostname` gives it.
    static func name() -> String {
        var buf = [CChar](repeating: 0, count: 256)
        guard gethostname(&buf, buf.count - 1) == 0 else { return "localhost" }
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// This process's id.
    static var processID: Int32 { getpid() }

    /// Whether a process with this pid exists on this host.
    static func processAlive(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }

    /// This boot of the machine (Linux's `/proc/sys/kernel/random/boot_id`), or nil where
    /// there is none: a lock recorded in an earlier boot has no live owner.
    static let bootID: String? = {
        guard let bytes = readSmallFile("/proc/sys/kernel/random/boot_id") else { return nil }
        let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty || text.contains(" ") ? nil : text
    }()

    /// When process `pid` started, in clock ticks since boot (field 22 of Linux's
    /// `/proc/<pid>/stat`), or nil where that cannot be read. A pid that is alive but
    /// started at another time is a new process that reused the number.
    static func processStart(_ pid: Int32) -> String? {
        guard pid > 0, let bytes = readSmallFile("/proc/\(pid)/stat") else { return nil }
        // The command name (field 2) is in parentheses and may hold spaces: count after the last ')'.
        guard let close = bytes.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let fields = bytes[(close + 1)...].split(separator: UInt8(ascii: " "))
        // Fields after the name start at field 3 (state); starttime is field 22.
        guard fields.count > 19 else { return nil }
        let start = String(decoding: fields[19], as: UTF8.self)
        return start.allSatisfy(\.isNumber) && !start.isEmpty ? start : nil
    }

    /// Up to 4 KiB of a small system file, or nil when it cannot be read.
    private static func readSmallFile(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_NONBLOCK)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard n > 0 else { return nil }
        return Array(buffer[..<n])
    }

    /// A random suffix for temp file names.
    static func randomSuffix() -> String {
        String(UInt64.random(in: 0...UInt64.max), radix: 36)
    }
}
