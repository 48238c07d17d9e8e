import MregTestSupport
import Foundation
import SystemPackage
import Testing
@testable import MregStore

/// Entries under `refs/` that are not refs (Finder's, NFS's, crashed writers', a user's)
/// are skipped by listing and reported by fsck, never followed, opened or trapped on.
@Suite("Stray entries under refs/")
struct RefStoreStrayTests {
    let head: RefName
    let version: RefName

    init() throws {
        head = try RefName("refs/models/fraud/head")
        version = try RefName("refs/models/fraud/versions/1")
    }

    /// A store with two good refs (to objects it holds) and every kind of stray entry beside them.
    func makeLitteredStore(in dir: String) throws -> (Repository, [ObjectID]) {
        let (repo, _) = try Repository.initialize(at: dir, environment: ["MREG_CONFIG_GLOBAL": "\(dir)/none"])
        let a = try repo.objects.write(type: .blob, bytes: Array("a".utf8)).id
        let b = try repo.objects.write(type: .blob, bytes: Array("b".utf8)).id
        try repo.refs.update(head, to: a)
        try repo.refs.update(version, to: b)
        let models = "\(repo.root)/refs/models"
        let fraud = "\(models)/fraud"
        // Finder and NFS leftovers, as files and as a folder.
        try writeBytes([0, 0, 0, 1], to: "\(models)/.DS_Store")
        try writeBytes([0, 0, 0, 1], to: "\(fraud)/.DS_Store")
        try writeBytes(Array("\(a.hex)\n".utf8), to: "\(fraud)/.nfs0000000001a2b3c4000001")
        try FileManager.default.createDirectory(atPath: "\(fraud)/.hidden-folder/x", withIntermediateDirectories: true)
        try writeBytes(Array("\(a.hex)\n".utf8), to: "\(fraud)/.hidden-folder/x/head")
        // A lock folder (not a lock file), with a ref-like file inside.
        try FileManager.default.createDirectory(atPath: "\(fraud)/stages.lock", withIntermediateDirectories: true)
        try writeBytes(Array("\(a.hex)\n".utf8), to: "\(fraud)/stages.lock/production")
        // Names a ref cannot have: a file and a folder.
        try writeBytes(Array("\(a.hex)\n".utf8), to: "\(fraud)/has space")
        try FileManager.default.createDirectory(atPath: "\(fraud)/a~b", withIntermediateDirectories: true)
        try writeBytes(Array("\(a.hex)\n".utf8), to: "\(fraud)/a~b/head")
        // A name that is not UTF-8.
        let raw: [CChar] = [0x76, CChar(bitPattern: 0xff), 0]
        let odd = try #require(FilePath.Component(platformString: raw))
        let oddFile = try OpenFile.creatingNew(FilePath(fraud).appending(odd), permissions: 0o644)
        try oddFile.writeAll(Array("\(a.hex)\n".utf8))
        oddFile.close()
        // A FIFO with a valid ref name: opening it for reading would block.
        #expect(mkfifo("\(fraud)/versions/2", 0o644) == 0)
        // Symbolic links, one of them a loop back up the tree.
        try FileManager.default.createSymbolicLink(atPath: "\(fraud)/loop", withDestinationPath: "..")
        try FileManager.default.createSymbolicLink(atPath: "\(fraud)/versions/3", withDestinationPath: "1")
        return (repo, [a, b])
    }

    @Test(.timeLimit(.minutes(1)))
    func listingSkipsStrayEntries() throws {
        try withTemporaryDirectory { dir in
            let (repo, ids) = try makeLitteredStore(in: dir)
            let listed = try repo.refs.list()
            #expect(listed.map(\.name) == [head, version])
            #expect(listed.map(\.id) == ids)
            #expect(try repo.refs.list(prefix: "refs/models/fraud/versions/").map(\.name) == [version])
            #expect(try repo.refs.list(prefix: "refs/models/fraud").count == 2)
            #expect(repo.refs.lockFiles().isEmpty)
            #expect(repo.refs.folderNames(under: "refs/models") == ["fraud"])
            #expect(repo.refs.folderNames(under: "refs/models/fraud") == ["versions"])
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func scanSaysWhyEachEntryIsNotARef() throws {
        try withTemporaryDirectory { dir in
            let (repo, _) = try makeLitteredStore(in: dir)
            let fraud = "\(repo.root)/refs/models/fraud"
            var strays = [String: RefEntry.Stray]()
            var refs = [RefName]()
            for entry in repo.refs.scan() {
                switch entry {
                case .ref(let name, _): refs.append(name)
                case .stray(let path, let why): strays[path] = why
                case .corrupt, .lock: Issue.record("unexpected \(entry)")
                }
            }
            #expect(refs == [head, version])
            #expect(strays["\(repo.root)/refs/models/.DS_Store"] == .hidden)
            #expect(strays["\(fraud)/.DS_Store"] == .hidden)
            #expect(strays["\(fraud)/.nfs0000000001a2b3c4000001"] == .hidden)
            #expect(strays["\(fraud)/.hidden-folder"] == .hidden)
            #expect(strays["\(fraud)/stages.lock"] == .lockFolder)
            #expect(strays["\(fraud)/versions/2"] == .notRegularFile)
            #expect(strays["\(fraud)/loop"] == .symbolicLink)
            #expect(strays["\(fraud)/versions/3"] == .symbolicLink)
            if case .invalidName? = strays["\(fraud)/has space"] {} else { Issue.record("'has space': \(String(describing: strays["\(fraud)/has space"]))") }
            if case .invalidName? = strays["\(fraud)/a~b"] {} else { Issue.record("'a~b': \(String(describing: strays["\(fraud)/a~b"]))") }
            #expect(strays.values.contains(.invalidName("it is not UTF-8")))
            // Folders that are not walked into contribute nothing below them.
            #expect(!strays.keys.contains { $0.hasPrefix("\(fraud)/stages.lock/") || $0.hasPrefix("\(fraud)/a~b/") || $0.contains("/loop/") })
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func fsckReportsStraysWithoutFailing() throws {
        try withTemporaryDirectory { dir in
            let (repo, ids) = try makeLitteredStore(in: dir)
            let report = repo.fsck()
            #expect(report.refsChecked == 2)
            #expect(report.isClean, "\(report.errors)")
            // Both objects are reached from the good refs: nothing dangles.
            #expect(!report.findings.contains { $0.kind == "dangling" })
            let strays = report.findings.filter { $0.kind == "stray" }
            #expect(strays.contains { $0.severity == .info && $0.message.contains(".DS_Store") })
            #expect(strays.contains { $0.severity == .warning && $0.message.contains("stages.lock") })
            #expect(strays.contains { $0.severity == .warning && $0.message.contains("\(repo.root)/refs/models/fraud/versions/2") })
            #expect(strays.contains { $0.severity == .warning && $0.message.contains("symbolic link") })
            #expect(ids.allSatisfy(repo.objects.contains))
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func aCorruptRefIsReportedAndTheOthersStillCount() throws {
        try withTemporaryDirectory { dir in
            let (repo, _) = try makeLitteredStore(in: dir)
            let broken = try RefName("refs/models/fraud/tags/best")
            try writeBytes(Array("not an id\n".utf8), to: repo.refs.path(for: broken))
            #expect(throws: StoreError.corruptRef(ref: broken, path: FilePath(repo.refs.path(for: broken)))) {
                try repo.refs.list()
            }
            let report = repo.fsck()
            #expect(report.refsChecked == 3)
            #expect(report.errors.map(\.kind) == ["badref"])
            #expect(!report.findings.contains { $0.kind == "dangling" })
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func readingAFIFOWithARefsNameDoesNotBlock() throws {
        try withTemporaryDirectory { dir in
            let refs = RefStore(root: dir)
            let name = try RefName("refs/models/m/head")
            try FileManager.default.createDirectory(atPath: "\(dir)/refs/models/m", withIntermediateDirectories: true)
            #expect(mkfifo(refs.path(for: name), 0o644) == 0)
            #expect(throws: StoreError.corruptRef(ref: name, path: FilePath(refs.path(for: name)))) { try refs.read(name) }
            #expect(LockFile.owner(at: refs.path(for: name)) == nil)
        }
    }

    @Test func lockFilesAreListedAndLockFoldersAreNot() throws {
        try withTemporaryDirectory { dir in
            let refs = RefStore(root: dir)
            let a = ObjectID.compute(type: .blob, payload: [1])
            try refs.update(head, to: a)
            try writeBytes([], to: "\(dir)/refs/models/fraud/head.lock")
            try FileManager.default.createDirectory(atPath: "\(dir)/refs/models/fraud/tags.lock", withIntermediateDirectories: true)
            #expect(refs.lockFiles() == ["\(dir)/refs/models/fraud/head.lock"])
            #expect(try refs.list().map(\.name) == [head])
        }
    }

    @Test func folderNamesAreModelFoldersOnly() throws {
        try withTemporaryDirectory { dir in
            let refs = RefStore(root: dir)
            let a = ObjectID.compute(type: .blob, payload: [1])
            try refs.update(head, to: a)
            // A ref directly in refs/models is a ref, but not a model's folder.
            let loose = try RefName("refs/models/notes")
            try refs.update(loose, to: a)
            try writeBytes([], to: "\(dir)/refs/models/.DS_Store")
            try FileManager.default.createDirectory(atPath: "\(dir)/refs/models/other.lock", withIntermediateDirectories: true)
            #expect(refs.folderNames(under: "refs/models") == ["fraud"])
            #expect(try refs.list().map(\.name) == [head, loose])
            #expect(refs.folderNames(under: "refs/../objects").isEmpty)
            #expect(refs.folderNames(under: "refs/nothing").isEmpty)
        }
    }
}
