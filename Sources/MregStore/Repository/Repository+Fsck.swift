import Foundation
import SystemPackage

/// What `fsck` found.
public struct FsckReport: Sendable {
    public enum Severity: String, Sendable, Comparable {
        case info, warning, error
        public static func < (a: Severity, b: Severity) -> Bool {
            let order: [Severity] = [.info, .warning, .error]
            return order.firstIndex(of: a)! < order.firstIndex(of: b)!
        }
    }

    public struct Finding: Sendable, Equatable {
        public var severity: Severity
        /// A short stable word: `corrupt`, `empty`, `missing`, `dangling`, `stray`, `temp`, `lock`, `badref`, `derived`, `chain`.
        public var kind: String
        public var message: String
        public var id: ObjectID?
        /// The ref the finding is about (`badref` findings), e.g. `refs/models/fraud/head`.
        public var ref: String?
    }

    /// The most findings of one severity kept in `findings`; past it they are only counted
    /// (`omitted`), so a store with millions of damaged objects gives a bounded report.
    public static let maximumFindings = 1000

    public var findings: [Finding] = []
    /// How many findings of each severity `add` kept.
    private var kept: [Severity: Int] = [:]
    /// Findings past `maximumFindings`, by severity: counted, not kept.
    public var omitted: [Severity: Int] = [:]
    public var objectsChecked = 0
    public var refsChecked = 0

    public init() {}

    public var errors: [Finding] { findings.filter { $0.severity == .error } }
    /// Every error found, the omitted ones included.
    public var errorCount: Int { errors.count + (omitted[.error] ?? 0) }
    public var isClean: Bool { errorCount == 0 }

    public mutating func add(_ severity: Severity, _ kind: String, _ message: String, id: ObjectID? = nil, ref: String? = nil) {
        if kept[severity, default: 0] >= Self.maximumFindings {
            omitted[severity, default: 0] += 1
            return
        }
        kept[severity, default: 0] += 1
        findings.append(Finding(severity: severity, kind: kind, message: message, id: id, ref: ref))
    }
}

extension Repository {
    /// Checks every loose object (hash, zlib, header size), every ref, the links
    /// between objects, and leftover temp and lock files.
    ///
    /// - Parameter links: the ids an object refers to, for object types whose format
    ///   the caller knows (the registry supplies manifests, events and chunk lists).
    public func fsck(links: (ObjectType, [UInt8]) throws -> [ObjectID] = { _, _ in [] },
                     linkedTypes: Set<ObjectType> = []) -> FsckReport {
        var report = FsckReport()
        var present = [ObjectID: ObjectType]()
        var edges = [ObjectID: [ObjectID]]()

        /// Reads one object through, noting its type and links (damage is an error).
        func check(_ id: ObjectID, where place: String = "", _ open: () throws -> ObjectReader?) {
            report.objectsChecked += 1
            do {
                guard let reader = try open() else { return }
                let keep = linkedTypes.contains(reader.header.type)
                var payload = [UInt8]()
                while let piece = try reader.next() { if keep { payload.append(contentsOf: piece) } }
                present[id] = reader.header.type
                if keep {
                    do {
                        edges[id] = try links(reader.header.type, payload)
                    } catch {
                        report.add(.error, "corrupt", "\(reader.header.type) \(id.hex)\(place) cannot be parsed: \(error)", id: id)
                    }
                }
            } catch {
                report.add(.error, "corrupt", "corrupt object \(id.hex)\(place): \(error)", id: id)
            }
        }
        for (dir, name) in objects.looseEntries() {
            let path = "\(objects.directory)/\(dir)/\(name)"
            guard name.count == 62, Hex.isHex(name), let id = ObjectID(parsing: dir + name) else {
                if Self.isTempName(name) {
                    report.add(.warning, "temp", "leftover temp file '\(path)' (from an interrupted write; 'mreg gc' deletes it once older than the grace period)")
                } else {
                    report.add(.error, "stray", "stray file '\(path)' is not a loose object")
                }
                continue
            }
            // Never open a FIFO or a device with an object's name: reading it could block.
            let filePath = FilePath(path)  // made once: building a FilePath is fsck's cost in debug builds
            guard let status = FileSystem.linkStatus(filePath), status.isRegularFile else {
                report.add(.error, "stray", "stray entry '\(path)' is not a loose object (not a regular file)")
                continue
            }
            if status.size == 0 {
                report.objectsChecked += 1
                report.add(.error, "empty", "empty object file '\(path)' (a write a crash cut off before its data reached the disk): 'mreg fsck --repair' removes it", id: id)
                continue
            }
            check(id) { try ObjectReader(id: id, path: filePath) }
        }
        // Packs: each is checked whole, then every object in it (a copy also loose was read above:
        // a pack duplicating loose objects is no damage).
        let packSet = PackSet(folder: objects.packSet.folder)  // loaded afresh: every pack checked now
        for (name, error) in packSet.damaged {
            report.add(.error, "corrupt", "damaged pack \(name), not used: \(error.message) (objects only it held are lost; "
                       + "fetch them from a remote, or move the pack and its index aside)")
        }
        for pack in packSet.packs {
            do { try pack.verifyChecksum() } catch let e as StoreError {
                report.add(.error, "corrupt", "\(e.message)")
            } catch {
                report.add(.error, "corrupt", "pack \(pack.name): \(error)")
            }
            for id in pack.index.ids where present[id] == nil {
                check(id, where: " in \(pack.name)") { try pack.openReader(id) }
            }
        }
        for orphan in objects.orphanPackFiles() {
            report.add(.warning, "temp", "pack '\(orphan)' has no index (a gc was interrupted before writing it; its objects are still loose); "
                       + "'mreg gc' deletes it once older than the grace period")
        }
        let grace = Self.tempGrace()
        for (temp, age) in tempFiles() {
            report.add(.warning, "temp", "leftover temp file '\(temp)' (unchanged for \(StoreError.duration(age)): from an interrupted write, or one "
                       + "in progress; a repair deletes it once unchanged for \(StoreError.duration(grace)), 'mreg gc' once older than its grace period)")
        }

        var roots = [ObjectID]()
        for entry in refs.scan() {
            switch entry {
            case .ref(let name, let id):
                report.refsChecked += 1
                if present[id] == nil && !objects.contains(id) {
                    report.add(.error, "missing", "ref \(name) points to missing object \(id.hex)", id: id)
                }
                roots.append(id)
            case .corrupt(let name, let error):
                report.refsChecked += 1
                report.add(.error, "badref", "\(error)", ref: name.rawValue)
            case .lock:
                continue  // below, with the store's own lock files
            case .stray(let path, let why):
                report.add(why == .hidden ? .info : .warning, "stray", Self.strayMessage(path, why))
            }
        }
        for lock in lockFilePaths() {
            guard let seen = LockFile.Inspection(FilePath(lock)) else { continue }  // released meanwhile
            let age = StoreError.duration(seen.age())
            if let owner = seen.owner {
                let who = "process \(owner.pid) on \(owner.host) since \(owner.time) (\(age) ago)"
                if seen.isStale {
                    report.add(.warning, "lock", "stale lock '\(lock)' left by \(who), which is no longer running; "
                               + "the next command that needs it removes it, as does a repair")
                } else if owner.host != LocalHost.name() {
                    report.add(.warning, "lock", "lock '\(lock)' is held by \(who), another host: if that process is gone, remove the lock file")
                } else {
                    report.add(.warning, "lock", "lock '\(lock)' is held by \(who)")
                }
            } else if seen.isStale {
                report.add(.warning, "lock", "stale lock '\(lock)' names no owner (\(age) old: its writer died before filling it); "
                           + "the next command that needs it removes it, as does a repair")
            } else {
                report.add(.warning, "lock", "lock '\(lock)' is being taken by another process (\(age) old, no owner written yet)")
            }
        }

        // Links and reachability.
        for (from, targets) in edges.sorted(by: { $0.key < $1.key }) {
            for to in targets where present[to] == nil {
                if !objects.contains(to) {
                    report.add(.error, "missing", "missing object \(to.hex) (referenced by \(present[from].map { "\($0)" } ?? "object") \(from.abbreviated()))", id: to)
                }
            }
        }
        var reached = Set<ObjectID>()
        var stack = roots
        while let id = stack.popLast() {
            if !reached.insert(id).inserted { continue }
            stack.append(contentsOf: edges[id] ?? [])
        }
        for (id, type) in present.sorted(by: { $0.key < $1.key }) where !reached.contains(id) {
            report.add(.info, "dangling", "dangling \(type) \(id.hex) (no ref reaches it; 'mreg gc' deletes it once older than the grace period)", id: id)
        }
        return report
    }

    /// Counts loose objects and their disk usage.
    public func countObjects() -> (count: Int, bytes: Int64, temp: Int) {
        var count = 0
        var bytes: Int64 = 0
        for (dir, name) in objects.looseEntries() where name.count == 62 {
            count += 1
            if let status = try? FileStatus(path: "\(objects.directory)/\(dir)/\(name)") {
                bytes += status.allocatedBytes
            }
        }
        return (count, bytes, objects.tempFiles().count)
    }

    /// Counts packs, the objects in them, and the bytes of their files (packs and indexes).
    public func countPacked() -> (packs: Int, objects: Int, bytes: Int64) {
        let packs = objects.packSet.packs
        var bytes: Int64 = 0
        for pack in packs {
            bytes += (try? FileStatus(pack.packPath))?.allocatedBytes ?? 0
            bytes += (try? FileStatus(pack.indexPath))?.allocatedBytes ?? 0
        }
        return (packs.count, packs.reduce(0) { $0 + $1.index.count }, bytes)
    }

    /// Why fsck mentions an entry under `refs/` that is not a ref.
    static func strayMessage(_ path: String, _ why: RefEntry.Stray) -> String {
        switch why {
        case .hidden: return "ignored hidden entry '\(path)' under refs/ (not a ref)"
        case .lockFolder: return "stray folder '\(path)' under refs/ is named like a lock file; it is not a ref"
        case .invalidName(let problem): return "stray '\(path)' under refs/ is not a ref: \(problem)"
        case .symbolicLink: return "stray symbolic link '\(path)' under refs/ is not followed"
        case .notRegularFile: return "stray '\(path)' under refs/ is not a regular file"
        }
    }
}
