import Foundation
import Synchronization
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

// The local S3-compatible server (moto) that `.ci/run` starts on loopback, for the S3
// remote tests. Without `MREG_TEST_S3_ENDPOINT` those tests are skipped.
//
//     guard let s3 = S3Server.shared else { return }      // with `.enabled(if: S3Server.isAvailable)`
//     let bucket = try s3.makeBucket()
//     try mreg.run(["push", "s3://\(bucket)/team"], cwd: dir, env: s3.environment).succeeded()

/// A running S3-compatible test server.
struct S3Server: Sendable {
    /// `http://127.0.0.1:PORT`.
    let endpoint: String

    /// The server named by `$MREG_TEST_S3_ENDPOINT`, if it is on a loopback address.
    static let shared: S3Server? = {
        guard let text = ProcessInfo.processInfo.environment["MREG_TEST_S3_ENDPOINT"], !text.isEmpty,
              let url = URL(string: text), let host = url.host,
              host == "localhost" || host == "::1" || host.hasPrefix("127.") else { return nil }
        return S3Server(endpoint: text.hasSuffix("/") ? String(text.dropLast()) : text)
    }()

    static var isAvailable: Bool { shared != nil }

    /// Why S3 tests did not run.
    static let skipReason: Comment = "S3 tests skipped: MREG_TEST_S3_ENDPOINT is not set (.ci/run starts moto_server and sets it)"

    /// What an mreg process needs to talk to the server (test credentials; moto accepts any).
    var environment: [String: String?] {
        ["AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "mregtest", "AWS_SECRET_ACCESS_KEY": "mregtest-secret",
         "AWS_REGION": "us-east-1", "AWS_SESSION_TOKEN": nil, "AWS_PROFILE": nil]
    }

    /// Creates a bucket with a fresh name.
    func makeBucket() throws -> String {
        let name = "mreg-test-\(UInt64.random(in: 0...UInt64.max) % 1_000_000_000_000)"
        let r = try request("PUT", "/\(name)")
        guard r.status == 200 else { throw RunnerError(message: "cannot create bucket \(name): HTTP \(r.status) \(r.text)") }
        return name
    }

    /// Overwrites an object (to damage one in tests).
    func put(bucket: String, key: String, bytes: [UInt8]) throws {
        let r = try request("PUT", "/\(bucket)/\(key)", body: bytes)
        guard r.status == 200 else { throw RunnerError(message: "cannot put \(key): HTTP \(r.status) \(r.text)") }
    }

    /// Deletes an object (to take one away in tests).
    func delete(bucket: String, key: String) throws {
        let r = try request("DELETE", "/\(bucket)/\(key)")
        guard r.status == 204 || r.status == 200 else { throw RunnerError(message: "cannot delete \(key): HTTP \(r.status) \(r.text)") }
    }

    /// An object's bytes, or nil when it does not exist.
    func get(bucket: String, key: String) throws -> [UInt8]? {
        let r = try request("GET", "/\(bucket)/\(key)")
        return r.status == 200 ? r.body : nil
    }

    /// Keys under a prefix (one page is enough for tests).
    func keys(bucket: String, prefix: String) throws -> [String] {
        let r = try request("GET", "/\(bucket)?list-type=2&max-keys=1000&prefix=\(prefix.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? prefix)")
        guard r.status == 200 else { throw RunnerError(message: "cannot list \(bucket): HTTP \(r.status)") }
        var out = [String]()
        var rest = r.text[...]
        while let a = rest.range(of: "<Key>"), let b = rest.range(of: "</Key>", range: a.upperBound..<rest.endIndex) {
            out.append(String(rest[a.upperBound..<b.lowerBound]))
            rest = rest[b.upperBound...]
        }
        return out
    }

    struct Response: Sendable {
        var status: Int
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// One request. moto checks no signature, but routes by the presence of an S3 Authorization header.
    func request(_ method: String, _ path: String, body: [UInt8]? = nil) throws -> Response {
        var request = URLRequest(url: URL(string: endpoint + path)!)
        request.httpMethod = method
        request.setValue("AWS4-HMAC-SHA256 Credential=mregtest/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0",
                         forHTTPHeaderField: "Authorization")
        if let body {
            request.setValue("application/octet-stream", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(body)
        }
        let reply = Reply()
        let done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: request) { data, response, error in
            let answer = Response(status: (response as? HTTPURLResponse)?.statusCode ?? 0, body: Array(data ?? Data()))
            reply.value.withLock { $0 = error.map { .failure($0) } ?? .success(answer) }
            done.signal()
        }.resume()
        done.wait()
        switch reply.value.withLock({ $0 }) {
        case .success(let response)?: return response
        case .failure(let error)?: throw RunnerError(message: "S3 test server \(endpoint): \(error)")
        case nil: throw RunnerError(message: "S3 test server \(endpoint): no response")
        }
    }

    /// A response handed from URLSession's thread to the waiting one.
    private final class Reply: Sendable {
        let value = Mutex<Result<Response, any Error>?>(nil)
    }
}
