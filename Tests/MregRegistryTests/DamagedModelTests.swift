import MregTestSupport
import Foundation
import Testing
@testable import MregRegistry
@testable import MregSupport
@testable import MregIndex
@testable import MregStore

/// One damaged model is named, and does not hide or break the others.
@Suite struct DamagedModelTests {
    @Test func aDamagedHeadIsNamedAndTheOtherModelsStayReadable() throws {
        try IndexFixture.with { f in
            try f.register("fraud", metrics: ["auc": .double(0.9)])
            try f.register("churn", metrics: ["auc": .double(0.8)])
            try f.register("zeta", metrics: ["auc": .double(0.7)])
            let churnHead = "\(f.root)/refs/models/churn/head"
            let zetaHead = "\(f.root)/refs/models/zeta/head"
            try writeFile(churnHead, "garbage\n")
            try FileManager.default.removeItem(atPath: zetaHead)
            try FileManager.default.createDirectory(atPath: zetaHead, withIntermediateDirectories: false)

            #expect(try f.registry.models() == ["fraud"])
            #expect(f.registry.damagedModels().map(\.model) == ["churn", "zeta"])
            #expect(throws: StoreError.self) { try f.registry.head(of: "zeta") }
            let (summaries, damaged) = try RegistryIndex(registry: f.registry).modelSummariesAndDamage()
            #expect(summaries.map(\.model) == ["fraud"] && damaged.map(\.model) == ["churn", "zeta"])
            #expect(damaged.allSatisfy { "\($0)".contains("refs/models/\($0.model)/head") })
            let log = try f.registry.logAndDamage(model: nil)
            #expect(log.entries.map(\.event.model) == ["fraud"] && log.damaged.map(\.model) == ["churn", "zeta"])
            #expect(throws: ModelDamage.self) { try f.registry.log(model: nil) }
            let search = try RegistryIndex(registry: f.registry).search(SearchQuery.parse("metrics.auc > 0"))
            #expect(search.hits.map(\.model) == ["fraud"] && search.damaged.map(\.model) == ["churn", "zeta"])

            let report = try f.registry.fsck()
            let heads = report.errors.filter { $0.kind == "badref" }.compactMap(\.ref)
            #expect(Set(heads) == ["refs/models/churn/head", "refs/models/zeta/head"], "\(report.findings)")
        }
    }

    @Test func aBrokenChainIsNamedPerModel() throws {
        try IndexFixture.with { f in
            try f.register("fraud", metrics: ["auc": .double(0.9)])
            try f.register("churn", metrics: ["auc": .double(0.8)])
            let blob = try f.registry.store.write(type: .blob, bytes: Array("x".utf8)).id
            try writeFile("\(f.root)/refs/models/churn/head", blob.hex + "\n")
            IndexFileSystem.removeTree("\(f.root)/index")
            let (summaries, damaged) = try RegistryIndex(registry: f.registry).modelSummariesAndDamage()
            #expect(summaries.map(\.model) == ["fraud"])
            #expect(damaged.map(\.model) == ["churn"])
            #expect(damaged.first.map { "\($0)".contains(blob.abbreviated()) } == true, "\(damaged)")
            let error = #expect(throws: RegistryError.self) { try f.registry.existingState(of: "churn") }
            if case .corrupt(let c)? = error { #expect(c.object == "event chain of churn") } else { Issue.record("\(String(describing: error))") }
        }
    }

    @Test func controlCharactersAreEscapedForTextOutput() {
        #expect(Names.escaped("plain text, ü") == "plain text, ü")
        #expect(Names.escaped("a\nb\tc\rd") == "a\\nb\\tc\\rd")
        #expect(Names.escaped("x\u{1b}[31my\u{7f}\u{202e}") == "x\\u{1B}[31my\\u{7F}\\u{202E}")
    }

    @Test func controlCharactersAreRefusedInNewText() throws {
        try Names.validateText("two\nlines\twith a tab", field: "the reason", multiline: true)
        #expect(throws: RegistryError.self) { try Names.validateText("two\nlines", field: "the actor", multiline: false) }
        #expect(throws: RegistryError.self) { try Names.validateText("red\u{1b}[31m", field: "the reason", multiline: true) }
        #expect(throws: RegistryError.self) { try Names.validateText("cr\r", field: "the reason", multiline: true) }
        #expect(throws: RegistryError.self) { try Names.validateText("bidi \u{202e}", field: "the reason", multiline: true) }
    }
}
