import MregTestSupport
import Foundation
import SystemPackage
import Testing
@testable import MregStore

@Suite("File I/O layer")
struct FileIOTests {
    @Test func readFullyCompletesShortReads() throws {
        let (reader, writer) = try FileDescriptor.pipe()
        defer { try? reader.close() }
        // The second half arrives later, so the first read() returns only the first half.
        let thread = Thread {
            _ = try? writer.writeAll(Array("abc".utf8))
            usleep(50_000)
            _ = try? writer.writeAll(Array("def".utf8))
            try? writer.close()
        }
        thread.start()
        let file = OpenFile(descriptor: reader, path: "pipe")
        var buffer = [UInt8](repeating: 0, count: 10)
        let count = try buffer.withUnsafeMutableBytes { try file.readFully(into: $0) }
        #expect(count == 6)
        #expect(Array(buffer[..<count]) == Array("abcdef".utf8))
    }

    @Test func writesAndReadsBackLargeBuffers() throws {
        try withTemporaryDirectory { dir in
            let path = FilePath("\(dir)/big")
            let payload = randomBytes(3 * 1024 * 1024 + 17)
            let out = try OpenFile.creatingNew(path, permissions: 0o600)
            try out.writeAll(payload)
            try out.sync()
            out.close()
            let file = try OpenFile.forReading(path)
            defer { file.close() }
            #expect(try file.status().size == Int64(payload.count))
            #expect(try file.readToEnd() == payload)
            try file.rewind()
            var head = [UInt8](repeating: 0, count: 5)
            #expect(try head.withUnsafeMutableBytes { try file.readFully(into: $0) } == 5)
            #expect(head == Array(payload.prefix(5)))
        }
    }

    @Test func vectoredWritesKeepOrderAcrossManyBuffers() throws {
        try withTemporaryDirectory { dir in
            let path = FilePath("\(dir)/vec")
            // More buffers than one writev takes (1024), of uneven sizes, cut from one payload.
            let payload = randomBytes(20_000)
            var cuts = [0]
            while let last = cuts.last, last < payload.count { cuts.append(Swift.min(payload.count, last + 1 + cuts.count % 13)) }
            #expect(cuts.count > 1025)
            let out = try OpenFile.creatingNew(path, permissions: 0o600)
            try payload.withUnsafeBytes { raw in
                guard let base = raw.baseAddress else { return }
                var iov = zip(cuts, cuts.dropFirst()).map { start, end in
                    iovec(iov_base: UnsafeMutableRawPointer(mutating: base + start), iov_len: end - start)
                }
                try out.writeAll(vectors: &iov)
            }
            out.close()
            #expect(try readBytes(path.string) == payload)
        }
    }

    @Test func errorsNameThePathAndTheOperation() throws {
        try withTemporaryDirectory { dir in
            let missing = FilePath("\(dir)/missing")
            #expect(throws: StoreError.io(operation: "open", path: missing, errno: .noSuchFileOrDirectory)) {
                try OpenFile.forReading(missing)
            }
            #expect(throws: StoreError.io(operation: "create", path: FilePath("\(dir)/no/such/file"), errno: .noSuchFileOrDirectory)) {
                try OpenFile.creatingNew(FilePath("\(dir)/no/such/file"), permissions: 0o644)
            }
            #expect(throws: StoreError.io(operation: "delete", path: missing, errno: .noSuchFileOrDirectory)) {
                try FileSystem.remove(missing)
            }
            #expect(throws: StoreError.io(operation: "rename to '\(dir)/b' from", path: missing, errno: .noSuchFileOrDirectory)) {
                try FileSystem.move(missing, to: FilePath("\(dir)/b"))
            }
            #expect(throws: StoreError.io(operation: "stat", path: missing, errno: .noSuchFileOrDirectory)) {
                try FileStatus(missing)
            }
            // A file where a folder should be.
            try writeBytes([1], to: "\(dir)/file")
            #expect(throws: StoreError.io(operation: "create directory", path: FilePath("\(dir)/file/sub"), errno: .notDirectory)) {
                try FileSystem.makeDirectories(FilePath("\(dir)/file/sub/deeper"))
            }
        }
    }

    @Test func makeDirectoriesCreatesParentsAndAcceptsExistingOnes() throws {
        try withTemporaryDirectory { dir in
            let deep = FilePath("\(dir)/a/b/c")
            try FileSystem.makeDirectories(deep)
            #expect(FileSystem.isDirectory(deep))
            try FileSystem.makeDirectories(deep)
            try FileSystem.makeDirectories(FilePath("\(dir)/a/b/../b/d"))
            #expect(FileSystem.isDirectory(FilePath("\(dir)/a/b/d")))
        }
    }

    @Test func fileStatusReportsSizeTypeAndTimes() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/f"
            try writeBytes([1, 2, 3], to: path)
            let when = Date(timeIntervalSince1970: 1_700_000_000)
            try FileManager.default.setAttributes([.modificationDate: when], ofItemAtPath: path)
            let status = try FileStatus(path: path)
            #expect(status.size == 3)
            #expect(status.isRegularFile && !status.isDirectory && !status.isSymbolicLink)
            #expect(status.modificationSeconds == 1_700_000_000)
            #expect(status.modificationTime == 1_700_000_000 * 1_000_000_000)
            #expect(status.changeTime > 0)
            #expect(status.inode != 0)
            #expect(try FileStatus(path: dir).isDirectory)

            try FileManager.default.createSymbolicLink(atPath: "\(dir)/link", withDestinationPath: path)
            #expect(try FileStatus(path: "\(dir)/link").isRegularFile)
            #expect(try FileStatus(path: "\(dir)/link", followingSymlinks: false).isSymbolicLink)
        }
    }

    @Test func listDirectoryKeepsNamesThatAreNotUTF8() throws {
        try withTemporaryDirectory { dir in
            let raw: [CChar] = [0x61, CChar(bitPattern: 0xff), 0x62, 0]
            let name = try #require(FilePath.Component(platformString: raw))
            let file = try OpenFile.creatingNew(FilePath(dir).appending(name), permissions: 0o644)
            file.close()
            try writeBytes([], to: "\(dir)/plain")
            let listed = FileSystem.listDirectory(FilePath(dir))
            #expect(Set(listed) == [name, FilePath.Component("plain")])
            // The listed component still names the file.
            #expect(FileSystem.exists(FilePath(dir).appending(try #require(listed.first { $0 == name }))))
        }
    }

    @Test func errnoTextIsTheSystemsWording() {
        #expect(ErrnoText.describe(ENOENT) == Errno.noSuchFileOrDirectory.description)
        #expect(ErrnoText.describe(ENOENT) != ErrnoText.describe(EACCES))
        errno = EEXIST
        let current = ErrnoText.current
        #expect(current == Errno.fileExists.description)
    }

    @Test func positionalReadsAndWritesLeaveThePositionAlone() throws {
        try withTemporaryDirectory { dir in
            let path = FilePath("\(dir)/positional")
            let out = try OpenFile.open(path, .readWrite, options: [.create, .exclusiveCreate], permissions: 0o600)
            defer { out.close() }
            try out.resize(to: 10)
            #expect(try out.status().size == 10)
            try Array("world".utf8).withUnsafeBytes { try out.writeAll($0, atOffset: 5) }
            try Array("hello".utf8).withUnsafeBytes { try out.writeAll($0, atOffset: 0) }
            var middle = [UInt8](repeating: 0, count: 4)
            #expect(try middle.withUnsafeMutableBytes { try out.readFully(atOffset: 3, into: $0) } == 4)
            #expect(middle == Array("lowo".utf8))
            var tail = [UInt8](repeating: 0, count: 8)
            #expect(try tail.withUnsafeMutableBytes { try out.readFully(atOffset: 7, into: $0) } == 3)
            // The descriptor's own position never moved: a plain read starts at 0.
            #expect(try out.readToEnd() == Array("helloworld".utf8))
        }
    }

    @Test func vectoredWritesAtAnOffsetFillTheirRange() throws {
        try withTemporaryDirectory { dir in
            let path = FilePath("\(dir)/pvec")
            let payload = randomBytes(5_000)
            let out = try OpenFile.creatingNew(path, permissions: 0o600)
            try out.resize(to: Int64(payload.count) + 100)
            try payload.withUnsafeBytes { raw in
                guard let base = raw.baseAddress else { return }
                var iov = stride(from: 0, to: payload.count, by: 7).map { start in
                    iovec(iov_base: UnsafeMutableRawPointer(mutating: base + start), iov_len: Swift.min(7, payload.count - start))
                }
                try out.writeAll(vectors: &iov, atOffset: 100)
            }
            out.close()
            let back = try OpenFile.forReading(path)
            defer { back.close() }
            let bytes = try back.readToEnd()
            #expect(bytes.count == payload.count + 100)
            #expect(bytes.prefix(100).allSatisfy { $0 == 0 })
            #expect(Array(bytes.dropFirst(100)) == payload)
        }
    }

    @Test func resizeOfAFileOpenForReadingNamesIt() throws {
        try withTemporaryDirectory { dir in
            let path = FilePath("\(dir)/ro")
            try writeFile(path.string, "abc")
            let file = try OpenFile.forReading(path)
            defer { file.close() }
            #expect {
                try file.resize(to: 0)
            } throws: { error in
                guard case StoreError.io(let operation, let failed, _) = error else { return false }
                return operation == "resize" && failed == path
            }
        }
    }

}

/// `FileSystem.listDirectory` reads names in place (a release build that copied whole
/// `dirent`s read past readdir's buffer and crashed on a folder of 256 fan-out folders).
@Suite struct DirectoryListingTests {
    @Test func listsEveryNameOfAFolderWithManyShortAndLongNames() throws {
        try withTemporaryDirectory { dir in
            var expected = Set<String>()
            for i in 0..<4000 {
                let name = i % 7 == 0 ? String(repeating: "n", count: 200) + "\(i)" : String(i, radix: 16)
                expected.insert(name)
                #expect(FileManager.default.createFile(atPath: "\(dir)/\(name)", contents: nil))
            }
            let listed = FileSystem.listDirectory(dir)
            #expect(listed.count == expected.count)
            #expect(Set(listed) == expected)
        }
    }
}
