/// Finding objects by id prefix and listing them.
extension ObjectStore {
    /// Resolves a hex prefix of at least 4 digits to the one object it names.
    public func resolve(prefix raw: String) throws -> ObjectID {
        let prefix = raw.lowercased()
        guard Hex.isHex(prefix), !prefix.isEmpty else {
            throw StoreError.invalid(reason: "'\(raw)' is not a hex object id")
        }
        if let full = ObjectID(parsing: prefix) {
            guard contains(full) else { throw StoreError.notFound(kind: .object, name: full.hex) }
            return full
        }
        guard prefix.count >= ObjectID.minimumPrefixLength else {
            throw StoreError.invalid(reason: "id prefix '\(raw)' is too short: give at least \(ObjectID.minimumPrefixLength) hex digits")
        }
        guard prefix.count < ObjectID.hexLength else {
            throw StoreError.invalid(reason: "'\(raw)' is too long for an object id")
        }
        let matches = self.matches(prefix: prefix)
        switch matches.count {
        case 0: throw StoreError.notFound(kind: .idPrefix, name: raw)
        case 1: return matches[0]
        default: throw StoreError.ambiguous(prefix: raw, candidates: matches)
        }
    }

    /// Every object whose id starts with `prefix` (at least 2 hex digits).
    public func matches(prefix: String) -> [ObjectID] {
        let fan = String(prefix.prefix(2))
        let rest = prefix.dropFirst(2)
        var found = Set(FileSystem.listDirectory("\(directory)/\(fan)")
            .filter { $0.count == 62 && $0.hasPrefix(rest) }
            .compactMap { ObjectID(parsing: fan + $0) })
        if let first = Hex.decode(fan)?.first {
            for pack in packSet.packs {
                for id in pack.index.ids(firstByte: first) where id.hex.hasPrefix(prefix) { found.insert(id) }
            }
        }
        return found.sorted()
    }

    /// The fan-out folder names and file names present, as raw entries (for fsck and counting).
    public func looseEntries() -> [(directory: String, name: String)] {
        var out = [(String, String)]()
        for dir in FileSystem.listDirectory(directory).sorted() where dir.count == 2 && Hex.isHex(dir) {
            for name in FileSystem.listDirectory("\(directory)/\(dir)").sorted() {
                out.append((dir, name))
            }
        }
        return out
    }

    /// The ids of all loose objects.
    public func allObjectIDs() -> [ObjectID] {
        looseEntries().compactMap { ObjectID(parsing: $0.directory + $0.name) }
    }

    /// The ids of all objects in sound packs (an id in two packs is listed once).
    public func packedObjectIDs() -> Set<ObjectID> {
        var out = Set<ObjectID>()
        for pack in packSet.packs { out.formUnion(pack.index.ids) }
        return out
    }

    /// Temp files left in the objects folder (by a crash or a running writer).
    public func tempFiles() -> [String] {
        FileSystem.listDirectory(directory).filter { $0.hasPrefix(Self.tempPrefix) }.sorted().map { "\(directory)/\($0)" }
    }
}
