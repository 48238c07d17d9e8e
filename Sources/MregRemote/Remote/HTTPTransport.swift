import Foundation
import MregStore
import Synchronization
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif
import MregStore
import MregSupport
import MregRegistry
import MregIndex
import MregGovernance

/// One HTTP response: status, headers (names lowercased) and the body when it was kept in memory.
struct HTTPResponse: Sendable {
    var status: Int
    var headers: [String: String]
    var body: [UInt8]

    func header(_ name: String) -> String? { headers[name.lowercased()] }
    var text: String { String(decoding: body, as: UTF8.self) }
}

/// A request body.
enum HTTPBody: Sendable {
    case none
    case bytes([UInt8])
}

/// Blocking HTTP over URLSession (FoundationNetworking on Linux), for the S3 client.
/// A transport lives as long as the process (a URLSession keeps its delegate).
///
/// Each call blocks its thread until the response is complete. A response body goes
/// to memory, or, for a successful download with a destination, straight into a file
/// as it arrives (constant memory for large objects). Redirects are not followed.
final class HTTPTransport: Sendable {
    private let session: URLSession
    private let delegate = HTTPTaskDelegate()

    init(timeout: TimeInterval = 120) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.timeoutIntervalForRequest = timeout
        configuration.httpMaximumConnectionsPerHost = 16
        configuration.httpShouldSetCookies = false
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: queue)
    }

    /// Sends a request and waits for the whole response.
    ///
    /// - Parameters:
    ///   - destination: where a 2xx body goes (the file is created); nil keeps it in memory.
    ///   - received: called with counts of body bytes as they arrive.
    func perform(_ request: URLRequest, body: HTTPBody, destination: String? = nil,
                 received: (@Sendable (Int64) -> Void)? = nil) throws -> HTTPResponse {
        let state = HTTPTaskState(destination: destination, received: received)
        let task: URLSessionTask
        switch body {
        case .none: task = session.dataTask(with: request)
        case .bytes(let bytes): task = session.uploadTask(with: request, from: Data(bytes))
        }
        delegate.track(task.taskIdentifier, state)
        task.resume()
        state.done.wait()
        delegate.forget(task.taskIdentifier)
        let fields = state.fields.withLock { f in
            if f.fileDescriptor >= 0 {
                _ = Glibc.close(f.fileDescriptor)
                f.fileDescriptor = -1
            }
            return f
        }
        if let error = fields.error ?? fields.writeError {
            if let destination { unlink(destination) }
            throw error
        }
        return HTTPResponse(status: fields.status, headers: fields.headers, body: fields.body)
    }
}

/// What one running task has received so far; written on the session's delegate queue,
/// read by the waiting thread once `done` is signalled.
private final class HTTPTaskState: Sendable {
    struct Fields {
        var status = 0
        var headers = [String: String]()
        var body = [UInt8]()
        var fileDescriptor: Int32 = -1
        var writeError: (any Error)?
        var error: (any Error)?
    }

    let done = DispatchSemaphore(value: 0)
    let destination: String?
    let received: (@Sendable (Int64) -> Void)?
    let fields = Mutex(Fields())

    init(destination: String?, received: (@Sendable (Int64) -> Void)?) {
        self.destination = destination
        self.received = received
    }
}

/// URLSession's delegate: routes each task's callbacks to the state of the call waiting for it.
private final class HTTPTaskDelegate: NSObject, URLSessionDataDelegate, Sendable {
    private let states = Mutex([Int: HTTPTaskState]())

    func track(_ task: Int, _ state: HTTPTaskState) { states.withLock { $0[task] = state } }

    func forget(_ task: Int) { _ = states.withLock { $0.removeValue(forKey: task) } }

    private func state(of task: URLSessionTask) -> HTTPTaskState? {
        states.withLock { $0[task.taskIdentifier] }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        if let state = state(of: dataTask), let http = response as? HTTPURLResponse {
            var headers = [String: String]()
            for (key, value) in http.allHeaderFields {
                if let k = key as? String, let v = value as? String { headers[k.lowercased()] = v }
            }
            state.fields.withLock { f in
                f.status = http.statusCode
                f.headers.merge(headers) { $1 }
                if (200..<300).contains(http.statusCode), let destination = state.destination {
                    let fd = open(destination, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
                    if fd < 0 {
                        f.writeError = RegistryError.io(.init("create", destination, errno: errno))
                    } else {
                        f.fileDescriptor = fd
                    }
                }
            }
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard let state = state(of: dataTask) else { return }
        let keep = state.fields.withLock { f -> Bool in
            if f.fileDescriptor < 0 {
                f.body.append(contentsOf: data)
                return true
            }
            if f.writeError != nil { return false }
            let fd = f.fileDescriptor
            data.withUnsafeBytes { raw in
                var done = 0
                while done < raw.count {
                    let n = write(fd, raw.baseAddress! + done, raw.count - done)
                    if n < 0 {
                        if errno == EINTR { continue }
                        f.writeError = RegistryError.io(.init("write", state.destination ?? "", errno: errno))
                        return
                    }
                    done += n
                }
            }
            return true
        }
        if keep { state.received?(Int64(data.count)) }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        guard let state = state(of: task) else { return }
        state.fields.withLock { $0.error = error }
        state.done.signal()
    }
}

/// Idle HTTP transports, reused so connections stay open between requests.
final class TransportPool: Sendable {
    private let idle = Mutex([HTTPTransport]())

    func acquire() -> HTTPTransport {
        idle.withLock { $0.popLast() } ?? HTTPTransport()
    }

    func release(_ transport: HTTPTransport) {
        idle.withLock { $0.append(transport) }
    }
}
