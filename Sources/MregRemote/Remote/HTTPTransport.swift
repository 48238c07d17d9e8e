import Foundation
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
final class HTTPTransport: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private var session: URLSession!
    private let lock = NSLock()
    private var states = [Int: TaskState]()

    /// What one running task has received so far.
    private final class TaskState {
        let done = DispatchSemaphore(value: 0)
        var status = 0
        var headers = [String: String]()
        var body = [UInt8]()
        var fileDescriptor: Int32 = -1
        var destination: String?
        var writeError: Error?
        var error: Error?
        var received: ((Int64) -> Void)?
    }

    init(timeout: TimeInterval = 120) {
        super.init()
        let configuration = URLSessionConfiguration.ephemeral
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.timeoutIntervalForRequest = timeout
        configuration.httpMaximumConnectionsPerHost = 16
        configuration.httpShouldSetCookies = false
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        session = URLSession(configuration: configuration, delegate: self, delegateQueue: queue)
    }

    /// Sends a request and waits for the whole response.
    ///
    /// - Parameters:
    ///   - destination: where a 2xx body goes (the file is created); nil keeps it in memory.
    ///   - received: called with counts of body bytes as they arrive.
    func perform(_ request: URLRequest, body: HTTPBody, destination: String? = nil,
                 received: ((Int64) -> Void)? = nil) throws -> HTTPResponse {
        let state = TaskState()
        state.destination = destination
        state.received = received
        let task: URLSessionTask
        switch body {
        case .none: task = session.dataTask(with: request)
        case .bytes(let bytes): task = session.uploadTask(with: request, from: Data(bytes))
        }
        lock.lock()
        states[task.taskIdentifier] = state
        lock.unlock()
        task.resume()
        state.done.wait()
        lock.lock()
        states[task.taskIdentifier] = nil
        lock.unlock()
        if state.fileDescriptor >= 0 { _ = Glibc.close(state.fileDescriptor) }
        if let error = state.error ?? state.writeError {
            if let destination { unlink(destination) }
            throw error
        }
        return HTTPResponse(status: state.status, headers: state.headers, body: state.body)
    }

    private func state(of task: URLSessionTask) -> TaskState? {
        lock.lock()
        defer { lock.unlock() }
        return states[task.taskIdentifier]
    }

    // MARK: URLSessionDataDelegate

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        if let state = state(of: dataTask), let http = response as? HTTPURLResponse {
            state.status = http.statusCode
            for (key, value) in http.allHeaderFields {
                if let k = key as? String, let v = value as? String { state.headers[k.lowercased()] = v }
            }
            if (200..<300).contains(http.statusCode), let destination = state.destination {
                let fd = open(destination, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
                if fd < 0 {
                    state.writeError = RegistryError.io(.init("create", destination, errno: errno))
                } else {
                    state.fileDescriptor = fd
                }
            }
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard let state = state(of: dataTask) else { return }
        if state.fileDescriptor >= 0 {
            if state.writeError != nil { return }
            data.withUnsafeBytes { raw in
                var done = 0
                while done < raw.count {
                    let n = write(state.fileDescriptor, raw.baseAddress! + done, raw.count - done)
                    if n < 0 {
                        if errno == EINTR { continue }
                        state.writeError = RegistryError.io(.init("write", state.destination ?? "", errno: errno))
                        return
                    }
                    done += n
                }
            }
        } else {
            state.body.append(contentsOf: data)
        }
        state.received?(Int64(data.count))
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        guard let state = state(of: task) else { return }
        state.error = error
        state.done.signal()
    }
}

/// Idle HTTP transports, reused so connections stay open between requests.
final class TransportPool: @unchecked Sendable {
    private let lock = NSLock()
    private var idle = [HTTPTransport]()

    func acquire() -> HTTPTransport {
        lock.lock()
        defer { lock.unlock() }
        return idle.popLast() ?? HTTPTransport()
    }

    func release(_ transport: HTTPTransport) {
        lock.lock()
        idle.append(transport)
        lock.unlock()
    }
}
