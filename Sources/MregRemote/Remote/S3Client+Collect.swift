import Foundation
import MregStore
import MregSupport
import MregRegistry

/// The S3 calls a remote's gc needs: a listing with sizes and times, a range read, a copy
/// of an object onto itself (freshening), and a delete.
extension S3Client {
    /// One key of a listing.
    struct Listed: Sendable {
        var key: String
        var size: Int64
        /// `LastModified`, in nanoseconds since 1970.
        var modified: Int64
    }

    /// Keys under `prefix` with their size and last modification (ListObjectsV2).
    func listDetailed(prefix: String) throws -> [Listed] {
        var out = [Listed]()
        try listPages(prefix: prefix) { text, status in
            for item in XMLText.all("Contents", in: text) {
                guard let key = XMLText.first("Key", in: item), let size = XMLText.first("Size", in: item).flatMap({ Int64($0) }),
                      let time = XMLText.first("LastModified", in: item), let date = try? UserDate.parse(time).start else {
                    throw RegistryError.service(.init(service: "S3", operation: "listing \(prefix)", status: status,
                                                      reason: "an entry of the listing has no key, size or time"))
                }
                // Clamped, so that a server's absurd date cannot overflow (a trap).
                let seconds = date.timeIntervalSince1970
                let modified = seconds >= 9.2e9 ? Int64.max : seconds <= -9.2e9 ? Int64.min : Int64(seconds) * 1_000_000_000
                out.append(Listed(key: key, size: size, modified: modified))
            }
        }
        return out
    }

    /// The first `count` bytes of an object, or nil when the key does not exist.
    func firstBytes(_ key: String, count: Int) throws -> [UInt8]? {
        let r = try send("GET", key: key, headers: [("Range", "bytes=0-\(count - 1)")])
        switch r.status {
        case 200, 206: return Array(r.body.prefix(count))
        case 404 where Self.parseError(r).code != "NoSuchBucket": return nil
        default: throw failure(r, "GET \(key)")
        }
    }

    /// Copies an object onto itself (CopyObject with `x-amz-metadata-directive: REPLACE`),
    /// which gives it a new `LastModified` without sending its bytes; false when the key
    /// does not exist. (S3 refuses a copy onto itself that changes nothing; replacing the
    /// metadata, here with the same empty set, is the documented way to touch an object.)
    func touch(_ key: String) throws -> Bool {
        let source = "/\(bucket)/\(key)".addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? "/\(bucket)/\(key)"
        let r = try send("PUT", key: key, headers: [("x-amz-copy-source", source), ("x-amz-metadata-directive", "REPLACE")],
                         body: .bytes([]))
        switch r.status {
        case 200 where !r.text.contains("<Error>"): return true
        case 404 where Self.parseError(r).code != "NoSuchBucket": return false
        default: throw failure(r, "copy \(key) onto itself")
        }
    }

    /// Deletes a key (a key already gone is not an error).
    func delete(_ key: String) throws {
        let r = try send("DELETE", key: key)
        guard [200, 204, 404].contains(r.status) else { throw failure(r, "DELETE \(key)") }
    }
}

extension S3Client {
    /// `length` bytes of an object from `offset` (a `Range` request), or nil when the key does not exist.
    func range(_ key: String, offset: Int64, length: Int64) throws -> [UInt8]? {
        let r = try send("GET", key: key, headers: [("Range", "bytes=\(offset)-\(offset + length - 1)")])
        switch r.status {
        case 206: return r.body
        case 200: return r.body.count >= Int(offset + length) ? Array(r.body[Int(offset)..<Int(offset + length)]) : nil
        case 404 where Self.parseError(r).code != "NoSuchBucket": return nil
        default: throw failure(r, "GET \(key)")
        }
    }
}
