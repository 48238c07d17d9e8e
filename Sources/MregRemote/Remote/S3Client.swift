import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import MregStore
import MregSupport
import MregRegistry
import MregIndex
import MregGovernance

/// The few S3 REST calls a remote needs, signed with SigV4: HEAD, GET (to memory or a
/// file), conditional PUT, ListObjectsV2 and multipart upload.
///
/// Works with AWS S3 and S3-compatible services (MinIO, Ceph, moto). Idempotent
/// requests are retried on network errors and 5xx answers, with back-off.
final class S3Client: Sendable {
    let settings: S3Settings
    let bucket: String
    /// A URLSession per concurrent request, each with its own delegate queue, so parallel
    /// downloads write their files in parallel; idle ones are reused (their connections stay open).
    private let transports = TransportPool()
    private let signer: SigV4

    /// Set `MREG_S3_TRACE` to a file path to append one line per request (`METHOD key?query status time`).
    private let tracePath: String?

    init(settings: S3Settings, bucket: String, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.settings = settings
        self.bucket = bucket
        signer = SigV4(accessKeyID: settings.accessKeyID, secretAccessKey: settings.secretAccessKey,
                       sessionToken: settings.sessionToken, region: settings.region, service: "s3")
        tracePath = environment["MREG_S3_TRACE"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// An S3 error answer (`<Error><Code>…</Code><Message>…</Message></Error>`).
    struct Failure: Error, CustomStringConvertible {
        var status: Int
        var code: String
        var message: String
        var description: String { "\(code.isEmpty ? "HTTP \(status)" : code)\(message.isEmpty ? "" : ": \(message)")" }
    }

    // MARK: requests

    /// Sends one signed request. `payloadHash` defaults to the hash of `body` when it is in memory.
    func send(_ method: String, key: String?, query: [(String, String)] = [], headers extra: [(String, String)] = [],
              body: HTTPBody = .none, payloadHash: String? = nil, destination: String? = nil,
              retry: Bool = true, received: (@Sendable (Int64) -> Void)? = nil) throws -> HTTPResponse {
        var path = "/"
        var host = settings.endpoint.host ?? ""
        if let port = settings.endpoint.port { host += ":\(port)" }
        let basePath = settings.endpoint.path.hasSuffix("/") ? String(settings.endpoint.path.dropLast()) : settings.endpoint.path
        if settings.pathStyle {
            path = basePath + "/" + bucket + (key.map { "/" + $0 } ?? "")
        } else {
            host = "\(bucket).\(host)"
            path = basePath + "/" + (key ?? "")
        }
        let hash: String
        switch body {
        case .none: hash = payloadHash ?? SigV4.emptyPayloadHash
        case .bytes(let bytes): hash = payloadHash ?? SigV4.sha256Hex(bytes)
        }
        let canonicalPath = SigV4.canonicalURI(path)
        let canonicalQuery = SigV4.canonicalQuery(query)
        let urlText = "\(settings.endpoint.scheme ?? "https")://\(host)\(canonicalPath)\(canonicalQuery.isEmpty ? "" : "?" + canonicalQuery)"
        guard let url = URL(string: urlText) else {
            throw RegistryError.badInput(.invalidRemoteURL(url: urlText, problem: "it is not a valid S3 request URL"))
        }
        var attempt = 0
        while true {
            attempt += 1
            var headers: [(String, String)] = [("Host", host), ("X-Amz-Date", SigV4.amzDate(Date())), ("X-Amz-Content-Sha256", hash)]
            if let token = settings.sessionToken { headers.append(("X-Amz-Security-Token", token)) }
            let signed = signer.sign(method: method, path: path, query: query, headers: headers, payloadHash: hash)
            var request = URLRequest(url: url)
            request.httpMethod = method
            for (name, value) in headers where name != "Host" { request.setValue(value, forHTTPHeaderField: name) }
            request.setValue(signed.authorization, forHTTPHeaderField: "Authorization")
            for (name, value) in extra { request.setValue(value, forHTTPHeaderField: name) }
            if case .none = body {} else { request.setValue("application/octet-stream", forHTTPHeaderField: "Content-Type") }
            let started = Date()
            RemoteRequests.note()
            do {
                let transport = transports.acquire()
                defer { transports.release(transport) }
                let response = try transport.perform(request, body: body, destination: destination, received: received)
                trace(method, key: key, query: canonicalQuery, status: response.status, started: started)
                if retry && (response.status >= 500 || response.status == 429) && attempt < 4 {
                    Thread.sleep(forTimeInterval: 0.2 * Double(attempt * attempt))
                    continue
                }
                return response
            } catch let error as RegistryError {
                throw error
            } catch {
                trace(method, key: key, query: canonicalQuery, status: 0, started: started)
                if retry && attempt < 4 {
                    Thread.sleep(forTimeInterval: 0.2 * Double(attempt * attempt))
                    continue
                }
                throw RegistryError.service(.init(service: "S3", operation: "request to \(Redaction.url(settings.endpoint.absoluteString))",
                                                  reason: "\(error.localizedDescription); check AWS_ENDPOINT_URL and the network"))
            }
        }
    }

    private func trace(_ method: String, key: String?, query: String, status: Int, started: Date) {
        guard let tracePath else { return }
        let ms = Int(Date().timeIntervalSince(started) * 1000)
        let line = "\(method) \(key ?? "")\(query.isEmpty ? "" : "?" + query) \(status) \(ms)ms\n"
        let fd = open(tracePath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        _ = Array(line.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }

    /// The error an unexpected answer means, in words that say what to do.
    func failure(_ response: HTTPResponse, _ what: String) -> RegistryError {
        let parsed = Self.parseError(response)
        let hint: String
        switch (response.status, parsed.code) {
        case (_, "NoSuchBucket"): hint = "bucket '\(bucket)' does not exist: create it first"
        case (403, _), (_, "AccessDenied"), (_, "InvalidAccessKeyId"), (_, "SignatureDoesNotMatch"):
            hint = "access denied (\(parsed)): check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and the bucket policy"
        case (301, _), (307, _), (_, "PermanentRedirect"), (_, "AuthorizationHeaderMalformed"):
            hint = "the bucket is in another region (\(parsed)): set AWS_REGION or remote.<name>.region"
        default: hint = "\(parsed)"
        }
        return RegistryError.service(.init(service: "S3", operation: what, status: response.status, reason: hint))
    }

    static func parseError(_ response: HTTPResponse) -> Failure {
        let text = response.text
        return Failure(status: response.status, code: XMLText.first("Code", in: text) ?? "", message: XMLText.first("Message", in: text) ?? "")
    }

    // MARK: operations

    /// Whether a key exists.
    func exists(_ key: String) throws -> Bool {
        let r = try send("HEAD", key: key)
        switch r.status {
        case 200: return true
        case 404: return false
        default: throw failure(r, "HEAD \(key)")
        }
    }

    /// A small object's bytes and ETag, or nil when the key does not exist.
    func get(_ key: String) throws -> (body: [UInt8], etag: String?)? {
        let r = try send("GET", key: key)
        switch r.status {
        case 200: return (r.body, r.header("etag"))
        case 404 where Self.parseError(r).code != "NoSuchBucket": return nil
        default: throw failure(r, "GET \(key)")
        }
    }

    /// Downloads an object into a file; false when the key does not exist.
    func download(_ key: String, to path: String, received: (@Sendable (Int64) -> Void)? = nil) throws -> Bool {
        let r = try send("GET", key: key, destination: path, received: received)
        switch r.status {
        case 200: return true
        case 404 where Self.parseError(r).code != "NoSuchBucket": return false
        default: throw failure(r, "GET \(key)")
        }
    }

    /// What a conditional PUT requires.
    enum Condition {
        case none
        /// `If-None-Match: *` — create only.
        case absent
        /// `If-Match: <etag>` — replace only that version.
        case etag(String)
    }

    /// Outcome of a conditional PUT.
    enum PutOutcome: Equatable {
        case stored(etag: String?)
        /// 412: the condition did not hold. 409: a concurrent conditional write won.
        case preconditionFailed
    }

    /// Writes a small object in one request.
    func put(_ key: String, bytes: [UInt8], condition: Condition = .none) throws -> PutOutcome {
        var headers = [(String, String)]()
        switch condition {
        case .none: break
        case .absent: headers.append(("If-None-Match", "*"))
        case .etag(let tag): headers.append(("If-Match", tag))
        }
        let r = try send("PUT", key: key, headers: headers, body: .bytes(bytes), retry: true)
        switch r.status {
        case 200: return .stored(etag: r.header("etag"))
        case 412, 409: return .preconditionFailed
        default: throw failure(r, "PUT \(key)")
        }
    }

    /// Keys under `prefix` (ListObjectsV2, following continuation tokens).
    func list(prefix: String) throws -> [String] {
        var keys = [String]()
        try listPages(prefix: prefix) { text, _ in keys += XMLText.all("Key", in: text) }
        return keys
    }

    /// Each page of a ListObjectsV2 listing of `prefix` (its XML and HTTP status), following
    /// continuation tokens; with `startAfter`, only the keys after that one.
    func listPages(prefix: String, startAfter: String? = nil, _ page: (String, Int) throws -> Void) throws {
        var token: String?
        repeat {
            var query = [("list-type", "2"), ("prefix", prefix)]
            if let startAfter { query.append(("start-after", startAfter)) }
            if let token { query.append(("continuation-token", token)) }
            let r = try send("GET", key: nil, query: query)
            guard r.status == 200 else { throw failure(r, "listing \(prefix)") }
            let text = r.text
            try page(text, r.status)
            token = XMLText.first("IsTruncated", in: text) == "true" ? XMLText.first("NextContinuationToken", in: text) : nil
        } while token != nil
    }

    /// Uploads a file in parts (CreateMultipartUpload, UploadPart…, CompleteMultipartUpload);
    /// an upload that fails is aborted. Each part is read into memory, hashed and signed.
    func uploadMultipart(_ key: String, file path: String, size: Int64, partSize: Int,
                         progress: (Int64) -> Void) throws {
        let created = try send("POST", key: key, query: [("uploads", "")])
        guard created.status == 200, let uploadID = XMLText.first("UploadId", in: created.text) else {
            throw failure(created, "starting the multipart upload of \(key)")
        }
        do {
            guard let handle = FileHandle(forReadingAtPath: path) else {
                throw RegistryError.io(.init("read", path, reason: "it cannot be opened"))
            }
            defer { try? handle.close() }
            var parts = [(Int, String)]()
            var offset: Int64 = 0
            var number = 1
            while offset < size || number == 1 {
                let want = Int(min(Int64(partSize), size - offset))
                let chunk = Array(try handle.read(upToCount: want) ?? Data())
                guard chunk.count == want else { throw RegistryError.conflict(.inputChanged(path: path)) }
                let r = try send("PUT", key: key, query: [("partNumber", String(number)), ("uploadId", uploadID)], body: .bytes(chunk))
                guard r.status == 200, let etag = r.header("etag") else { throw failure(r, "uploading part \(number) of \(key)") }
                parts.append((number, etag))
                progress(Int64(chunk.count))
                offset += Int64(want)
                number += 1
                if want == 0 { break }
            }
            let xml = "<CompleteMultipartUpload>" + parts.map {
                "<Part><PartNumber>\($0.0)</PartNumber><ETag>\(XMLText.escape($0.1))</ETag></Part>"
            }.joined() + "</CompleteMultipartUpload>"
            let done = try send("POST", key: key, query: [("uploadId", uploadID)], body: .bytes(Array(xml.utf8)))
            // A 200 answer may still carry an error in its body.
            guard done.status == 200, !done.text.contains("<Error>") else { throw failure(done, "completing the multipart upload of \(key)") }
        } catch {
            _ = try? send("DELETE", key: key, query: [("uploadId", uploadID)], retry: false)
            throw error
        }
    }
}
