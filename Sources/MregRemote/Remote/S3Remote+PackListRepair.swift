import Foundation
import MregStore
import MregSupport
import MregRegistry

/// `gc --remote` checks and repairs an S3 remote's pack list (FORMAT.md §6.1, "Repair").
extension S3Remote {
    /// The pack list as `gc --remote` found it, and the packs present.
    struct PackListCheck {
        /// The list's entries as read (empty when it is missing or damaged).
        var entries: [RemotePackList.Entry] = []
        /// The ETag to replace it with (nil: there is none).
        var token: String?
        /// Why the list cannot be read (nil: it parsed).
        var damage: String?
        /// Packs present with both files and an index that checks out, by name.
        var usable: [String: (size: Int64, index: PackIndex)] = [:]
        /// Packs whose `.pack` is present but whose index is missing or damaged.
        var unreadable: Set<String> = []
        /// The names the list held as read: a listed pack dropped for its index is not deleted
        /// (its `.pack` may be all that is left of its objects).
        var originallyListed: Set<String> = []
    }

    /// Reads the pack list (a damaged one is noted, not thrown) and checks every pack present.
    func checkPackList(packFiles: [S3Client.Listed]) throws -> PackListCheck {
        var check = PackListCheck()
        guard let packs else { return check }
        let listKey = "\(prefix)objects/pack/LIST"
        if let (body, etag) = try client.get(listKey) {
            check.token = etag
            do {
                check.entries = try RemotePackList.parse(body, token: etag, where: "\(location)").entries
                check.originallyListed = Set(check.entries.map(\.name))
            } catch RegistryError.corrupt(let problem) {
                check.damage = problem.reason
            }
        }
        let packPrefix = "\(prefix)objects/pack/"
        var files = [String: (pack: Int64?, idx: Bool)]()
        for item in packFiles {
            let file = String(item.key.dropFirst(packPrefix.count))
            if file.hasSuffix(".pack"), RemotePackList.isPackName(String(file.dropLast(5))) {
                files[String(file.dropLast(5)), default: (nil, false)].pack = item.size
            } else if file.hasSuffix(".idx"), RemotePackList.isPackName(String(file.dropLast(4))) {
                files[String(file.dropLast(4)), default: (nil, false)].idx = true
            }
        }
        for (name, present) in files.sorted(by: { $0.key < $1.key }) {
            guard let size = present.pack else { continue }
            if present.idx, let index = try? packs.index(of: name) {
                check.usable[name] = (size, index)
            } else {
                check.unreadable.insert(name)
            }
        }
        packs.loadForRepair(list: check.damage == nil ? RemotePackList(entries: check.entries, token: check.token) : nil,
                            packs: check.usable.map { ($0.key, $0.value.size, $0.value.index) })
        return check
    }

    /// Makes the list name exactly what readers need: listed packs that are missing or whose index
    /// is damaged are dropped; an unlisted pack present is added when it holds an object the
    /// models reach that no listed pack nor loose object provides (a list that lost it, was
    /// deleted or is damaged); other unlisted packs stay unlisted (an interrupted push's, removed
    /// after the grace). The new list replaces the one read only if it is still that one (`If-Match`).
    ///
    /// - Throws: `conflict` when the list changed meanwhile (run gc again).
    func repairPackList(_ check: inout PackListCheck, live: Set<ObjectID>, loose: Set<ObjectID>, dryRun: Bool, report: inout GCReport) throws {
        guard let packs else { return }
        let would = dryRun ? "would be " : ""
        var problems = [String]()
        if let damage = check.damage { problems.append("the pack list objects/pack/LIST is damaged (\(damage)); it \(dryRun ? "would be" : "was") rebuilt from the packs present") }
        var kept = [RemotePackList.Entry]()
        for entry in check.entries {
            if check.usable[entry.name] != nil {
                kept.append(entry)
            } else {
                problems.append("\(entry.name) \(would)dropped from the pack list: its \(check.unreadable.contains(entry.name) ? "index is missing or damaged" : ".pack is missing")")
            }
        }
        var provided = Set<ObjectID>()
        for entry in kept {
            guard let index = check.usable[entry.name]?.index else { continue }
            for i in 0..<index.count { provided.insert(index.id(at: i)) }
        }
        var added = Set<String>()
        let candidates = check.usable.filter { pack in !kept.contains { $0.name == pack.key } }.sorted { $0.key < $1.key }
        for id in live where !loose.contains(id) && !provided.contains(id) {
            guard let (name, pack) = candidates.first(where: { $0.value.index.lookup(id) != nil }) else { continue }
            added.insert(name)
            for i in 0..<pack.index.count { provided.insert(pack.index.id(at: i)) }
        }
        for name in added.sorted() {
            guard let size = check.usable[name]?.size else { continue }
            kept.append(.init(name: name, size: size))
            problems.append("\(name) \(would)added to the pack list: it holds objects the models need")
        }
        report.packListRepairs = problems
        guard !problems.isEmpty else { return }
        let new = RemotePackList(entries: kept)
        if !dryRun {
            let old: RemotePackList? = check.token.map { RemotePackList(token: $0) }
            guard let written = try packs.storage.writePackList(new, replacing: old) else {
                throw RegistryError.conflict(.headMoved(model: "objects/pack/LIST", remote: "\(location)",
                                                        detail: "the pack list changed while gc checked it; nothing was repaired: run `mreg gc --remote` again"))
            }
            packs.cacheList(written)
            check.token = written.token
        }
        check.entries = kept
        check.damage = nil
    }
}
