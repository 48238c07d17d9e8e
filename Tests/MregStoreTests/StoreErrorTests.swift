import MregTestSupport
import Foundation
import SystemPackage
import Testing
@testable import MregStore

@Suite("StoreError carries typed data")
struct StoreErrorTests {
    /// A pid above Linux's pid_max and Darwin's: no such process.
    let deadPid = Int32.max - 1

    @Test func aStaleLockCarriesItsOwnerAndSaysStale() throws {
        try withTemporaryDirectory { dir in
            let lockPath = "\(dir)/x.lock"
            try writeBytes(Array("pid=\(deadPid) host=\(LocalHost.name()) time=2024-01-02T03:04:05Z\n".utf8), to: lockPath)
            // What a process that finds it gets (LockFile itself then removes it and takes over).
            let error = LockFile.heldError(at: lockPath)
            guard case .locked(let path, let owner, let stale) = error else {
                Issue.record("expected .locked, got \(error)")
                return
            }
            #expect(path == FilePath(lockPath))
            #expect(owner == LockFile.Owner(pid: deadPid, host: LocalHost.name(), time: "2024-01-02T03:04:05Z"))
            #expect(stale)
            #expect(error.isStaleLock)
            #expect(error.code == .locked)
            #expect(error.path == FilePath(lockPath))
            #expect(error.message.hasPrefix("stale lock '\(lockPath)'"))
        }
    }

    @Test func aLiveLockCarriesItsOwnerAndIsNotStale() throws {
        try withTemporaryDirectory { dir in
            let held = try LockFile(for: "\(dir)/x")
            defer { held.release() }
            let error = try #require(throws: StoreError.self) { try LockFile(for: "\(dir)/x") }
            guard case .locked(_, let owner?, let stale) = error else {
                Issue.record("expected .locked with an owner, got \(error)")
                return
            }
            #expect(owner.pid == getpid())
            #expect(owner.host == LocalHost.name())
            #expect(!stale)
            #expect(!error.isStaleLock)
        }
    }

    @Test func aLockWithoutAnOwnerIsLockedButNotStale() throws {
        try withTemporaryDirectory { dir in
            try writeBytes([], to: "\(dir)/x.lock")
            let error = try #require(throws: StoreError.self) { try LockFile(for: "\(dir)/x") }
            #expect(error == .locked(path: FilePath("\(dir)/x.lock"), owner: nil, stale: false))
        }
    }

    @Test func aMissingFileIsAnIOErrorWithItsPathAndErrno() throws {
        try withTemporaryDirectory { dir in
            let missing = "\(dir)/nope/weights.bin"
            let error = try #require(throws: StoreError.self) { try ObjectStore.hash(file: missing) }
            #expect(error == .io(operation: "open", path: FilePath(missing), errno: .noSuchFileOrDirectory))
            #expect(error.errno == .noSuchFileOrDirectory)
            #expect(error.path == FilePath(missing))
            // ENOENT still answers `code == .notFound` for callers that only ask that.
            #expect(error.code == .notFound)
            #expect(error.message == "cannot open '\(missing)': \(Errno.noSuchFileOrDirectory)")
        }
    }

    @Test func readingAFolderIsAnIOErrorNamingIt() throws {
        try withTemporaryDirectory { dir in
            let error = try #require(throws: StoreError.self) { try ObjectStore.hash(file: dir) }
            #expect(error == .io(operation: "read", path: FilePath(dir), errno: .isDirectory))
            #expect(error.code == .io)
        }
    }

    @Test func creatingOverAnExistingFileSaysAlreadyExists() throws {
        try withTemporaryDirectory { dir in
            let path = FilePath("\(dir)/taken")
            try writeBytes([1], to: path.string)
            let error = try #require(throws: StoreError.self) { try OpenFile.creatingNew(path, permissions: 0o644) }
            #expect(error.errno == .fileExists)
            #expect(error.code == .alreadyExists)
            #expect(error.path == path)
        }
    }

    @Test func notFoundSaysWhatKindOfThing() throws {
        try withTemporaryDirectory { dir in
            let store = makeObjectStore(in: dir)
            let id = ObjectID.compute(type: .blob, payload: [7])
            #expect(throws: StoreError.notFound(kind: .object, name: id.hex)) { try store.read(id) }
            #expect(throws: StoreError.notFound(kind: .object, name: id.hex)) { try store.mapStored(id) }
            #expect(throws: StoreError.notFound(kind: .object, name: id.hex)) { try store.resolve(prefix: id.hex) }
            try store.write(type: .blob, bytes: [1])
            #expect(throws: StoreError.notFound(kind: .idPrefix, name: "0000")) { try store.resolve(prefix: "0000") }

            let refs = RefStore(root: dir)
            let name = try RefName("refs/models/m/head")
            #expect(throws: StoreError.notFound(kind: .ref, name: name.rawValue)) { try refs.delete(name) }

            #expect(throws: StoreError.notFound(kind: .store, name: dir)) { try Repository(root: dir, environment: [:]) }
            let outside = try #require(throws: StoreError.self) {
                try Repository.discover(from: dir, environment: ["MREG_CONFIG_GLOBAL": "\(dir)/none"])
            }
            if case .notFound(kind: .enclosingStore, _) = outside {} else { Issue.record("expected .enclosingStore, got \(outside)") }
        }
    }

    @Test func aFailedSwapCarriesTheRefAndBothValues() throws {
        try withTemporaryDirectory { dir in
            let refs = RefStore(root: dir)
            let name = try RefName("refs/models/m/head")
            let a = ObjectID.compute(type: .blob, payload: [1]), b = ObjectID.compute(type: .blob, payload: [2])
            try refs.update(name, to: a)
            #expect(throws: StoreError.modified(ref: name, expected: .value(b), actual: a)) {
                try refs.update(name, to: b, expecting: .value(b))
            }
            #expect(throws: StoreError.modified(ref: name, expected: .absent, actual: a)) {
                try refs.update(name, to: b, expecting: .absent)
            }
            let other = try RefName("refs/models/n/head")
            #expect(throws: StoreError.modified(ref: other, expected: .value(a), actual: nil)) {
                try refs.delete(other, expecting: .value(a))
            }
        }
    }

    @Test func anAmbiguousPrefixCarriesEveryCandidate() throws {
        try withTemporaryDirectory { dir in
            let store = makeObjectStore(in: dir)
            // Write objects until two share a 4-digit prefix.
            var seen = [String: ObjectID]()
            var pair: (ObjectID, ObjectID)?
            var n = 0
            while pair == nil {
                let id = try store.write(type: .blob, bytes: Array("\(n)".utf8)).id
                let prefix = id.abbreviated(4)
                if let earlier = seen[prefix] { pair = (earlier, id) } else { seen[prefix] = id }
                n += 1
            }
            let (first, second) = try #require(pair)
            let prefix = first.abbreviated(4)
            #expect(throws: StoreError.ambiguous(prefix: prefix, candidates: [first, second].sorted())) {
                try store.resolve(prefix: prefix)
            }
        }
    }

    @Test func aDamagedObjectNamesItsIDAndFile() throws {
        try withTemporaryDirectory { dir in
            let store = makeObjectStore(in: dir, compression: .level(6))
            let id = try store.write(type: .blob, bytes: textBytes(lines: 50)).id
            let path = store.path(for: id)
            var bytes = try readBytes(path)
            bytes[bytes.count / 2] ^= 0xff
            try? FileManager.default.removeItem(atPath: path)
            try writeBytes(bytes, to: path)
            let error = try #require(throws: StoreError.self) { try store.read(id) }
            guard case .corrupt(let object, let file, _) = error else {
                Issue.record("expected .corrupt, got \(error)")
                return
            }
            #expect(object == id)
            #expect(file == FilePath(path))
            #expect(error.code == .corrupt)
        }
    }

    @Test func aRefWithoutAnIDIsACorruptRefNamingItsFile() throws {
        try withTemporaryDirectory { dir in
            let refs = RefStore(root: dir)
            let name = try RefName("refs/models/m/head")
            try writeBytes(Array("junk\n".utf8), to: refs.path(for: name))
            #expect(throws: StoreError.corruptRef(ref: name, path: FilePath(refs.path(for: name)))) { try refs.read(name) }
        }
    }

    /// The store words its errors in one line and leaves naming commands and flags to the CLI.
    @Test(arguments: [
        StoreError.locked(path: "/s/.mreg/refs/models/m/head.lock",
                          owner: LockFile.Owner(pid: 12, host: "h", time: "2024-01-02T03:04:05Z"), stale: true),
        StoreError.locked(path: "/s/x.lock", owner: LockFile.Owner(pid: 12, host: "h", time: "t"), stale: false),
        StoreError.locked(path: "/s/x.lock", owner: nil, stale: false),
        StoreError.notFound(kind: .enclosingStore, name: "/work"),
        StoreError.notFound(kind: .store, name: "/work/.mreg"),
        StoreError.io(operation: "open", path: "/x", errno: .permissionDenied),
        StoreError.zlib(function: "deflateInit", status: -4),
        StoreError.ambiguous(prefix: "abcd", candidates: []),
    ])
    func messagesAreOneLineAndNameNoCommand(_ error: StoreError) {
        #expect(!error.message.isEmpty)
        #expect(!error.message.contains("\n"))
        #expect(!error.message.contains("'mreg "), "\(error.message)")
        #expect(!error.message.contains("--"), "\(error.message)")
        #expect(error.description == error.message)
    }
}
