import Foundation
import MregTestSupport
import Testing
@testable import MregStore

@Suite("RefStore compare-and-swap")
struct RefStoreTests {
    let a = ObjectID.compute(type: .blob, payload: Array("a".utf8))
    let b = ObjectID.compute(type: .blob, payload: Array("b".utf8))
    let c = ObjectID.compute(type: .blob, payload: Array("c".utf8))
    let head: RefName

    init() throws {
        head = try RefName("refs/models/fraud/head")
    }

    func refFile(_ refs: RefStore, _ name: RefName) throws -> String {
        String(decoding: try readBytes(refs.path(for: name)), as: UTF8.self)
    }

    @Test func absentCreatesOnlyOnce() throws {
        try withTemporaryDirectory { dir in
            let refs = RefStore(root: dir)
            #expect(try refs.read(head) == nil)
            try refs.update(head, to: a, expecting: .absent)
            #expect(try refs.read(head) == a)
            #expect(try refFile(refs, head) == a.hex + "\n")
            let error = #expect(throws: StoreError.self) { try refs.update(head, to: b, expecting: .absent) }
            #expect(error?.code == .modified)
            #expect(try refs.read(head) == a)
            #expect(refs.lockFiles().isEmpty)
        }
    }

    @Test func valueMovesOnlyFromTheExpectedID() throws {
        try withTemporaryDirectory { dir in
            let refs = RefStore(root: dir)
            try refs.update(head, to: a, expecting: .absent)
            try refs.update(head, to: b, expecting: .value(a))
            #expect(try refs.read(head) == b)
            // Someone else moved it: a stale expectation fails and changes nothing.
            let error = #expect(throws: StoreError.self) { try refs.update(head, to: c, expecting: .value(a)) }
            #expect(error?.code == .modified)
            #expect(error?.message.contains("someone else moved it") == true)
            #expect(try refFile(refs, head) == b.hex + "\n")
            // Expecting a value of a ref that does not exist fails too.
            let other = try RefName("refs/models/other/head")
            #expect(storeErrorCode { try refs.update(other, to: c, expecting: .value(a)) } == .modified)
            #expect(try refs.read(other) == nil)
            #expect(refs.lockFiles().isEmpty)
        }
    }

    @Test func anyMovesWhatever() throws {
        try withTemporaryDirectory { dir in
            let refs = RefStore(root: dir)
            try refs.update(head, to: a)
            try refs.update(head, to: b, expecting: .any)
            try refs.update(head, to: b, expecting: .any)
            #expect(try refFile(refs, head) == b.hex + "\n")
        }
    }

    @Test func deleteChecksTheOldValue() throws {
        try withTemporaryDirectory { dir in
            let refs = RefStore(root: dir)
            try refs.update(head, to: a)
            #expect(storeErrorCode { try refs.delete(head, expecting: .value(b)) } == .modified)
            #expect(try refs.read(head) == a)
            try refs.delete(head, expecting: .value(a))
            #expect(try refs.read(head) == nil)
            #expect(!FileManager.default.fileExists(atPath: refs.path(for: head)))
            #expect(storeErrorCode { try refs.delete(head) } == .notFound)
            #expect(storeErrorCode { try refs.delete(head, expecting: .value(a)) } == .modified)
            try refs.update(head, to: c)
            try refs.delete(head, expecting: .any)
            #expect(try refs.read(head) == nil)
            #expect(refs.lockFiles().isEmpty)
        }
    }

    @Test func aHeldLockRefusesAndIsLeftAlone() throws {
        try withTemporaryDirectory { dir in
            let refs = RefStore(root: dir)
            try refs.update(head, to: a)
            let lock = try LockFile(for: refs.path(for: head))
            let before = try readBytes(lock.path)
            for attempt in [{ try refs.update(head, to: b) }, { try refs.update(head, to: b, expecting: .value(a)) },
                            { try refs.delete(head) }] {
                let error = #expect(throws: StoreError.self) { try attempt() }
                #expect(error?.code == .locked)
                #expect(error?.message.contains(lock.path) == true)
                // The other process's lock is still there, untouched.
                #expect(try readBytes(lock.path) == before)
            }
            #expect(try refs.read(head) == a)
            lock.release()
            try refs.update(head, to: b, expecting: .value(a))
            #expect(try refs.read(head) == b)
        }
    }

    @Test func aRefCannotBeBothFileAndFolder() throws {
        try withTemporaryDirectory { dir in
            let refs = RefStore(root: dir)
            try refs.update(try RefName("refs/x/y"), to: a)
            #expect(storeErrorCode { try refs.update(try RefName("refs/x"), to: a) } == .alreadyExists)
            try refs.update(try RefName("refs/p"), to: a)
            #expect(storeErrorCode { try refs.update(try RefName("refs/p/q"), to: a) } == .alreadyExists)
            #expect(filesBelow(dir) == ["refs/p", "refs/x/y"])
        }
    }

    @Test func aFailedSwapLeavesNoNewFolders() throws {
        try withTemporaryDirectory { dir in
            let refs = RefStore(root: dir)
            try FileManager.default.createDirectory(atPath: "\(dir)/refs", withIntermediateDirectories: true)
            let deep = try RefName("refs/models/new/versions/1")
            #expect(storeErrorCode { try refs.update(deep, to: a, expecting: .value(b)) } == .modified)
            #expect(try FileManager.default.contentsOfDirectory(atPath: "\(dir)/refs").isEmpty)
        }
    }

    @Test func readsAndLists() throws {
        try withTemporaryDirectory { dir in
            let refs = RefStore(root: dir)
            let names = try ["refs/models/m/versions/2", "refs/models/m/head", "refs/models/m/versions/10", "refs/models/n/head"]
                .map(RefName.init)
            for (i, name) in names.enumerated() { try refs.update(name, to: [a, b, c, a][i]) }
            #expect(try refs.list().map(\.name.rawValue) == names.map(\.rawValue).sorted())
            #expect(try refs.list(prefix: "refs/models/m/versions/").map(\.name.rawValue)
                    == ["refs/models/m/versions/10", "refs/models/m/versions/2"])
            #expect(try refs.list(prefix: "refs/models/m/").map(\.id) == [b, c, a])
            #expect(try refs.list(prefix: "refs/none/").isEmpty)
            // Lock and temp files are not refs.
            try writeBytes([], to: "\(dir)/refs/models/m/head.lock")
            try writeBytes([], to: "\(dir)/refs/models/m/head.lock~abc")
            #expect(try refs.list().count == 4)
            #expect(refs.lockFiles() == ["\(dir)/refs/models/m/head.lock", "\(dir)/refs/models/m/head.lock~abc"])
        }
    }

    @Test func aRefWithoutAnIDIsCorrupt() throws {
        try withTemporaryDirectory { dir in
            let refs = RefStore(root: dir)
            try writeBytes(Array("not an id\n".utf8), to: refs.path(for: head))
            let error = #expect(throws: StoreError.self) { try refs.read(head) }
            #expect(error?.code == .corrupt)
            // A ref written without its newline (by hand) still reads.
            try writeBytes(Array(a.hex.utf8), to: refs.path(for: head))
            #expect(try refs.read(head) == a)
        }
    }
}
