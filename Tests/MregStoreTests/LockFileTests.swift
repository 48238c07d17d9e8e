import Foundation
import MregTestSupport
import SystemPackage
import Testing
@testable import MregStore

@Suite("LockFile")
struct LockFileTests {
    @Test func recordsPidHostAndTime() throws {
        try withTemporaryDirectory { dir in
            let target = "\(dir)/refs/x"
            try FileManager.default.createDirectory(atPath: "\(dir)/refs", withIntermediateDirectories: true)
            let before = Date()
            let lock = try LockFile(for: target)
            #expect(lock.path == target + ".lock")
            let text = String(decoding: try readBytes(lock.path), as: UTF8.self)
            #expect(text.hasPrefix("pid=\(getpid()) host=\(LocalHost.name()) "))
            #expect(text.contains(" time="))
            #expect(text.hasSuffix("\n"))
            let owner = try #require(LockFile.owner(at: lock.path))
            #expect(owner.pid == getpid())
            #expect(owner.host == LocalHost.name())
            let time = try #require(Timestamp.parse(owner.time))
            #expect(abs(time.timeIntervalSince(before)) < 60)
            #expect(!owner.isDeadLocalProcess)
            lock.release()
            #expect(!FileManager.default.fileExists(atPath: lock.path))
            lock.release()  // twice is harmless
        }
    }

    @Test func isExclusiveAndNamesTheLockFile() throws {
        try withTemporaryDirectory { dir in
            let target = "\(dir)/config"
            let lock = try LockFile(for: target)
            let content = try readBytes(lock.path)
            let error = #expect(throws: StoreError.self) { try LockFile(for: target) }
            #expect(error?.code == .locked)
            #expect(error?.path == FilePath(lock.path))
            #expect(error?.message.contains("'\(lock.path)'") == true)
            #expect(error?.message.contains("process \(getpid())") == true)
            #expect(error?.message.contains("\n") == false)
            // The failed attempt must not remove or change the holder's lock.
            #expect(try readBytes(lock.path) == content)
            #expect(throws: StoreError.self) { try LockFile(for: target) }
            #expect(FileManager.default.fileExists(atPath: lock.path))
            lock.release()
            let again = try LockFile(for: target)
            again.release()
        }
    }

    @Test func goesAwayWithItsOwner() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/x.lock"
            do {
                let lock = try LockFile(for: "\(dir)/x")
                #expect(FileManager.default.fileExists(atPath: lock.path))
            }
            #expect(!FileManager.default.fileExists(atPath: path))
        }
    }

    @Test func aStaleLockOfADeadProcessIsTakenOver() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/x.lock"
            // A pid above Linux's pid_max: no such process.
            let dead = Int32.max - 1
            try writeBytes(Array("pid=\(dead) host=\(LocalHost.name()) time=2024-01-02T03:04:05Z\n".utf8), to: path)
            let owner = try #require(LockFile.owner(at: path))
            #expect(owner == LockFile.Owner(pid: dead, host: LocalHost.name(), time: "2024-01-02T03:04:05Z"))
            #expect(owner.isDeadLocalProcess)
            let error = LockFile.heldError(at: path)
            #expect(error.isStaleLock)
            #expect(error.message.contains("stale lock '\(path)'") && error.message.contains("\(dead)") && error.message.contains("days ago"))
            // The next process that wants the lock removes the stale one and takes it.
            let lock = try LockFile(for: "\(dir)/x")
            #expect(LockFile.owner(at: path)?.pid == getpid())
            lock.release()
            #expect(!FileManager.default.fileExists(atPath: path))
            #expect(filesBelow(dir).isEmpty, "no breaker or moved-aside file is left")
        }
    }

    @Test func aLockFromAnEarlierBootOrOfAReusedPidIsStale() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/x.lock"
            let me = getpid()
            // This very process, alive, but recorded in another boot of this host.
            if LocalHost.bootID != nil {
                try writeBytes(Array("pid=\(me) host=\(LocalHost.name()) boot=0-earlier-boot time=2024-01-02T03:04:05Z\n".utf8), to: path)
                #expect(LockFile.owner(at: path)?.isDeadLocalProcess == true)
                try LockFile(for: "\(dir)/x").release()
            }
            // An alive pid that started at another time: the number was reused.
            if let start = LocalHost.processStart(me) {
                try writeBytes(Array("pid=\(me) host=\(LocalHost.name()) start=\(start)1 time=2024-01-02T03:04:05Z\n".utf8), to: path)
                #expect(LockFile.owner(at: path)?.isDeadLocalProcess == true)
                try LockFile(for: "\(dir)/x").release()
                // The same start: alive, held.
                try writeBytes(Array("pid=\(me) host=\(LocalHost.name()) start=\(start) time=2024-01-02T03:04:05Z\n".utf8), to: path)
                #expect(LockFile.owner(at: path)?.isDeadLocalProcess == false)
                #expect(throws: StoreError.self) { try LockFile(for: "\(dir)/x") }
            }
        }
    }

    @Test func aLockWrittenByThisBuildRecordsBootAndStart() throws {
        try withTemporaryDirectory { dir in
            let lock = try LockFile(for: "\(dir)/x")
            defer { lock.release() }
            let owner = try #require(LockFile.owner(at: lock.path))
            #expect(owner.boot == LocalHost.bootID)
            #expect(owner.start == LocalHost.processStart(getpid()))
            #expect(!owner.isDeadLocalProcess)
        }
    }

    @Test func onlyTheInspectedStaleLockIsRemoved() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/x.lock"
            try writeBytes(Array("pid=\(Int32.max - 1) host=\(LocalHost.name()) time=2024-01-02T03:04:05Z\n".utf8), to: path)
            let seen = try #require(LockFile.Inspection(FilePath(path)))
            #expect(seen.isStale)
            // Meanwhile another process removed it and a live one took the lock.
            try FileManager.default.removeItem(atPath: path)
            let live = try LockFile(for: "\(dir)/x")
            let content = try readBytes(path)
            #expect(LockFile.breakStale(seen))
            #expect(try readBytes(path) == content, "the new owner's lock is left alone")
            #expect(!LockFile.removeIfStale(at: path))
            #expect(try readBytes(path) == content)
            live.release()
        }
    }

    @Test func aBreakerInUseHoldsOffOthersAndAnOldOneIsCleared() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/x.lock"
            try writeBytes(Array("pid=\(Int32.max - 1) host=\(LocalHost.name()) time=2024-01-02T03:04:05Z\n".utf8), to: path)
            let seen = try #require(LockFile.Inspection(FilePath(path)))
            // Another process is removing the same stale lock right now.
            try writeBytes([], to: path + "~break")
            #expect(!LockFile.breakStale(seen))
            #expect(FileManager.default.fileExists(atPath: path))
            // A breaker left long ago by a process that died breaking is cleared; then it works.
            try setModificationTime(path + "~break", secondsAgo: 60)
            #expect(!LockFile.breakStale(seen))
            #expect(!FileManager.default.fileExists(atPath: path + "~break"))
            #expect(LockFile.breakStale(seen))
            #expect(!FileManager.default.fileExists(atPath: path))
        }
    }

    @Test func aLockOnAnotherHostIsNeverCalledStale() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/x.lock"
            try writeBytes(Array("pid=\(Int32.max - 1) host=elsewhere.example time=2024-01-02T03:04:05Z\n".utf8), to: path)
            #expect(LockFile.owner(at: path)?.isDeadLocalProcess == false)
            let error = #expect(throws: StoreError.self) { try LockFile(for: "\(dir)/x") }
            #expect(error?.message.contains("elsewhere.example") == true)
            #expect(error?.message.contains("stale") == false)
        }
    }

    @Test func anEmptyLockIsHeldForAMomentThenTakenOver() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/x.lock"
            try writeBytes([], to: path)
            #expect(LockFile.owner(at: path) == nil)
            // Fresh: its writer may be about to fill it.
            let error = #expect(throws: StoreError.self) { try LockFile(for: "\(dir)/x") }
            #expect(error?.code == .locked)
            #expect(error?.isStaleLock == false)
            #expect(error?.message.contains("'\(path)'") == true)
            #expect(try readBytes(path).isEmpty)
            // Older than the grace: its writer died between creating and filling it.
            try setModificationTime(path, secondsAgo: LockFile.unownedGrace + 2)
            #expect(LockFile.heldError(at: path).isStaleLock)
            let started = Date()
            let lock = try LockFile(for: "\(dir)/x")
            #expect(Date().timeIntervalSince(started) < 1)
            #expect(LockFile.owner(at: path)?.pid == getpid())
            lock.release()
        }
    }

    @Test func aLockOfAnotherHostIsReportedWithItsAge() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/x.lock"
            let taken = Timestamp.format(Date().addingTimeInterval(-600))
            try writeBytes(Array("pid=1 host=elsewhere.example time=\(taken)\n".utf8), to: path)
            let error = #expect(throws: StoreError.self) { try LockFile(for: "\(dir)/x") }
            let message = try #require(error?.message)
            #expect(message.contains("host elsewhere.example") && message.contains("10 min ago"), "\(message)")
            #expect(message.contains("remove the lock file"))
            #expect(!message.contains("\n"))
            #expect(LockFile.removeIfStale(at: path) == false)
            #expect(FileManager.default.fileExists(atPath: path))
        }
    }
}

/// Sets a file's modification time to `secondsAgo` seconds before now.
func setModificationTime(_ path: String, secondsAgo: Double) throws {
    let date = Date().addingTimeInterval(-secondsAgo)
    try FileManager.default.setAttributes([.modificationDate: date], ofItemAtPath: path)
}
