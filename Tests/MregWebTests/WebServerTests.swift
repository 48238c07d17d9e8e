import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif
import MregStore
@testable import MregWeb

/// The HTTP server itself: idle connections are closed after the idle timeout and do not
/// keep other clients waiting.
@Suite struct WebServerTests {
    /// A connected loopback socket whose reads give up after `seconds`.
    static func connect(_ port: UInt16, seconds: Int = 10) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(ok == 0)
        var tv = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    /// Everything the server sends on `fd` until it closes the connection (or the read times out: nil).
    static func readToEnd(_ fd: Int32) -> String? {
        var data = [UInt8](), buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { return String(decoding: data, as: UTF8.self) }
            if n < 0 { return nil }
            data += buffer[0..<n]
        }
    }

    @Test func anIdleConnectionIsClosedAndDoesNotBlockOthers() async throws {
        try await withTemporaryStore { root in
            let server = WebServer(site: WebSite(storeRoot: root, environment: [:]), host: "127.0.0.1", port: 0, idleTimeout: .seconds(3))  // long enough for a loaded CI machine to read the other request
            let (ports, bound) = AsyncStream.makeStream(of: UInt16.self)
            let task = Task { try await server.run { bound.yield($0) } }
            defer { task.cancel() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())

            // A client that connects and sends nothing… (reads wait up to 60 s: in the test process the
            // server shares the cooperative thread pool with every other test, which a loaded CI
            // machine can starve for seconds)
            let idle = try Self.connect(port, seconds: 60)
            defer { close(idle) }
            // …does not keep another from being answered.
            let other = try Self.connect(port, seconds: 60)
            defer { close(other) }
            let request = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            _ = Array(request.utf8).withUnsafeBytes { send(other, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            let answer = try #require(Self.readToEnd(other))
            #expect(answer.hasPrefix("HTTP/1.1 200"))
            // The idle one is closed by the server (end of file, not the 60 s read timeout).
            let start = ContinuousClock.now
            #expect(Self.readToEnd(idle) == "")
            #expect(ContinuousClock.now - start < .seconds(50))
        }
    }

    @Test func onlyTheListeningSocketIsExemptFromTheTimeout() throws {
        let listening = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listening) }
        #expect(!IdleTimeoutPool.isListening(listening))
        #expect(listen(listening, 1) == 0)
        #expect(IdleTimeoutPool.isListening(listening))
    }
}

/// A store in a temporary folder (the server reads it per request).
func withTemporaryStore(_ body: (String) async throws -> Void) async throws {
    let dir = NSTemporaryDirectory() + "mreg-web-server-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let (repo, _) = try Repository.initialize(at: dir)
    try await body(repo.root)
}
