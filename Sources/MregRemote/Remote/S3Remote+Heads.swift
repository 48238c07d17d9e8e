import Foundation
import Crypto
import MregStore
import MregSupport
import MregRegistry

/// Every head in one request (FORMAT.md §6.1, "Requests"): a listing of the keys after
/// `<prefix>/objects0` — the policy pointer, the policy files and `refs/…`, never an object
/// (every object key sorts before `objects0`) — with their ETags.
extension S3Remote {
    /// What the last heads listing said of the policy pointer: nil when no listing ran yet.
    enum ListedPolicy: Sendable, Equatable {
        case absent
        case present(etag: String?)
    }

    /// The ETag S3 gives a head holding `id` (`"<64 hex>\n"` stored in one PUT: its MD5, quoted).
    static func headTag(_ id: ObjectID) -> String {
        "\"" + Hex.encode(Array(Insecure.MD5.hash(data: Array("\(id.hex)\n".utf8)))) + "\""
    }

    static func unquoted(_ tag: String) -> String {
        tag.trimmingCharacters(in: CharacterSet(charactersIn: "\" ")).lowercased()
    }

    /// The heads of `models` (nil: every model on the remote) from one listing: a head whose
    /// ETag is the MD5 of one of the ids in `expected[model]` (this store's head, its tracking
    /// ref) is known without reading it; any other is read (one GET). A store whose ETags are not
    /// MD5s (some encryption settings) costs a GET per head, as before.
    public func readHeads(models requested: [String]?, expected: [String: Set<ObjectID>]) throws -> [String: RemoteHead] {
        let base = "\(prefix)refs/models/"
        var tags = [String: String]()
        var policy = ListedPolicy.absent
        try client.listPages(prefix: prefix, startAfter: "\(prefix)objects0") { text, status in
            for item in XMLText.all("Contents", in: text) {
                guard let key = XMLText.first("Key", in: item) else {
                    throw RegistryError.service(.init(service: "S3", operation: "listing \(base)", status: status, reason: "an entry of the listing has no key"))
                }
                let tag = XMLText.first("ETag", in: item)
                if key == policyKey {
                    policy = .present(etag: tag)
                    continue
                }
                guard key.hasPrefix(base), key.hasSuffix("/head") else { continue }
                let model = String(key.dropFirst(base.count).dropLast(5))
                guard (try? Names.validateModel(model)) != nil else { continue }
                tags[model] = tag ?? ""
            }
        }
        listedPolicy.withLock { $0 = policy }
        let names = requested ?? tags.keys.sorted()
        var heads = [String: RemoteHead]()
        var unread = [String]()
        for model in names {
            guard let tag = tags[model] else { continue }
            if let id = expected[model]?.first(where: { Self.unquoted(Self.headTag($0)) == Self.unquoted(tag) }) {
                heads[model] = RemoteHead(id: id, token: tag)
            } else {
                unread.append(model)
            }
        }
        let read = try Parallel.map(unread, width: parallelism) { try self.readHead(model: $0) }
        for (model, head) in zip(unread, read) { heads[model] = head }
        return heads
    }
}
