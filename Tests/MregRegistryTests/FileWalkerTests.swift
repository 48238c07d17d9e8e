import MregTestSupport
import Foundation
import Testing
@testable import MregRegistry

/// What a registered folder contributes: links kept or refused, never followed out, never looping;
/// names that cannot be stored refused, never dropped.
@Suite struct FileWalkerTests {
    static func link(_ path: String, _ target: String) throws {
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: target)
    }

    /// The error `body` throws, described (or nil).
    static func failure(_ body: () throws -> Void) -> RegistryError? {
        do { try body() } catch let e as RegistryError { return e } catch { return nil }
        return nil
    }

    @Test func linksInsideAreKeptAsLinks() throws {
        try withTemporaryDirectory { dir in
            try writeFile("\(dir)/run/sub/f.txt", "f")
            try Self.link("\(dir)/run/to-file", "sub/f.txt")
            try Self.link("\(dir)/run/to-folder", "sub")
            try Self.link("\(dir)/run/sub/up", "..")
            try Self.link("\(dir)/run/self-a", ".")
            try Self.link("\(dir)/run/self-b", ".")
            try Self.link("\(dir)/run/dangling", "not-there")
            let entries = try FileWalker.walk(["\(dir)/run"])
            let byPath = Dictionary(uniqueKeysWithValues: entries.map { ($0.path, $0) })
            #expect(entries.map(\.path) == ["dangling", "self-a", "self-b", "sub/f.txt", "sub/up", "to-file", "to-folder"])
            #expect(byPath["to-file"]?.target == "sub/f.txt" && byPath["to-file"]?.mode == "120000")
            #expect(byPath["to-file"]?.size == 9)
            #expect(byPath["to-folder"]?.target == "sub")
            #expect(byPath["dangling"]?.target == "not-there")
            #expect(byPath["sub/f.txt"]?.target == nil && byPath["sub/f.txt"]?.mode == "100644")
        }
    }

    @Test(arguments: ["../secret", "/etc", "sub/../../secret"])
    func linksLeadingOutsideAreRefused(_ target: String) throws {
        try withTemporaryDirectory { dir in
            try writeFile("\(dir)/secret", "s")
            try writeFile("\(dir)/run/sub/f", "f")
            try Self.link("\(dir)/run/out", target)
            let error = Self.failure { _ = try FileWalker.walk(["\(dir)/run"]) }
            #expect(error == .badInput(.linkOutside(path: "\(dir)/run/out", target: target)))
            #expect(error.map { "\($0)" }?.contains("outside the registered folder") == true)
        }
    }

    @Test func aLinkInsideThatLeadsOutsideOnDiskIsRefused() throws {
        try withTemporaryDirectory { dir in
            // `.git` is skipped, so only the disk knows that it leads to `/`.
            try writeFile("\(dir)/run/f", "f")
            try Self.link("\(dir)/run/.git", "/")
            try Self.link("\(dir)/run/etc", ".git/etc")
            let error = Self.failure { _ = try FileWalker.walk(["\(dir)/run"]) }
            #expect(error == .badInput(.linkOutside(path: "\(dir)/run/etc", target: ".git/etc")))
        }
    }

    @Test func dereferenceStoresWhatLinksPointToAndRefusesLoops() throws {
        try withTemporaryDirectory { dir in
            try writeFile("\(dir)/shared/w.bin", "w")
            try writeFile("\(dir)/run/f", "f")
            try Self.link("\(dir)/run/shared", "../shared")
            let entries = try FileWalker.walk(["\(dir)/run"], dereference: true)
            #expect(entries.map(\.path) == ["f", "shared/w.bin"])
            #expect(entries.allSatisfy { $0.target == nil })

            try Self.link("\(dir)/run/loop", ".")
            let start = Date()
            let error = Self.failure { _ = try FileWalker.walk(["\(dir)/run"], dereference: true) }
            #expect(Date().timeIntervalSince(start) < 5)
            guard case .badInput(.unusablePath(_, let path, let problem)) = error else {
                Issue.record("expected a refusal, got \(String(describing: error))")
                return
            }
            #expect(path == "\(dir)/run/loop" && problem.contains("loop"))
        }
    }

    @Test func twoSelfLinksDoNotMakeTheWalkExplode() throws {
        try withTemporaryDirectory { dir in
            try writeFile("\(dir)/run/f", "f")
            for i in 0..<8 { try Self.link("\(dir)/run/l\(i)", ".") }
            let start = Date()
            let entries = try FileWalker.walk(["\(dir)/run"])
            #expect(entries.count == 9)
            #expect(Date().timeIntervalSince(start) < 5)
        }
    }

    @Test func aDanglingLinkIsRefusedWithDereference() throws {
        try withTemporaryDirectory { dir in
            try writeFile("\(dir)/run/f", "f")
            try Self.link("\(dir)/run/gone", "nowhere")
            let error = Self.failure { _ = try FileWalker.walk(["\(dir)/run"], dereference: true) }
            guard case .badInput(.unusablePath(_, let path, let problem)) = error else {
                Issue.record("expected a refusal, got \(String(describing: error))")
                return
            }
            #expect(path.hasSuffix("run/gone") && problem.contains("leads nowhere"))
        }
    }

    @Test func aNameThatIsNotUTF8IsRefusedNotDropped() throws {
        try withTemporaryDirectory { dir in
            try writeFile("\(dir)/run/ok", "ok")
            let bad = Array("\(dir)/run/caf".utf8) + [0xE9] + Array(".bin".utf8) + [0]
            let fd = bad.withUnsafeBufferPointer { p in
                p.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_CREAT | O_WRONLY, 0o644) }
            }
            #expect(fd >= 0)
            close(fd)
            let error = Self.failure { _ = try FileWalker.walk(["\(dir)/run"]) }
            guard case .badInput(.unusablePath(_, let path, let problem)) = error else {
                Issue.record("expected a refusal, got \(String(describing: error))")
                return
            }
            #expect(path == "\(dir)/run/caf\\xE9.bin")
            #expect(problem.contains("not UTF-8"))
        }
    }

    @Test func aPathTooLongToStoreIsRefusedNotDropped() throws {
        try withTemporaryDirectory { dir in
            try writeFile("\(dir)/run/ok", "ok")
            // Folders 200 bytes a name, 21 deep: the file's path passes 4095 bytes.
            let name = String(repeating: "d", count: 200)
            var fd = open("\(dir)/run", O_RDONLY | O_DIRECTORY)
            for _ in 0..<21 {
                mkdirat(fd, name, 0o755)
                let next = openat(fd, name, O_RDONLY | O_DIRECTORY)
                close(fd)
                fd = next
            }
            let file = openat(fd, "deep.txt", O_CREAT | O_WRONLY, 0o644)
            #expect(file >= 0)
            close(file)
            close(fd)
            let error = Self.failure { _ = try FileWalker.walk(["\(dir)/run"]) }
            guard case .badInput(.unusablePath(_, _, let problem)) = error else {
                Issue.record("expected a refusal, got \(String(describing: error))")
                return
            }
            #expect(problem.contains("longer than 4095 bytes"))
        }
    }

    @Test func aFileAndAFolderOfTheSameNameFromTwoArgumentsAreRefused() throws {
        try withTemporaryDirectory { dir in
            try writeFile("\(dir)/x", "file")
            try writeFile("\(dir)/run/x/y", "in a folder")
            let error = Self.failure { _ = try FileWalker.walk(["\(dir)/x", "\(dir)/run"]) }
            guard case .badInput(.unusablePath(_, let path, let problem)) = error else {
                Issue.record("expected a refusal, got \(String(describing: error))")
                return
            }
            #expect(path == "\(dir)/run/x/y" && problem.contains("'x' is a file"))
        }
    }

    @Test func aFIFOIsRefused() throws {
        try withTemporaryDirectory { dir in
            try writeFile("\(dir)/run/f", "f")
            #expect(mkfifo("\(dir)/run/pipe", 0o644) == 0)
            let error = Self.failure { _ = try FileWalker.walk(["\(dir)/run"]) }
            guard case .badInput(.unusablePath(_, let path, _)) = error else {
                Issue.record("expected a refusal, got \(String(describing: error))")
                return
            }
            #expect(path == "\(dir)/run/pipe")
        }
    }
}
