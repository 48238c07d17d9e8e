import Crypto
import Foundation
import MregStore
#if canImport(Glibc)
import Glibc
#endif
import MregSupport
import MregRegistry
import MregIndex
import MregGovernance

/// AWS Signature Version 4 (header form), as S3 and every other AWS service check it.
///
/// The signer follows the published algorithm step by step, and each step is
/// exposed so tests can compare it with AWS's own test-suite vectors:
///
/// 1. the canonical request (method, URI, query, headers, signed header names, payload hash);
/// 2. the string to sign (algorithm, time, credential scope, SHA-256 of step 1);
/// 3. the signing key (HMAC chain over date, region, service and `aws4_request`);
/// 4. the signature (HMAC of step 2 with step 3) and the `Authorization` header.
///
/// S3 differs from the generic services in one way that matters here: the URI
/// path is encoded once and never normalized (`doubleEncodePath = false`).
///
///     let signer = SigV4(accessKeyID: "AKID…", secretAccessKey: "…", region: "us-east-1", service: "s3")
///     let signed = signer.sign(method: "GET", path: "/bucket/key", query: [], headers: [("Host", host),
///                              ("X-Amz-Date", SigV4.amzDate(Date())), …], payloadHash: SigV4.emptyPayloadHash)
///     request.setValue(signed.authorization, forHTTPHeaderField: "Authorization")
public struct SigV4: Sendable {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?
    public var region: String
    public var service: String
    /// Generic AWS services encode the already-encoded path a second time; S3 does not.
    public var doubleEncodePath: Bool

    public static let algorithm = "AWS4-HMAC-SHA256"
    /// SHA-256 of the empty string: the payload hash of a request without a body.
    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    /// The payload hash that tells S3 the body is not signed.
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil,
                region: String, service: String, doubleEncodePath: Bool = false) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.region = region
        self.service = service
        self.doubleEncodePath = doubleEncodePath
    }

    /// Every stage of one signature.
    public struct Signed: Sendable, Equatable {
        public var canonicalRequest: String
        public var stringToSign: String
        public var signature: String
        /// `host;x-amz-date` — the lowercased, sorted names of the signed headers.
        public var signedHeaders: String
        /// The value of the `Authorization` header.
        public var authorization: String
    }

    /// Signs a request whose `headers` already include `Host` and `X-Amz-Date` (and,
    /// for S3, `X-Amz-Content-Sha256` and any `X-Amz-Security-Token`). All given headers are signed.
    ///
    /// - Parameters:
    ///   - path: the URI path, not yet percent-encoded (`/my bucket/ሴ`).
    ///   - query: the query parameters, not yet percent-encoded, in any order.
    ///   - payloadHash: lowercase hex SHA-256 of the body, or `UNSIGNED-PAYLOAD`.
    public func sign(method: String, path: String, query: [(String, String)], headers: [(String, String)],
                     payloadHash: String) -> Signed {
        let amzDate = headers.first { $0.0.lowercased() == "x-amz-date" }?.1.trimmingCharacters(in: .whitespaces) ?? ""
        let (canonicalHeaders, signedHeaders) = Self.canonicalHeaders(headers)
        let canonical = [
            method.uppercased(),
            Self.canonicalURI(path, doubleEncode: doubleEncodePath),
            Self.canonicalQuery(query),
            canonicalHeaders,
            signedHeaders,
            payloadHash,
        ].joined(separator: "\n")
        let toSign = stringToSign(canonicalRequest: canonical, amzDate: amzDate)
        let sig = signature(stringToSign: toSign, date: String(amzDate.prefix(8)))
        let auth = "\(Self.algorithm) Credential=\(accessKeyID)/\(scope(date: String(amzDate.prefix(8)))), "
            + "SignedHeaders=\(signedHeaders), Signature=\(sig)"
        return Signed(canonicalRequest: canonical, stringToSign: toSign, signature: sig, signedHeaders: signedHeaders, authorization: auth)
    }

    /// `20150830/us-east-1/service/aws4_request`.
    public func scope(date: String) -> String { "\(date)/\(region)/\(service)/aws4_request" }

    /// Step 2: the string to sign.
    public func stringToSign(canonicalRequest: String, amzDate: String) -> String {
        [Self.algorithm, amzDate, scope(date: String(amzDate.prefix(8))), Self.sha256Hex(Array(canonicalRequest.utf8))]
            .joined(separator: "\n")
    }

    /// Steps 3 and 4: the hex signature of `stringToSign` with the key derived for `date` (`YYYYMMDD`).
    public func signature(stringToSign: String, date: String) -> String {
        let key = signingKey(date: date)
        return Hex.encode(Self.hmac(key: key, Array(stringToSign.utf8)))
    }

    /// The derived signing key: HMAC("AWS4" + secret, date) → region → service → "aws4_request".
    public func signingKey(date: String) -> [UInt8] {
        var key = Self.hmac(key: Array("AWS4\(secretAccessKey)".utf8), Array(date.utf8))
        for part in [region, service, "aws4_request"] { key = Self.hmac(key: key, Array(part.utf8)) }
        return key
    }

    // MARK: canonical forms

    /// The path with every byte outside RFC 3986's unreserved set percent-encoded, `/` kept.
    public static func canonicalURI(_ path: String, doubleEncode: Bool = false) -> String {
        let raw = path.isEmpty ? "/" : (path.hasPrefix("/") ? path : "/" + path)
        let once = raw.split(separator: "/", omittingEmptySubsequences: false).map { uriEncode(String($0)) }.joined(separator: "/")
        guard doubleEncode else { return once }
        return once.split(separator: "/", omittingEmptySubsequences: false).map { uriEncode(String($0)) }.joined(separator: "/")
    }

    /// Parameters encoded, sorted by name then value, joined as `a=1&b=2` (a valueless one gets `=`).
    public static func canonicalQuery(_ items: [(String, String)]) -> String {
        let encoded: [(name: String, value: String)] = items.map { (uriEncode($0.0), uriEncode($0.1)) }
        let sorted = encoded.sorted { a, b in a.name == b.name ? a.value < b.value : a.name < b.name }
        return sorted.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
    }

    /// Lowercased names, values trimmed with inner runs of spaces collapsed, repeated
    /// names joined with `,` in order, sorted by name; each line ends in a newline.
    /// Returns the block and the `;`-joined signed header names.
    public static func canonicalHeaders(_ headers: [(String, String)]) -> (block: String, signed: String) {
        var values = [String: [String]]()
        for (name, value) in headers {
            values[name.lowercased(), default: []].append(trimHeaderValue(value))
        }
        let names = values.keys.sorted()
        let block = names.map { "\($0):\(values[$0]!.joined(separator: ","))\n" }.joined()
        return (block, names.joined(separator: ";"))
    }

    /// Trims ASCII spaces and tabs and collapses inner runs of them to one space.
    static func trimHeaderValue(_ value: String) -> String {
        var out = [UInt8]()
        var pendingSpace = false
        for b in value.utf8 {
            if b == 0x20 || b == 0x09 {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(0x20) }
                pendingSpace = false
                out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Percent-encodes every byte outside `A-Z a-z 0-9 - . _ ~` (uppercase hex).
    public static func uriEncode(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for b in text.utf8 {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            default:
                out += String(format: "%%%02X", b)
            }
        }
        return out
    }

    // MARK: primitives

    /// `YYYYMMDD'T'HHMMSS'Z'` in UTC.
    public static func amzDate(_ date: Date) -> String {
        var t = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&t, &parts)
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
                      Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
    }

    public static func sha256Hex(_ bytes: some Sequence<UInt8>) -> String {
        var hasher = SHA256()
        hasher.update(data: Array(bytes))
        return Hex.encode(hasher.finalize())
    }

    static func hmac(key: [UInt8], _ message: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
    }
}
