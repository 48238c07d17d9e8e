import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A minimal HTTP/1.1 client over a loopback socket, for the tests of `mreg serve`.
enum HTTPProbe {
    struct Response {
        var status: Int
        var head: String
        var body: String
        func header(_ name: String) -> String? {
            for line in head.components(separatedBy: "\r\n") {
                let parts = line.split(separator: ":", maxSplits: 1)
                if parts.count == 2, parts[0].lowercased() == name.lowercased() { return parts[1].trimmingCharacters(in: .whitespaces) }
            }
            return nil
        }
    }

    /// A port that was free a moment ago on 127.0.0.1.
    static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RunnerError(message: "socket failed") }
        defer { close(fd) }
        var addr = loopback(port: 0)
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0 else { throw RunnerError(message: "bind failed") }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return UInt16(bigEndian: addr.sin_port)
    }

    static func loopback(port: UInt16) -> sockaddr_in {
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        return addr
    }

    static func connect(port: UInt16) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var addr = loopback(port: port)
        let ok = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        if ok != 0 { close(fd); return nil }
        var tv = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    /// Waits (up to 20 s) until something accepts connections on `port`, failing early if `server` exits.
    static func waitUntilServing(port: UInt16, server: RunningProcess) throws {
        for _ in 0..<800 {
            if let fd = connect(port: port) { close(fd); return }
            if !server.isRunning { throw RunnerError(message: "mreg serve exited: \(server.wait())") }
            usleep(25_000)
        }
        throw RunnerError(message: "mreg serve did not listen on port \(port) within 20 s")
    }

    /// Sends one request and reads the response (its body up to Content-Length; none for HEAD).
    static func request(port: UInt16, method: String = "GET", path: String) throws -> Response {
        guard let fd = connect(port: port) else { throw RunnerError(message: "cannot connect to port \(port)") }
        defer { close(fd) }
        let text = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
        _ = Array(text.utf8).withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65536)
        var expected: Int?
        var headEnd: Int?
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            data += buffer[0..<n]
            if headEnd == nil, let r = findHeadEnd(data) {
                headEnd = r
                let head = String(decoding: data[0..<r], as: UTF8.self)
                expected = method == "HEAD" ? 0 : Response(status: 0, head: head, body: "").header("Content-Length").flatMap { Int($0) }
            }
            if let h = headEnd, let e = expected, data.count >= h + 4 + e { break }
        }
        guard let h = headEnd else { throw RunnerError(message: "no HTTP response from port \(port): \(String(decoding: data, as: UTF8.self))") }
        let head = String(decoding: data[0..<h], as: UTF8.self)
        let status = Int(head.split(separator: " ").dropFirst().first ?? "") ?? 0
        return Response(status: status, head: head, body: String(decoding: data[(h + 4)...], as: UTF8.self))
    }

    static func findHeadEnd(_ d: [UInt8]) -> Int? {
        guard d.count >= 4 else { return nil }
        for i in 0...(d.count - 4) where d[i] == 13 && d[i + 1] == 10 && d[i + 2] == 13 && d[i + 3] == 10 { return i }
        return nil
    }
}

/// Headless Chromium (Debian's `chromium`), for tests that load pages in a real browser.
enum Browser {
    static let path: String? = which("chromium") ?? which("chromium-browser") ?? which("google-chrome")

    /// Runs Chromium headless with `args` and then `url`.
    static func run(_ args: [String], _ url: String, home: String) throws -> RunResult {
        guard let path else { throw RunnerError(message: "chromium is not installed") }
        return try runProcess(path, ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                                     "--user-data-dir=\(home)/chromium"] + args + [url],
                              environment: ["HOME": home, "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"])
    }
}
