import FlyingSocks
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// FlyingFox's socket pool with a limit on how long a connection may wait idle: a client that
/// opens a connection and sends nothing (or stops reading) is disconnected after `idle`, so
/// idle or slow clients cannot pile up open sockets. The listening socket waits as long as it
/// takes. Waiting costs no CPU: the base pool sleeps in epoll and each wait in a timer.
struct IdleTimeoutPool: AsyncSocketPool {
    let base: any AsyncSocketPool
    let idle: Duration

    func prepare() async throws { try await base.prepare() }

    func run() async throws { try await base.run() }

    func suspendSocket(_ socket: Socket, untilReadyFor events: Socket.Events) async throws {
        if Self.isListening(socket.file.rawValue) {
            return try await base.suspendSocket(socket, untilReadyFor: events)
        }
        let base = self.base, idle = self.idle
        let ready = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await base.suspendSocket(socket, untilReadyFor: events)
                return true
            }
            group.addTask {
                try await Task.sleep(for: idle)
                return false
            }
            defer { group.cancelAll() }
            return try await group.next() ?? false
        }
        // FlyingFox closes a connection whose wait fails.
        if !ready { throw SocketError.disconnected }
    }

    /// Whether `fd` is a listening socket (the server's, which accepts connections).
    static func isListening(_ fd: Int32) -> Bool {
        var value: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &value, &size) == 0 && value != 0
    }
}
