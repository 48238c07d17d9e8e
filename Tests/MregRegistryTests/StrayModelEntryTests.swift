import MregTestSupport
import Foundation
import Testing
@testable import MregRegistry
@testable import MregFilter
@testable import MregSupport
@testable import MregIndex
@testable import MregGovernance
@testable import MregRemote
@testable import MregSupport
@testable import MregIndex
@testable import MregGovernance
@testable import MregRemote
@testable import MregStore

/// Entries under `refs/models/` that are not model folders are skipped, never trapped on.
@Suite struct StrayModelEntryTests {
    /// Adds `.DS_Store`, an NFS silly-rename file, a `x.lock` folder, folders whose names are not
    /// model names (holding a head that names a real event) and a plain file with a model-like name.
    static func addStrayEntries(root: String, head: ObjectID) throws {
        let models = "\(root)/refs/models"
        let fm = FileManager.default
        for folder in ["x.lock", "Bad Name", ".hidden", "a..b"] {
            try fm.createDirectory(atPath: "\(models)/\(folder)", withIntermediateDirectories: true)
            #expect(fm.createFile(atPath: "\(models)/\(folder)/head", contents: Data("\(head.hex)\n".utf8)))
        }
        #expect(fm.createFile(atPath: "\(models)/.DS_Store", contents: Data([0, 0, 0, 1, 0x42, 0x75, 0x64, 0x31])))
        #expect(fm.createFile(atPath: "\(models)/.nfs000000000000123400000001", contents: Data("x".utf8)))
        #expect(fm.createFile(atPath: "\(models)/notes", contents: Data("not a model\n".utf8)))
    }

    @Test func listingModelsSkipsWhatIsNotAModelFolder() throws {
        try IndexFixture.with { f in
            try f.register("fraud", metrics: ["auc": .double(0.9)])
            try f.register("fraud", metrics: ["auc": .double(0.93)])
            try f.register("churn", metrics: ["auc": .double(0.8)])
            let head = try #require(try f.registry.head(of: "fraud"))
            try Self.addStrayEntries(root: f.root, head: head)
            IndexFileSystem.removeTree("\(f.root)/index")

            #expect(Registry.listModels(root: f.root).map(\.rawValue) == ["churn", "fraud"])
            #expect(try f.registry.models() == ["churn", "fraud"])
            #expect(try f.registry.log(model: nil).count == 3)
            let index = RegistryIndex(registry: f.registry)
            #expect(try index.modelSummaries().map(\.model) == ["churn", "fraud"])
            let hits = try index.search(SearchQuery.parse("metrics.auc > 0.5")).hits.map(\.model)
            #expect(hits.sorted() == ["churn", "fraud", "fraud"])
            #expect(try index.rebuild().models == 2)
            // (The fixture's files are stand-ins that do not match their digests, so only the models verified are checked.)
            let verify = try Governance(f.registry).verify()
            #expect(verify.models.map(\.model) == ["churn", "fraud"])

            // The registry's own checks are clean; the plain file is the store's concern (a ref holding no id).
            let report = try f.registry.fsck()
            #expect(report.errors.allSatisfy { $0.kind == "badref" && $0.message.contains("notes") }, "\(report.findings)")
            try FileManager.default.removeItem(atPath: "\(f.root)/refs/models/notes")
            #expect(try f.registry.fsck().isClean)
        }
    }

    @Test func refsAreBuiltOnlyFromValidNames() throws {
        #expect(try ModelName("fraud").headRef.rawValue == "refs/models/fraud/head")
        #expect(try ModelName("fraud").tagRef(TagName("best")).rawValue == "refs/models/fraud/tags/best")
        #expect(try ModelName("fraud").stageRef("production").rawValue == "refs/models/fraud/stages/production")
        for bad in [".DS_Store", "x.lock", "Bad Name", "", "a..b", "a/b"] {
            #expect(ModelName(validating: bad) == nil, "\(bad)")
            #expect(throws: RegistryError.self) { try Registry.headRef(bad) }
        }
        #expect(throws: RegistryError.self) { try ModelName("fraud").stageRef("../x") }
        #expect(throws: RegistryError.self) { try TagName("v3") }
    }

    @Test func aForgedTagInTheChainIsReportedNotTrappedOn() throws {
        try IndexFixture.with { f in
            try f.register("fraud")
            try f.registry.appendEvent(model: "fraud") { state in
                .append(Event(model: "fraud", sequence: 0, parent: nil, action: .tag, version: 1,
                              manifest: state.versions[1]?.manifest, tag: "../../escape", actor: "Eve", time: "2026-03-02T00:00:00Z"))
            }
            let report = try f.registry.fsck()
            #expect(report.errors.contains { $0.kind == "chain" && $0.message.contains("invalid tag name") }, "\(report.findings)")
            #expect(!FileManager.default.fileExists(atPath: "\(f.root)/escape"))
        }
    }
}
