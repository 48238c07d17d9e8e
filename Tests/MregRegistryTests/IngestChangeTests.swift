import MregTestSupport
import Foundation
import Testing
import MregStore
@testable import MregSupport
@testable import MregRegistry

/// A file that changes while register reads it gives no version (for every size), through a
/// deterministic seam (`Ingester.readHook`) rather than timing.
@Suite struct IngestChangeTests {
    /// Runs `body` with a registry whose files of at least 64 KiB are chunked (64 KiB chunks).
    static func withRegistry(_ body: (Registry, String) throws -> Void) throws {
        try withTemporaryDirectory(prefix: "mreg-ingest") { dir in
            var (repo, _) = try Repository.initialize(at: dir, environment: ["MREG_USER_NAME": "Ada", "MREG_USER_EMAIL": "ada@example.com"])
            try repo.setConfig("core.chunkThreshold", "64k")
            try repo.setConfig("core.chunkSize", "64k")
            try repo.setConfig("core.fsyncObjects", "false")
            try body(try Registry(repository: Repository(root: "\(dir)/.mreg", environment: ["MREG_USER_NAME": "Ada", "MREG_USER_EMAIL": "ada@example.com"])), dir)
        }
    }

    static func bytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var s = seed | 1
        return (0..<count).map { _ in s ^= s << 13; s ^= s >> 7; s ^= s << 17; return UInt8(truncatingIfNeeded: s) }
    }

    /// Overwrites `path` in place (same inode, same size) with other bytes; with `touch`, also moves its mtime.
    static func rewrite(_ path: String, seed: UInt64, touch: Bool) {
        let fd = open(path, O_WRONLY)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var st = stat()
        fstat(fd, &st)
        let fresh = bytes(Int(st.st_size), seed: seed)
        _ = fresh.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        if touch {
            var times = [timespec(tv_sec: st.st_mtim.tv_sec + 7, tv_nsec: 0), timespec(tv_sec: st.st_mtim.tv_sec + 7, tv_nsec: 0)]
            futimens(fd, &times)
        }
    }

    /// Registers `file` with `hook`, expecting `inputChanged` and no new ref.
    static func expectRefused(_ registry: Registry, _ dir: String, file: String, hook: @escaping @Sendable (String, Int64) -> Void) throws {
        let refsBefore = snapshot("\(dir)/.mreg/refs")
        var request = RegisterRequest(model: "m", paths: [file], directory: dir)
        request.readHook = hook
        #expect(throws: RegistryError.conflict(.inputChanged(path: file))) { try registry.register(request) }
        #expect(differences(refsBefore, snapshot("\(dir)/.mreg/refs")).isEmpty)
        let fsck = try registry.fsck()
        #expect(fsck.findings.allSatisfy { $0.severity == .info }, "\(fsck.findings)")
    }

    @Test func aChunkedFileRewrittenAfterItsDigestWasTakenIsRefused() throws {
        try Self.withRegistry { registry, dir in
            let file = "\(dir)/data.bin"
            try writeFile(file, Self.bytes(1 << 20, seed: 3))
            // The digest pass reads in 4 MiB pieces: its only piece ends at the file's end; then the
            // chunk writers read. Rewriting there (keeping mtime) leaves only the content to tell.
            try Self.expectRefused(registry, dir, file: file) { path, offset in
                if offset == 1 << 20 { Self.rewrite(path, seed: 4, touch: false) }
            }
        }
    }

    @Test func aSmallFileRewrittenWhileReadIsRefused() throws {
        try Self.withRegistry { registry, dir in
            let file = "\(dir)/small.bin"
            try writeFile(file, Self.bytes(40_000, seed: 5))
            try Self.expectRefused(registry, dir, file: file) { path, offset in
                if offset == 40_000 { Self.rewrite(path, seed: 6, touch: true) }
            }
        }
    }

    @Test func aFileThatGrowsWhileReadIsRefused() throws {
        try Self.withRegistry { registry, dir in
            let file = "\(dir)/grows.bin"
            try writeFile(file, Self.bytes(200_000, seed: 7))
            try Self.expectRefused(registry, dir, file: file) { path, offset in
                guard offset == 200_000, let h = FileHandle(forWritingAtPath: path) else { return }
                h.seekToEndOfFile()
                h.write(Data("more".utf8))
                try? h.close()
            }
        }
    }

    @Test func anUnchangedChunkedFileRegistersAndItsChunksMatchItsDigest() throws {
        try Self.withRegistry { registry, dir in
            let data = Self.bytes(700_000, seed: 8)
            try writeFile("\(dir)/data.bin", data)
            let result = try registry.register(RegisterRequest(model: "m", paths: ["\(dir)/data.bin"], directory: dir))
            let manifest = try Manifest.load(result.manifestID, from: registry.store)
            let file = try #require(manifest.files.first)
            #expect(try registry.store.header(of: file.object).type == .chunks)
            var out = [UInt8]()
            try registry.streamFile(file) { out += $0 }
            #expect(out == data && file.digest == Digest.sha256(data))
        }
    }

    /// The digest pass's chunk hashes are what the writers store, for known ranges and for FastCDC alike.
    @Test func theDigestPassHashesEachChunkAsTheWritersStoreIt() throws {
        try Self.withRegistry { registry, dir in
            let data = Self.bytes(300_000, seed: 9)
            let path = "\(dir)/d.bin"
            try writeFile(path, data)
            let fd = open(path, O_RDONLY)
            defer { close(fd) }
            let ingester = Ingester(store: registry.store, policy: ChunkPolicy(threshold: 1024, maxChunk: 32 * 1024))
            let ranges = [0..<100_000, 100_000..<100_001, 100_001..<300_000] as [Range<Int64>]
            let known = try Ingester.scan(fd: fd, size: 300_000, path: path, cuts: .ranges(ranges), hook: nil)
            let written = try ingester.writeChunks(fd: fd, path: path, ranges: ranges, contentDigest: false)
            #expect(known.chunks == written.map(\.id.bytes))
            #expect(known.digest == Digest.sha256(data))
            let cdc = try Ingester.scan(fd: fd, size: 300_000, path: path, cuts: .contentDefined(FastCDC(maxSize: 32 * 1024)), hook: nil)
            #expect(cdc.lengths.reduce(0, +) == 300_000 && cdc.chunks.count == cdc.lengths.count && cdc.lengths.count > 5)
            var start: Int64 = 0
            let cdcRanges = cdc.lengths.map { n in defer { start += Int64(n) }; return start..<(start + Int64(n)) }
            let cdcWritten = try ingester.writeChunks(fd: fd, path: path, ranges: cdcRanges, contentDigest: true)
            #expect(cdc.chunks == cdcWritten.map { Hex.decode($0.contentDigest?.dropFirst(7) ?? "") ?? [] })
        }
    }
}
