import MregStore
import MregSupport
import MregRegistry

/// A remote's pack list (`objects/pack/LIST`, FORMAT.md §6.1): the packs a reader may use.
///
/// Text, one line each: a first line `mreg-pack-list 1`, then `<pack name> <pack bytes>` per
/// pack (`pack-<64 hex> 12345`), in the order pushes added them. Pushes add lines; only
/// `gc --remote` removes one. A pack is uploaded (pack, then index) before the list names it.
public struct RemotePackList: Sendable, Equatable {
    /// The version this code writes and reads.
    public static let version = 1
    static let header = "mreg-pack-list"
    /// The most bytes a list may have (about 190,000 packs); a larger one is refused unread.
    public static let maximumBytes = 16 << 20

    public struct Entry: Sendable, Equatable {
        /// `pack-<64 hex>`.
        public var name: String
        /// Bytes of the `.pack` file.
        public var size: Int64
    }

    public var entries: [Entry] = []
    /// What the storage needs to replace this very version (an S3 ETag; nil on a filesystem).
    public var token: String?

    public init(entries: [Entry] = [], token: String? = nil) {
        self.entries = entries
        self.token = token
    }

    public var names: Set<String> { Set(entries.map(\.name)) }

    /// Whether `name` is a pack name (`pack-` and 64 lowercase hex digits).
    public static func isPackName(_ name: String) -> Bool {
        guard name.hasPrefix("pack-"), name.utf8.count == 69 else { return false }
        return name.utf8.dropFirst(5).allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// Parses a list's bytes; `where` names it in errors.
    ///
    /// - Throws: `corrupt` for a damaged list, `refused(.newerFormat)` for a newer version.
    public static func parse(_ bytes: [UInt8], token: String?, where location: String) throws -> RemotePackList {
        func damaged(_ why: String) -> RegistryError {
            RegistryError.corrupt(.init(object: "the pack list objects/pack/LIST", reason: "\(why); the remote's packs cannot be used until it is repaired (run `mreg gc --remote` from a store that has its objects)", remote: location))
        }
        guard bytes.count <= maximumBytes else {
            throw RegistryError.corrupt(.init(object: "the pack list objects/pack/LIST", reason: "it is \(bytes.count) bytes, over the \(maximumBytes >> 20) MiB a list may hold; run `mreg gc --remote` to rebuild it from the packs present", remote: location))
        }
        let text = String(decoding: bytes, as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        guard let first = lines.first else { throw damaged("it is empty") }
        lines.removeFirst()
        let head = first.split(separator: " ")
        guard head.count == 2, head[0] == Substring(header), let version = Int(head[1]) else {
            throw damaged("its first line is not `\(header) <version>`")
        }
        guard version <= Self.version else {
            throw RegistryError.refused(.newerFormat(location: "the pack list objects/pack/LIST of \(location)", version: version, supported: Self.version))
        }
        var list = RemotePackList(token: token)
        var seen = Set<String>()
        for (n, line) in lines.enumerated() {
            let fields = line.split(separator: " ")
            guard fields.count == 2, isPackName(String(fields[0])), let size = Int64(fields[1]), size >= Pack.minimumSize else {
                throw damaged("line \(n + 2) is not `pack-<64 hex> <bytes>`")
            }
            if seen.insert(String(fields[0])).inserted {
                list.entries.append(Entry(name: String(fields[0]), size: size))
            }
        }
        return list
    }

    /// The list's bytes.
    public func serialized() -> [UInt8] {
        var text = "\(Self.header) \(Self.version)\n"
        for entry in entries { text += "\(entry.name) \(entry.size)\n" }
        return Array(text.utf8)
    }

    /// This list with `entry` added (once).
    public func adding(_ entry: Entry) -> RemotePackList {
        var copy = self
        if !entries.contains(where: { $0.name == entry.name }) { copy.entries.append(entry) }
        return copy
    }
}
