import Foundation
import MregTestSupport
import Testing
@testable import MregRegistry
#if canImport(Glibc)
import Glibc
#endif

/// Export's staging folder: owner names, cleanup of dead exports', and moves that are undone on failure.
@Suite struct ExportStagingTests {
    /// A staging folder in `target` holding `files` (path → text) under its tree.
    private func staged(_ target: String, _ files: [String: String]) throws -> ExportStaging {
        let staging = try ExportStaging(in: target)
        for (path, text) in files { try writeFile("\(staging.tree)/\(path)", text) }
        return staging
    }

    @Test func theNameRecordsTheOwnerAndOnlyReadableNamesAreParsed() throws {
        let name = ExportStaging.name(pid: 4242, host: "node-7.example.org", random: 99)
        #expect(name.hasPrefix(".mreg-export-4242@node-7.example.org~"))
        let owner = try #require(ExportStaging.owner(ofName: name))
        #expect(owner.pid == 4242 && owner.host == "node-7.example.org")
        // A host that cannot be written safely is `?`, and such a folder is never taken for a dead one.
        let odd = ExportStaging.name(pid: 1, host: "a/b~c", random: 1)
        #expect(odd.hasPrefix(".mreg-export-1@?~") && ExportStaging.owner(ofName: odd) == nil)
        // The names older mregs used carry no host: not parsed, so never removed.
        #expect(ExportStaging.owner(ofName: ".mreg-export-123-456") == nil)
        #expect(ExportStaging.owner(ofName: "model.bin") == nil)
    }

    @Test func onlyTheStagingOfDeadProcessesOnThisHostIsRemoved() throws {
        try withTemporaryDirectory { target in
            let host = ExportStaging.hostName()
            let dead = ExportStaging.name(pid: Int32.max - 1, host: host, random: 1)
            let live = ExportStaging.name(pid: getpid(), host: host, random: 2)
            let other = ExportStaging.name(pid: Int32.max - 1, host: "elsewhere-\(host)", random: 3)
            for name in [dead, live, other] { try writeFile("\(target)/\(name)/tree/a/b.bin", "x") }
            // A file (not a folder) with a dead owner's name is not staging: left alone.
            let file = ExportStaging.name(pid: Int32.max - 1, host: host, random: 4)
            try writeFile("\(target)/\(file)", "not mine")
            #expect(ExportStaging.removeStale(in: target) == [dead])
            #expect(Set(try FileManager.default.contentsOfDirectory(atPath: target)) == [live, other, file])
        }
    }

    @Test func installMovesNewFoldersWholeAndMergesExistingOnes() throws {
        try withTemporaryDirectory { target in
            try writeFile("\(target)/sub/mine.txt", "mine")
            let staging = try staged(target, ["a.txt": "a", "sub/b.txt": "b", "new/deep/c.txt": "c"])
            try staging.install(["a.txt", "sub/b.txt", "new/deep/c.txt"], force: false, version: "m@v1")
            staging.remove()
            #expect(try readFile("\(target)/a.txt") == Array("a".utf8))
            #expect(try readFile("\(target)/sub/b.txt") == Array("b".utf8))
            #expect(try readFile("\(target)/sub/mine.txt") == Array("mine".utf8))
            #expect(try readFile("\(target)/new/deep/c.txt") == Array("c".utf8))
            #expect(Set(try FileManager.default.contentsOfDirectory(atPath: target)) == ["a.txt", "sub", "new"])
        }
    }

    @Test func aFailureWhileMovingUndoesEveryMove() throws {
        try withTemporaryDirectory { target in
            // `z` is a folder where the version has a file: found only after `a.txt` (replaced)
            // and `new/` (moved in whole) are in place.
            try writeFile("\(target)/a.txt", "old a")
            try writeFile("\(target)/z/keep.txt", "keep")
            let before = snapshot(target)
            let staging = try staged(target, ["a.txt": "new a", "new/c.txt": "c", "z": "z"])
            #expect(throws: RegistryError.self) {
                try staging.install(["a.txt", "new/c.txt", "z"], force: true, version: "m@v1")
            }
            staging.remove()
            #expect(differences(before, snapshot(target)).isEmpty)
        }
    }

    @Test func withoutForceAFileThatAppearedMeanwhileIsAConflictAndNothingStays() throws {
        try withTemporaryDirectory { target in
            try writeFile("\(target)/b.txt", "someone else's")
            let before = snapshot(target)
            let staging = try staged(target, ["a.txt": "a", "b.txt": "b"])
            do {
                try staging.install(["a.txt", "b.txt"], force: false, version: "m@v1")
                Issue.record("install did not fail")
            } catch RegistryError.conflict(.pathExists(let path)) {
                #expect(path == "\(target)/b.txt")
            }
            staging.remove()
            #expect(differences(before, snapshot(target)).isEmpty)
        }
    }
}
