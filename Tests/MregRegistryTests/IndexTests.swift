import MregTestSupport
import Foundation
import Testing
@testable import MregRegistry
import MregFilter
@testable import MregSupport
@testable import MregIndex
@testable import MregGovernance
@testable import MregRemote
@testable import MregStore

/// A store in a temporary folder with helpers that write versions the way `register` does.
struct IndexFixture {
    let dir: String
    let registry: Registry

    /// Runs `body` with a fresh store that is removed afterwards.
    static func with<R>(_ body: (IndexFixture) throws -> R) throws -> R {
        try withTemporaryDirectory(prefix: "mreg-index") { dir in
            var (repo, _) = try Repository.initialize(at: dir)
            try repo.setConfig("user.name", "Ada")
            try repo.setConfig("user.email", "ada@example.com")
            return try body(IndexFixture(dir: dir, registry: try Registry.standard(repo)))
        }
    }

    var root: String { registry.repository.root }

    /// Registers a version with these params and metrics (and one file of `format` with `parameters`).
    @discardableResult
    func register(_ model: String, params: [String: JSONValue] = [:], metrics: [String: JSONValue] = [:], message: String = "",
                  format: String? = "safetensors", parameters: Int64? = 4160, time: String = "2026-03-01T12:00:00Z",
                  actor: String = "Ada <ada@example.com>") throws -> Int64 {
        let blob = try registry.store.write(type: .blob, bytes: Array("\(model) \(params) \(metrics) \(message)".utf8)).id
        let details: JSONValue = parameters.map { .object(["parameters": .int($0), "tensors": 2]) } ?? .null
        let file = ManifestFile(path: "model.bin", mode: "100644", size: 10, digest: "sha256:00", object: blob, format: format, details: details)
        let manifest = Manifest(model: model, message: message, files: [file], params: params, metrics: metrics,
                                provenance: ["time": .string(time)])
        let id = try registry.store.write(type: .manifest, bytes: manifest.json.canonicalBytes).id
        let appended = try registry.appendEvent(model: model) { state in
            .append(Event(model: model, sequence: 0, parent: nil, action: .register, version: (state.latestVersion ?? 0) + 1,
                          manifest: id, content: manifest.contentKey, actor: actor, time: time, reason: message.isEmpty ? nil : message))
        }
        return appended!.event.version!
    }

    /// Appends an event and moves the head the way another process (or one interrupted
    /// before updating the index) would: without touching the index.
    func appendBehindIndex(_ model: String, _ make: (ModelState) -> Event) throws {
        let state = try registry.chainState(model)
        var event = make(state)
        event.model = model
        event.sequence = state.eventCount + 1
        event.parent = state.head
        let id = try registry.store.write(type: .event, bytes: event.json.canonicalBytes).id
        try registry.refs.update(Registry.headRef(model), to: id, expecting: state.head.map { .value($0) } ?? .absent)
    }

    func recordHead(_ model: String) throws -> ObjectID? {
        try IndexFile.read("\(root)/index/models/\(model)", kind: .model).map { try ModelRecord(file: $0).head }
    }
}

extension Registry {
    /// The state replayed from objects, bypassing the index (the reference the index must match).
    func chainState(_ model: String, asOf: Date? = nil) throws -> ModelState {
        var state = ModelState(model: model)
        for (id, event) in try events(of: model).reversed() {
            if let asOf, let t = Timestamp.parse(event.time), t > asOf { break }
            state.apply(event, id: id)
        }
        return state
    }
}

func sameState(_ a: ModelState, _ b: ModelState) -> Bool {
    a.model == b.model && a.head == b.head && a.eventCount == b.eventCount && a.versions == b.versions
        && a.stages == b.stages && a.tags == b.tags && a.lastChange == b.lastChange
}

/// The index: freshness, self-healing, damage, rebuilds.
@Suite struct IndexTests {
    @Test func recordFollowsTheHeadAndMatchesTheChain() throws {
        try IndexFixture.with { f in
            let r = f.registry
            try f.register("fraud", params: ["lr": 0.01], metrics: ["auc": 0.9], time: "2026-03-01T10:00:00Z")
            try f.register("fraud", params: ["lr": 0.02], metrics: ["auc": 0.93], time: "2026-03-02T10:00:00Z")
            try r.tag(model: "fraud", version: 1, tag: "reviewed", force: false)
            try r.promote(model: "fraud", version: 2, stage: "production", reason: "better")
            #expect(try f.recordHead("fraud") == r.head(of: "fraud"))
            #expect(sameState(try r.state(of: "fraud"), try r.chainState("fraud")))
            let asOf = Timestamp.parse("2026-03-01T23:00:00Z")!
            #expect(sameState(try r.state(of: "fraud", asOf: asOf), try r.chainState("fraud", asOf: asOf)))
            // The log from the index is the chain, event for event.
            let fromIndex = try RegistryIndex(registry: r).events(of: "fraud")
            let fromChain = try r.events(of: "fraud")
            #expect(fromIndex.map(\.id) == fromChain.map(\.id))
            #expect(fromIndex.map(\.event) == fromChain.map(\.event))
            let summary = try RegistryIndex(registry: r).modelSummaries()
            #expect(summary.count == 1 && summary[0].latestVersion == 2 && summary[0].versionCount == 2)
            #expect(summary[0].stages == ["production": 2] && summary[0].tags == ["reviewed": 1])
            #expect(summary[0].eventCount == 4)
        }
    }

    @Test func aHeadMovedByAnotherProcessMakesTheRecordStaleAndItCatchesUp() throws {
        try IndexFixture.with { f in
            let r = f.registry
            try f.register("m", params: ["lr": 0.01])
            _ = try RegistryIndex(registry: r).modelSummaries()  // writes the snapshot too
            let before = try f.recordHead("m")
            try f.appendBehindIndex("m") { s in
                Event(model: "m", sequence: 0, parent: nil, action: .tag, version: 1, manifest: s.versions[1]!.manifest,
                      tag: "blessed", actor: "Bob <bob@example.com>", time: "2026-03-05T00:00:00Z")
            }
            #expect(try f.recordHead("m") == before)  // nothing updated the index
            #expect(try r.state(of: "m").tags == ["blessed": 1])
            #expect(try f.recordHead("m") == r.head(of: "m"))  // healed and written back
            #expect(try RegistryIndex(registry: r).modelSummaries()[0].tags == ["blessed": 1])
            #expect(try RegistryIndex(registry: r).search(SearchQuery.parse("tag = 'blessed'")).hits.count == 1)
        }
    }

    @Test func aRecordWrittenForAnOldHeadIsIgnored() throws {
        try IndexFixture.with { f in
            let r = f.registry
            try f.register("m", metrics: ["auc": 0.5])
            _ = try RegistryIndex(registry: r).modelSummaries()
            let oldRecord = try Data(contentsOf: URL(fileURLWithPath: "\(f.root)/index/models/m"))
            let oldSnapshot = try Data(contentsOf: URL(fileURLWithPath: "\(f.root)/index/all"))
            try f.register("m", metrics: ["auc": 0.99])
            // Another process, slower, writes back what it computed for the old head.
            try oldRecord.write(to: URL(fileURLWithPath: "\(f.root)/index/models/m"))
            try oldSnapshot.write(to: URL(fileURLWithPath: "\(f.root)/index/all"))
            #expect(try r.state(of: "m").latestVersion == 2)
            #expect(try RegistryIndex(registry: r).modelSummaries()[0].latestVersion == 2)
            let hits = try RegistryIndex(registry: r).search(SearchQuery.parse("metrics.auc > 0.9")).hits
            #expect(hits.map(\.fields.version) == [2])
        }
    }

    @Test func aDeletedOrDamagedIndexIsRebuilt() throws {
        try IndexFixture.with { f in
            let r = f.registry
            for i in 0..<3 { try f.register("m\(i)", params: ["i": .int(Int64(i))]) }
            _ = try RegistryIndex(registry: r).modelSummaries()
            try FileManager.default.removeItem(atPath: "\(f.root)/index")
            #expect(try RegistryIndex(registry: r).modelSummaries().map(\.model) == ["m0", "m1", "m2"])
            #expect(FileManager.default.fileExists(atPath: "\(f.root)/index/all"))
            #expect(try f.recordHead("m1") == r.head(of: "m1"))
            // Damage: a truncated record, a flipped byte in the snapshot, an empty file.
            let record = "\(f.root)/index/models/m1"
            let bytes = try Data(contentsOf: URL(fileURLWithPath: record))
            try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: record))
            var snap = try Data(contentsOf: URL(fileURLWithPath: "\(f.root)/index/all"))
            snap[snap.count / 2] ^= 0xff
            try snap.write(to: URL(fileURLWithPath: "\(f.root)/index/all"))
            try Data().write(to: URL(fileURLWithPath: "\(f.root)/index/models/m2"))
            #expect(sameState(try r.state(of: "m1"), try r.chainState("m1")))
            #expect(try RegistryIndex(registry: r).search(SearchQuery.parse("params.i >= 1")).hits.map(\.model).sorted() == ["m1", "m2"])
            #expect(try RegistryIndex(registry: r).modelSummaries().count == 3)
        }
    }

    @Test func listReadsTheSnapshotSummariesAndTheRecordsOfStaleModels() throws {
        try IndexFixture.with { f in
            let r = f.registry
            for i in 0..<41 { try f.register(String(format: "m%02d", i), metrics: ["auc": .double(Double(i) / 100)]) }
            _ = try RegistryIndex(registry: r).modelSummaries()
            let snapshot = "\(f.root)/index/all"
            let written = try Data(contentsOf: URL(fileURLWithPath: snapshot))
            // One stale model (below the rewrite threshold of 2 for 41 models): the snapshot stays.
            try f.appendBehindIndex("m07") { s in
                Event(model: "m07", sequence: 0, parent: nil, action: .tag, version: 1, manifest: s.versions[1]!.manifest,
                      tag: "late", actor: "Bob <bob@example.com>", time: "2026-03-05T00:00:00Z")
            }
            let summaries = try RegistryIndex(registry: r).modelSummaries()
            #expect(summaries.count == 41 && summaries[7].model == "m07" && summaries[7].tags == ["late": 1])
            #expect(summaries[8].tags.isEmpty && summaries[8].latestVersion == 1)
            #expect(try Data(contentsOf: URL(fileURLWithPath: snapshot)) == written)
            #expect(try RegistryIndex(registry: r).search(SearchQuery.parse("tag = 'late'")).hits.map(\.model) == ["m07"])
            // A second stale model reaches it: the snapshot is written again, reflecting both.
            try f.appendBehindIndex("m08") { s in
                Event(model: "m08", sequence: 0, parent: nil, action: .tag, version: 1, manifest: s.versions[1]!.manifest,
                      tag: "late", actor: "Bob <bob@example.com>", time: "2026-03-05T00:00:00Z")
            }
            #expect(try RegistryIndex(registry: r).modelSummaries().filter { !$0.tags.isEmpty }.map(\.model) == ["m07", "m08"])
            let summariesNow = try IndexSnapshot.readSummaries(snapshot)!
            #expect(try summariesNow["m08"]?.tags == ["late": 1] && summariesNow["m07"]?.head == r.head(of: "m07"))
            // A damaged summary section is ignored (and rewritten).
            var bytes = try Data(contentsOf: URL(fileURLWithPath: snapshot))
            bytes[IndexFile.headerSize + IndexSnapshot.prefixSize + 3] ^= 0x55
            try bytes.write(to: URL(fileURLWithPath: snapshot))
            #expect(throws: IndexCorrupt.self) { try IndexSnapshot.readSummaries(snapshot) }
            #expect(try RegistryIndex(registry: r).modelSummaries().count == 41)
            #expect(try IndexSnapshot.readSummaries(snapshot)?.count == 41)
        }
    }

    @Test func aRewrittenHistoryIsReplayedFromTheStart() throws {
        try IndexFixture.with { f in
            let r = f.registry
            try f.register("m", params: ["a": 1])
            try f.register("m", params: ["a": 2])
            #expect(try r.state(of: "m").latestVersion == 2)
            // A pull replaced the chain: one event, no common history.
            let manifest = try r.state(of: "m").versions[2]!.manifest
            let event = Event(model: "m", sequence: 1, parent: nil, action: .register, version: 1, manifest: manifest,
                              actor: "Remote <r@example.com>", time: "2026-04-01T00:00:00Z")
            let id = try r.store.write(type: .event, bytes: event.json.canonicalBytes).id
            try r.refs.update(Registry.headRef("m"), to: id)
            let state = try r.state(of: "m")
            #expect(state.versions.count == 1 && state.versions[1]?.manifest == manifest && state.eventCount == 1)
            let hits = try RegistryIndex(registry: r).search(SearchQuery.parse("")).hits
            #expect(hits.count == 1 && hits[0].fields.params == ["a": 2] && hits[0].fields.author == "Remote <r@example.com>")
        }
    }

    @Test func reindexRebuildsEverythingFromObjectsAndRefs() throws {
        try IndexFixture.with { f in
            let r = f.registry
            for m in ["a", "b"] { for _ in 0..<3 { try f.register(m, params: ["x": .string(UUID().uuidString)]) } }
            try r.promote(model: "a", version: 3, stage: "production", reason: nil)
            try "junk".write(toFile: "\(f.root)/index/models/zzz", atomically: true, encoding: .utf8)
            let report = try RegistryIndex(registry: r).reindex()
            #expect(report.models == 2 && report.versions == 6 && report.events == 7)
            #expect(report.bytes > 0)
            #expect(!FileManager.default.fileExists(atPath: "\(f.root)/index/models/zzz"))
            #expect(try RegistryIndex(registry: r).modelSummaries().first { $0.model == "a" }?.stages == ["production": 3])
        }
    }

    @Test func theMergedLogOfAllModelsMatchesTheChains() throws {
        try IndexFixture.with { f in
            let r = f.registry
            for (i, m) in ["b", "a", "c"].enumerated() {
                for v in 0..<3 { try f.register(m, params: ["v": .int(Int64(v))], time: "2026-03-0\(v + 1)T10:0\(i):00Z") }
            }
            try f.appendBehindIndex("a") { s in
                Event(model: "a", sequence: 0, parent: nil, action: .promote, version: 2, manifest: s.versions[2]!.manifest,
                      stage: "production", actor: "Ada <ada@example.com>", time: "2026-03-02T10:01:00Z")
            }
            // The reference: every chain read from objects, sorted as `log` sorts.
            var all = [LogEntry]()
            for m in try r.models() { all += try r.events(of: m).map { LogEntry(id: $0.id, event: $0.event) } }
            all.sort { ($0.event.time, $0.event.model, $0.event.sequence) > ($1.event.time, $1.event.model, $1.event.sequence) }
            #expect(try r.log(model: nil).map(\.id) == all.map(\.id))
            #expect(try r.log(model: nil, limit: 4).map(\.id) == Array(all.prefix(4)).map(\.id))
            #expect(try r.log(model: nil, stage: "production").map(\.event.model) == ["a"])
            let until = Timestamp.parse("2026-03-02T10:00:30Z")!
            #expect(try r.log(model: nil, until: until).map(\.id)
                    == all.filter { Timestamp.parse($0.event.time)! <= until }.map(\.id))
            #expect(try r.log(model: nil).first?.event == all.first?.event)
        }
    }

    @Test func eventsKeepEveryFieldTheyCarry() throws {
        try IndexFixture.with { f in
            let r = f.registry
            try f.register("m")
            // An event with fields this index does not know about must come back byte for byte.
            try f.appendBehindIndex("m") { s in
                Event(model: "m", sequence: 0, parent: nil, action: .promote, version: 1, manifest: s.versions[1]!.manifest,
                      stage: "production", actor: "Ada <ada@example.com>", time: "2026-03-02T00:00:00Z", reason: "ok")
            }
            let head = try r.head(of: "m")!
            let payload = try r.store.read(head, as: .event)
            let record = try RegistryIndex(registry: r).record(model: "m")!
            let raw = try record.rawEvents().last!
            #expect(raw.id == head && raw.payload == payload)
        }
    }

    /// A count or offset past a 32-bit field marks the writer instead of trapping, so a model too
    /// large for an index record is an error naming it, never a crash.
    @Test func indexCountsThatDoNotFitAreReportedNotTrapped() {
        var w = ByteWriter()
        w.u32(count: Int(UInt32.max))
        #expect(!w.overflowed)
        w.u32(count: Int(UInt32.max) + 1)
        #expect(w.overflowed && w.count == 8)
    }
}
