import FlyingFox
import FlyingSocks
import Foundation
import Synchronization
import MregRegistry

/// `mreg serve`'s HTTP server: FlyingFox on one address, every request answered by a `WebSite`
/// off the server's own threads (the store is read with blocking file I/O).
public struct WebServer: Sendable {
    public var site: WebSite
    public var host: String
    public var port: UInt16
    /// How long a connection may wait idle (no request arriving, or a response not being read)
    /// before it is closed.
    public var idleTimeout: Duration

    public init(site: WebSite, host: String = "127.0.0.1", port: UInt16 = 8480, idleTimeout: Duration = .seconds(30)) {
        self.site = site
        self.host = host
        self.port = port
        self.idleTimeout = idleTimeout
    }

    /// Why the server could not start: a bad `--host` (usage) or an address it cannot listen on (I/O).
    public struct Failure: Error, CustomStringConvertible {
        public var message: String
        public var isUsage: Bool
        public var description: String { message }
    }

    /// Whether `host` is an IPv4 or IPv6 address (or `localhost`).
    public static func isIPAddress(_ host: String) -> Bool {
        if host == "localhost" { return true }
        var v4 = in_addr(), v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }

    /// Whether `host` is a loopback address (only this machine can connect).
    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// Serves until the process ends; `listening` is called once with the bound port (useful with port 0).
    ///
    /// When every file descriptor is taken (a crowd of clients holding connections open), the
    /// server drops its connections and listens again on the same port rather than ending.
    ///
    /// - Throws: `Failure` for a host that is not an IP address, or an address that cannot be
    ///   bound (a port in use, a port below 1024).
    public func run(listening: @escaping @Sendable (UInt16) -> Void) async throws {
        Self.raiseOpenFileLimit()
        let bound = BoundPort()
        while true {
            do {
                try await runOnce(port: bound.get() ?? port) { p in
                    if bound.set(p) { listening(p) }
                }
                return
            } catch is OutOfFiles {
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    /// Accepting a connection failed for want of file descriptors.
    struct OutOfFiles: Error {}

    /// Raises the soft limit of open files to the hard limit, so idle clients run out the
    /// limit later (each is closed after `idleTimeout`).
    static func raiseOpenFileLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = max(limit.rlim_cur, min(limit.rlim_max, 65536))
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }

    func runOnce(port: UInt16, listening: @escaping @Sendable (UInt16) -> Void) async throws {
        let handler = SiteHandler(site: site)
        let server: HTTPServer
        let ip = host == "localhost" ? "127.0.0.1" : host
        let pool = IdleTimeoutPool(base: HTTPServer.defaultPool(), idle: idleTimeout)
        do {
            if ip.contains(":") {
                server = HTTPServer(address: try sockaddr_in6.inet6(ip6: ip, port: port), pool: pool, logger: DisabledLogger.disabled, handler: handler)
            } else {
                server = HTTPServer(address: try sockaddr_in.inet(ip4: ip, port: port), pool: pool, logger: DisabledLogger.disabled, handler: handler)
            }
        } catch {
            throw Failure(message: "--host '\(host)' is not an IP address: use one such as 127.0.0.1, 0.0.0.0 or ::1", isUsage: true)
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    try await server.run()
                } catch SocketError.failed(let type, let code, let message) {
                    if (code == EMFILE || code == ENFILE) && type == "Accept" { throw OutOfFiles() }
                    let what = code == EADDRINUSE ? "the port is in use: stop what uses it or choose another port with --port"
                        : code == EACCES ? "the port needs privileges: choose a port of 1024 or more with --port"
                        : code == EADDRNOTAVAIL ? "\(host) is not an address of this machine: use one of its addresses, 0.0.0.0 (all) or 127.0.0.1"
                        : "the port cannot be used (\(type): \(message))"
                    throw Failure(message: "cannot serve on \(host):\(port): \(what)", isUsage: false)
                }
            }
            group.addTask {
                // Until the socket listens (or the server fails and this task is cancelled).
                while true {
                    if let address = await server.listeningAddress {
                        var bound = port
                        if case .ip4(_, let p) = address { bound = p }
                        if case .ip6(_, let p) = address { bound = p }
                        listening(bound)
                        return
                    }
                    try await Task.sleep(nanoseconds: 20_000_000)
                }
            }
            do {
                while try await group.next() != nil {}
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }

    /// Runs the server from synchronous code (the command line), blocking until it stops.
    public func runBlocking(listening: @escaping @Sendable (UInt16) -> Void) throws {
        let done = DispatchSemaphore(value: 0)
        let failure = FailureBox()
        Task {
            do { try await run(listening: listening) } catch { failure.set(error) }
            done.signal()
        }
        done.wait()
        if let error = failure.get() { throw error }
    }
}

/// Answers FlyingFox's requests with the site's responses.
struct SiteHandler: HTTPHandler {
    let site: WebSite

    func handleRequest(_ request: HTTPRequest) async throws -> HTTPResponse {
        let query = request.target.query()
        let target = request.target.path() + (query.isEmpty ? "" : "?" + query)
        let method = request.method.rawValue
        let site = self.site
        // The store is read with blocking calls: off the cooperative pool.
        let response = await withCheckedContinuation { (c: CheckedContinuation<WebResponse, Never>) in
            DispatchQueue.global().async { c.resume(returning: site.respond(method: method, target: target)) }
        }
        var headers = HTTPHeaders()
        headers[.contentType] = response.contentType
        headers[HTTPHeader("Cache-Control")] = "no-store"
        headers[HTTPHeader("X-Content-Type-Options")] = "nosniff"
        headers[HTTPHeader("Referrer-Policy")] = "no-referrer"
        headers[HTTPHeader("Content-Security-Policy")] = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'"
        for (k, v) in response.headers { headers[HTTPHeader(k)] = v }
        let status = HTTPStatusCode(response.status, phrase: Self.phrase(response.status))
        if method == "HEAD" {
            headers[.contentLength] = String(response.body.count)
            return HTTPResponse(statusCode: status, headers: headers, body: Data())
        }
        return HTTPResponse(statusCode: status, headers: headers, body: Data(response.body))
    }

    static func phrase(_ status: Int) -> String {
        switch status {
        case 200: return "OK"
        case 400: return "Bad Request"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 500: return "Internal Server Error"
        case 503: return "Service Unavailable"
        default: return "Status"
        }
    }
}

/// The error a server task ended with, handed to the thread that waits for it.
final class FailureBox: Sendable {
    private let error = Mutex<(any Error)?>(nil)
    func set(_ e: any Error) { error.withLock { $0 = e } }
    func get() -> (any Error)? { error.withLock { $0 } }
}

/// The port a server bound first, kept across restarts.
final class BoundPort: Sendable {
    private let port = Mutex<UInt16?>(nil)
    func get() -> UInt16? { port.withLock { $0 } }
    /// Records `p`; true the first time.
    func set(_ p: UInt16) -> Bool { port.withLock { old in defer { old = p }; return old == nil } }
}
