import MregTestSupport
import Foundation
import SystemPackage
import Testing
@testable import MregStore

/// Damage found by readers is named and classed as damage; damaged refs can be repaired;
/// fsck's report stays bounded.
@Suite("Damage reporting in the store")
struct DamageReportingTests {
    @Test func aLinkToAnObjectOfAnotherTypeIsDamageNamingIt() throws {
        try withTemporaryDirectory { dir in
            let store = makeObjectStore(in: dir)
            let blob = try store.write(type: .blob, bytes: Array("not an event".utf8)).id
            let error = #expect(throws: StoreError.self) { try store.read(blob, as: .event) }
            #expect(error?.code == .corrupt)
            #expect(error.map { "\($0)" }?.contains(blob.abbreviated()) == true, "\(String(describing: error))")
            #expect(error.map { "\($0)" }?.contains("where an event is expected") == true)
            #expect(try store.read(blob, as: .blob) == Array("not an event".utf8))
        }
    }

    @Test func aDamagedRefIsRewrittenAndDeletedByAnUnconditionalUpdate() throws {
        try withTemporaryDirectory { dir in
            let (repo, _) = try Repository.initialize(at: dir, environment: ["MREG_CONFIG_GLOBAL": "\(dir)/none"])
            let id = try repo.objects.write(type: .blob, bytes: Array("a".utf8)).id
            let ref = try RefName("refs/models/m/versions/1")
            let other = try RefName("refs/models/m/versions/2")
            try writeBytes(Array("garbage\n".utf8), to: repo.refs.path(for: ref))
            try writeBytes([], to: repo.refs.path(for: other))
            #expect(storeErrorCode { _ = try repo.refs.read(ref) } == .corrupt)
            // A compare-and-swap against a value still reads (and refuses) the damaged ref.
            #expect(storeErrorCode { try repo.refs.update(ref, to: id, expecting: .value(id)) } == .corrupt)
            try repo.refs.update(ref, to: id)
            #expect(try repo.refs.read(ref) == id)
            #expect(repo.refs.names(prefix: "refs/models/m/") == [ref, other])
            try repo.refs.delete(other)
            #expect(repo.refs.names(prefix: "refs/models/m/") == [ref])
        }
    }

    @Test func fsckKeepsAThousandFindingsOfASeverityAndCountsTheRest() {
        var report = FsckReport()
        for i in 0..<1005 { report.add(.error, "badref", "bad ref \(i)") }
        for i in 0..<3 { report.add(.warning, "stray", "stray \(i)") }
        #expect(report.findings.count == 1003)
        #expect(report.errors.count == FsckReport.maximumFindings)
        #expect(report.errorCount == 1005)
        #expect(report.omitted[.error] == 5 && report.omitted[.warning] == nil)
        #expect(!report.isClean)
        var clean = FsckReport()
        for i in 0..<1200 { clean.add(.info, "dangling", "dangling \(i)") }
        #expect(clean.isClean && clean.omitted[.info] == 200)
    }

    @Test func fsckReportsEveryDamagedRefNamingIt() throws {
        try withTemporaryDirectory { dir in
            let (repo, _) = try Repository.initialize(at: dir, environment: ["MREG_CONFIG_GLOBAL": "\(dir)/none"])
            for i in 0..<12 { try writeBytes(Array("junk\n".utf8), to: "\(repo.root)/refs/tests/r\(i)") }
            let report = repo.fsck()
            let bad = report.findings.filter { $0.kind == "badref" }
            #expect(bad.count == 12 && report.errorCount == 12)
            #expect(Set(bad.compactMap(\.ref)) == Set((0..<12).map { "refs/tests/r\($0)" }))
        }
    }
}
