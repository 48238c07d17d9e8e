import Foundation
import MregTestSupport
import Testing

/// Chunked, deduplicated storage of large files; tensor-level diff. Small chunk sizes
/// (`core.chunkThreshold`, `core.chunkSize`) make small files take the large-file path.
@Suite struct LargeFileTests {
    /// A safetensors file: (name, element count, seed) per F32 tensor, in order.
    static func safetensors(_ tensors: [(String, Int, UInt64)], shapes: [String: [Int]] = [:]) -> [UInt8] {
        var header = "{\"__metadata__\":{\"format\":\"pt\"}"
        var offset = 0
        for (name, count, _) in tensors {
            let shape = shapes[name] ?? [count]
            header += ",\"\(name)\":{\"dtype\":\"F32\",\"shape\":[\(shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + count * 4)]}"
            offset += count * 4
        }
        header += "}"
        while header.utf8.count % 8 != 0 { header += " " }
        var out = [UInt8]()
        var n = UInt64(header.utf8.count)
        for _ in 0..<8 { out.append(UInt8(n & 0xff)); n >>= 8 }
        out += Array(header.utf8)
        for (_, count, seed) in tensors { out += randomBytes(count * 4, seed: seed) }
        return out
    }

    static let base: [(String, Int, UInt64)] = [
        ("embed.weight", 40_000, 1), ("layer0.weight", 20_000, 2), ("layer0.bias", 100, 3),
        ("layer1.weight", 20_000, 4), ("layer1.bias", 100, 5), ("head.weight", 8_000, 6),
    ]

    static func chunkedStore(_ mreg: MregRunner, _ dir: String) throws {
        try mreg.run(["config", "core.chunkThreshold", "64k"], cwd: dir).succeeded()
        try mreg.run(["config", "core.chunkSize", "32k"], cwd: dir).succeeded()
    }

    @Test func tensorAlignedChunksRoundTripAndDeduplicate() throws {
        try withStore { mreg, dir in
            try Self.chunkedStore(mreg, dir)
            let v1 = Self.safetensors(Self.base)
            try writeFile("\(dir)/m/model.safetensors", v1)
            let r1 = try RegisterTests.json(try mreg.run(["register", "llm", "m", "--json"], cwd: dir).succeeded()) as! [String: Any]
            #expect((r1["new_bytes"] as! Int) >= v1.count)
            let files = try RegisterTests.json(try mreg.run(["ls-files", "llm@1", "--json"], cwd: dir).succeeded()) as! [[String: Any]]
            let object = files[0]["object"] as! String
            #expect(try mreg.run(["cat-file", "-t", object], cwd: dir).output == "chunks")
            #expect((files[0]["details"] as! [String: Any])["tensors"] as? Int == 6)
            #expect((files[0]["details"] as! [String: Any])["parameters"] as? Int == 88_200)
            // Header chunk, then each tensor (160 KB embed split at 32 KiB from its start).
            let list = try RegisterTests.json(try mreg.run(["cat-file", "-p", object], cwd: dir).succeeded()) as! [String: Any]
            let sizes = (list["chunks"] as! [[String: Any]]).map { $0["size"] as! Int }
            #expect(sizes.reduce(0, +) == v1.count)
            #expect(sizes[1...5] == [32768, 32768, 32768, 32768, 28928])
            #expect(sizes.suffix(9) == [32768, 32768, 14464, 400, 32768, 32768, 14464, 400, 32_000])

            // A fine-tune that changed one tensor adds about that tensor (and the header), not the file.
            var tuned = Self.base
            tuned[3].2 = 99
            try writeFile("\(dir)/m/model.safetensors", Self.safetensors(tuned))
            let r2 = try RegisterTests.json(try mreg.run(["register", "llm", "m", "--base", "llm@1", "--json"], cwd: dir).succeeded()) as! [String: Any]
            let added = r2["new_bytes"] as! Int
            #expect(added > 80_000 && added < 80_000 + 12_000, "added \(added) bytes")

            // Both versions export byte for byte.
            try mreg.run(["export", "llm@1", "e1"], cwd: dir).succeeded()
            try mreg.run(["export", "llm@2", "e2"], cwd: dir).succeeded()
            #expect(try readFile("\(dir)/e1/model.safetensors") == v1)
            #expect(try readFile("\(dir)/e2/model.safetensors") == Self.safetensors(tuned))
            #expect(try mreg.run(["cat", "llm@1", "model.safetensors"], cwd: dir).stdoutBytes == v1)

            // diff --tensors names the changed tensor.
            let d = try RegisterTests.json(try mreg.run(["diff", "llm@1", "llm@2", "--tensors", "--json"], cwd: dir).succeeded()) as! [String: Any]
            let t = (d["tensors"] as! [String: Any])["model.safetensors"] as! [String: Any]
            #expect((t["changed"] as! [[String: Any]]).map { $0["name"] as! String } == ["layer1.weight"])
            #expect(t["unchanged_count"] as? Int == 5)
            #expect(t["changed_parameters"] as? Int == 20_000)
            let text = try mreg.run(["diff", "llm@1", "llm@2", "--tensors"], cwd: dir).succeeded().stdout
            #expect(text.contains("M  layer1.weight"))
            #expect(try mreg.run(["diff", "llm@1", "llm@2", "--tensors", "--exit-code"], cwd: dir).status == 1)
            try mreg.run(["fsck", "--no-dangling"], cwd: dir).succeeded()
        }
    }

    @Test func tensorDiffReportsAddedRemovedAndReshaped() throws {
        try withStore { mreg, dir in
            // Small files (single blobs): tensors are compared by hashing their bytes.
            try writeFile("\(dir)/a/w.safetensors", Self.safetensors(Self.base))
            try mreg.run(["register", "m", "a"], cwd: dir).succeeded()
            var next = Self.base.filter { $0.0 != "head.weight" }
            next.append(("lm_head.weight", 8_000, 7))
            try writeFile("\(dir)/a/w.safetensors", Self.safetensors(next, shapes: ["layer0.weight": [100, 200]]))
            try mreg.run(["register", "m", "a"], cwd: dir).succeeded()
            let d = try RegisterTests.json(try mreg.run(["diff", "m@1", "m@2", "--tensors", "--json", "--all"], cwd: dir).succeeded()) as! [String: Any]
            let t = (d["tensors"] as! [String: Any])["w.safetensors"] as! [String: Any]
            #expect((t["added"] as! [[String: Any]]).map { $0["name"] as! String } == ["lm_head.weight"])
            #expect((t["removed"] as! [[String: Any]]).map { $0["name"] as! String } == ["head.weight"])
            #expect((t["reshaped"] as! [[String: Any]]).map { $0["name"] as! String } == ["layer0.weight"])
            #expect((t["changed"] as! [[String: Any]]).isEmpty)
            #expect(t["unchanged_count"] as? Int == 4)
            #expect((t["unchanged"] as! [[String: Any]]).count == 4)
        }
    }

    @Test func contentDefinedChunksSurviveAnInsertion() throws {
        try withStore { mreg, dir in
            try Self.chunkedStore(mreg, dir)
            let data = randomBytes(600_000, seed: 11)
            try writeFile("\(dir)/blob.bin", data)
            try mreg.run(["register", "m", "blob.bin"], cwd: dir).succeeded()
            try writeFile("\(dir)/blob.bin", randomBytes(5_000, seed: 12) + data)
            let r = try RegisterTests.json(try mreg.run(["register", "m", "blob.bin", "--json"], cwd: dir).succeeded()) as! [String: Any]
            #expect((r["new_bytes"] as! Int) < 150_000, "\(r)")
            try mreg.run(["export", "m@2", "out"], cwd: dir).succeeded()
            #expect(try readFile("\(dir)/out/blob.bin") == randomBytes(5_000, seed: 12) + data)
        }
    }

    @Test func aDamagedChunkIsCaughtOnExport() throws {
        try withStore { mreg, dir in
            try Self.chunkedStore(mreg, dir)
            try writeFile("\(dir)/m/model.safetensors", Self.safetensors(Self.base))
            try mreg.run(["register", "llm", "m"], cwd: dir).succeeded()
            let files = try RegisterTests.json(try mreg.run(["ls-files", "llm@1", "--json"], cwd: dir).succeeded()) as! [[String: Any]]
            let list = try RegisterTests.json(try mreg.run(["cat-file", "-p", files[0]["object"] as! String], cwd: dir).succeeded()) as! [String: Any]
            let victim = (list["chunks"] as! [[String: Any]])[3]["object"] as! String
            let path = "\(dir)/.mreg/objects/\(victim.prefix(2))/\(victim.dropFirst(2))"
            var bytes = try readFile(path)
            bytes[bytes.count / 2] ^= 0x55
            chmod(path, 0o644)
            try writeFile(path, bytes)
            let r = try mreg.run(["export", "llm@1", "out"], cwd: dir)
            #expect(r.status != 0 && r.stderrIsOneLine, "\(r)")
            #expect(r.stderr.contains(String(victim.prefix(8))), "\(r)")
            #expect((try? FileManager.default.contentsOfDirectory(atPath: "\(dir)/out"))?.isEmpty ?? true)
            #expect(try mreg.run(["fsck", "--no-dangling"], cwd: dir).status == 4)
        }
    }

    @Test func theStatCacheSkipsUnchangedFilesButNotChangedOnes() throws {
        try withStore { mreg, dir in
            try writeFile("\(dir)/w.bin", randomBytes(10_000, seed: 1))
            try mreg.run(["register", "m", "w.bin"], cwd: dir).succeeded()
            #expect(FileManager.default.fileExists(atPath: "\(dir)/.mreg/statcache"))
            let again = try RegisterTests.json(try mreg.run(["register", "m", "w.bin", "--json"], cwd: dir).succeeded()) as! [String: Any]
            #expect(again["existing"] as? Bool == true)
            // Same size, new bytes: a new version, never a stale digest.
            try writeFile("\(dir)/w.bin", randomBytes(10_000, seed: 2))
            let changed = try RegisterTests.json(try mreg.run(["register", "m", "w.bin", "--json"], cwd: dir).succeeded()) as! [String: Any]
            #expect(changed["version"] as? Int == 2)
            try mreg.run(["export", "m@2", "out"], cwd: dir).succeeded()
            #expect(try readFile("\(dir)/out/w.bin") == randomBytes(10_000, seed: 2))
        }
    }
}
