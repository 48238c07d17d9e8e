import Foundation
import MregTestSupport
import SystemPackage
import Testing
@testable import MregStore

@Suite("Leftovers of interrupted writes: temp files and stale locks")
struct LeftoverTests {
    let deadPid = Int32.max - 1

    func makeStore(_ dir: String) throws -> Repository {
        try Repository.initialize(at: dir, environment: ["MREG_CONFIG_GLOBAL": "\(dir)/none"]).0
    }

    @Test func tempFilesAreFoundWhereWritesLeaveThem() throws {
        try withTemporaryDirectory { dir in
            let repo = try makeStore(dir)
            let root = repo.root
            let temps = ["\(root)/objects/tmp_obj_12_abc", "\(root)/objects/tmp_obj_stdin_3_x",
                         "\(root)/refs/models/m/head.lock~k2", "\(root)/config.lock~9", "\(root)/statcache.lock~7",
                         "\(root)/index/.tmp-4-5", "\(root)/index/models/team/.tmp-6-7",
                         "\(root)/refs/models/m/head.lock~break"]
            for path in temps { try writeBytes([1], to: path) }
            try FileManager.default.createDirectory(atPath: "\(root)/objects/tmp_obj_incoming_1_2/ab", withIntermediateDirectories: true)
            // Not temp files: a ref, an object-like name, the index's own files.
            try writeBytes(Array("\(String(repeating: "a", count: 64))\n".utf8), to: "\(root)/refs/models/m/head")
            try writeBytes([1], to: "\(root)/index/all")
            let found = repo.tempFiles().map(\.path)
            #expect(found == (temps + ["\(root)/objects/tmp_obj_incoming_1_2"]).sorted())
            #expect(repo.tempFiles().allSatisfy { $0.age < 60 })
        }
    }

    @Test func aRepairRemovesStaleLocksAndOnlyTempFilesOlderThanTheGrace() throws {
        try withTemporaryDirectory { dir in
            let repo = try makeStore(dir)
            let root = repo.root
            let stale = "\(root)/refs/models/m/head.lock"
            let live = "\(root)/refs/models/n/head.lock"
            let foreign = "\(root)/refs/models/o/head.lock"
            let emptyOld = "\(root)/config.lock"
            let emptyNew = "\(root)/statcache.lock"
            try writeBytes(Array("pid=\(deadPid) host=\(LocalHost.name()) time=2024-01-02T03:04:05Z\n".utf8), to: stale)
            try writeBytes(Array("pid=\(getpid()) host=\(LocalHost.name()) time=2024-01-02T03:04:05Z\n".utf8), to: live)
            try writeBytes(Array("pid=\(deadPid) host=elsewhere.example time=2024-01-02T03:04:05Z\n".utf8), to: foreign)
            try writeBytes([], to: emptyOld)
            try setModificationTime(emptyOld, secondsAgo: 60)
            try writeBytes([], to: emptyNew)
            let temp = "\(root)/objects/tmp_obj_1_a"
            try writeBytes([1, 2], to: temp)
            #expect(repo.lockFilePaths() == [emptyOld, live, foreign, stale, emptyNew].sorted())

            var done = repo.removeLeftovers(grace: 3_600)
            #expect(done.locks == [emptyOld, stale].sorted())
            #expect(done.temps.isEmpty && done.keptTemps == [temp])
            for kept in [live, foreign, emptyNew, temp] { #expect(FileManager.default.fileExists(atPath: kept)) }
            for gone in [stale, emptyOld] { #expect(!FileManager.default.fileExists(atPath: gone)) }

            // With no grace (as tests set MREG_TEMP_GRACE_SECONDS=0), the temp file goes too.
            done = repo.removeLeftovers(grace: 0)
            #expect(done.temps == [temp] && done.locks.isEmpty)
            #expect(!FileManager.default.fileExists(atPath: temp))
        }
    }

    @Test func theGraceComesFromTheEnvironment() {
        #expect(Repository.tempGrace(environment: [:]) == Repository.defaultTempGrace)
        #expect(Repository.tempGrace(environment: [Repository.tempGraceVariable: "0"]) == 0)
        #expect(Repository.tempGrace(environment: [Repository.tempGraceVariable: "90"]) == 90)
        for bad in ["", "-1", "soon", "nan", "inf"] {
            #expect(Repository.tempGrace(environment: [Repository.tempGraceVariable: bad]) == Repository.defaultTempGrace)
        }
    }

    @Test func fsckReportsLocksAndTempFilesAsWarningsWithTheirAge() throws {
        try withTemporaryDirectory { dir in
            let repo = try makeStore(dir)
            let root = repo.root
            try writeBytes(Array("pid=\(deadPid) host=\(LocalHost.name()) time=2024-01-02T03:04:05Z\n".utf8), to: "\(root)/refs/models/m/sync.lock")
            try writeBytes(Array("pid=1 host=elsewhere.example time=2024-01-02T03:04:05Z\n".utf8), to: "\(root)/refs/models/n/head.lock")
            try writeBytes([1], to: "\(root)/objects/tmp_obj_1_a")
            let report = repo.fsck()
            #expect(report.isClean)
            let messages = report.findings.map(\.message)
            #expect(messages.contains { $0.hasPrefix("stale lock '\(root)/refs/models/m/sync.lock' left by process \(deadPid)") && $0.contains("days ago") })
            #expect(messages.contains { $0.contains("'\(root)/refs/models/n/head.lock' is held by process 1 on elsewhere.example") && $0.contains("another host") })
            #expect(messages.contains { $0.hasPrefix("leftover temp file '\(root)/objects/tmp_obj_1_a'") })
        }
    }
}
