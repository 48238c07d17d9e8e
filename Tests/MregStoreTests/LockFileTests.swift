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
            #expect(text.hasPrefix("pid=\(getpid()) host=\(LocalHost.name()) time="))
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

    @Test func reportsAStaleLockWithItsOwner() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/x.lock"
            // A pid above Linux's pid_max: no such process.
            let dead = Int32.max - 1
            try writeBytes(Array("pid=\(dead) host=\(LocalHost.name()) time=2024-01-02T03:04:05Z\n".utf8), to: path)
            let owner = try #require(LockFile.owner(at: path))
            #expect(owner == LockFile.Owner(pid: dead, host: LocalHost.name(), time: "2024-01-02T03:04:05Z"))
            #expect(owner.isDeadLocalProcess)
            let error = #expect(throws: StoreError.self) { try LockFile(for: "\(dir)/x") }
            #expect(error?.code == .locked)
            let message = try #require(error?.message)
            #expect(message.contains("stale lock '\(path)'"))
            #expect(message.contains("\(dead)"))
            #expect(message.contains("2024-01-02T03:04:05Z"))
            // Reported, never broken silently.
            #expect(FileManager.default.fileExists(atPath: path))
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

    @Test func anUnreadableLockStillNamesItsFile() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/x.lock"
            try writeBytes([], to: path)
            #expect(LockFile.owner(at: path) == nil)
            let error = #expect(throws: StoreError.self) { try LockFile(for: "\(dir)/x") }
            #expect(error?.code == .locked)
            #expect(error?.message.contains("'\(path)'") == true)
            #expect(try readBytes(path).isEmpty)
        }
    }
}
