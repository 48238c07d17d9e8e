import Foundation
import MregTestSupport
import Testing

/// `mreg import hf`: a Hugging Face cache repo built in the test (blobs, snapshots of links, refs).
@Suite struct ImportHFTests {
    /// A small real safetensors file: one F32 tensor of `count` values.
    static func safetensors(_ count: Int, fill: Float) -> [UInt8] {
        var header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[\(count)],\"data_offsets\":[0,\(count * 4)]}}"
        while header.utf8.count % 8 != 0 { header += " " }
        var out = withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { Array($0) } + Array(header.utf8)
        for _ in 0..<count { out += withUnsafeBytes(of: fill.bitPattern.littleEndian) { Array($0) } }
        return out
    }

    /// Adds `files` as blobs (named by a digest-like name) and a snapshot of links to them.
    static func makeSnapshot(_ repo: String, commit: String, _ files: [String: [UInt8]], mtime: Date) throws {
        let fm = FileManager.default
        for (path, bytes) in files {
            let blob = "b" + String(abs(bytes.hashValue), radix: 16) + String(bytes.count)
            try writeFile("\(repo)/blobs/\(blob)", bytes)
            let link = "\(repo)/snapshots/\(commit)/\(path)"
            try fm.createDirectory(atPath: (link as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            let depth = path.split(separator: "/").count + 1
            try fm.createSymbolicLink(atPath: link, withDestinationPath: String(repeating: "../", count: depth) + "blobs/\(blob)")
        }
        try fm.setAttributes([.modificationDate: mtime], ofItemAtPath: "\(repo)/snapshots/\(commit)")
    }

    @Test func aCacheRepoBecomesOneVersionPerSnapshotWithRefsAsTags() throws {
        try withStore { mreg, dir in
            let repo = "\(dir)/hub/models--sentence-transformers--all-MiniLM-L6-v2"
            let old = "1f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c", new = "9a8b7c6d5e4f30219a8b7c6d5e4f30219a8b7c6d"
            let card = "---\nlicense: apache-2.0\nlibrary_name: sentence-transformers\n---\n# all-MiniLM-L6-v2\n"
            try Self.makeSnapshot(repo, commit: old, ["config.json": Array("{\"hidden_size\": 4}".utf8), "model.safetensors": Self.safetensors(4, fill: 1),
                                                  "README.md": Array(card.utf8)], mtime: Date(timeIntervalSince1970: 1_700_000_000))
            try Self.makeSnapshot(repo, commit: new, ["config.json": Array("{\"hidden_size\": 4}".utf8), "model.safetensors": Self.safetensors(4, fill: 2),
                                                  "README.md": Array(card.utf8), "1_Pooling/config.json": Array("{}".utf8)],
                              mtime: Date(timeIntervalSince1970: 1_710_000_000))
            try writeFile("\(repo)/refs/main", new)
            try writeFile("\(repo)/refs/v1", old)
            let r = try mreg.run(["import", "hf", repo], cwd: dir).succeeded()
            #expect(r.lines == ["all-MiniLM-L6-v2 v1 1f2e3d4c5b6a imported; tagged hf-v1", "all-MiniLM-L6-v2 v2 9a8b7c6d5e4f imported; tagged main"], "\(r)")
            let show = try #require(try JSONSerialization.jsonObject(with: Data(try mreg.run(["show", "all-MiniLM-L6-v2@main", "--json"], cwd: dir).succeeded().stdoutBytes)) as? [String: Any])
            #expect(show["version"] as? Int == 2 && (show["params"] as? [String: Any])?["hf.commit"] as? String == new)
            #expect((show["card"] as? [String: Any])?["license"] as? String == "apache-2.0")
            let files = (show["files"] as? [[String: Any]] ?? []).map { "\($0["path"] ?? "")/\($0["mode"] ?? "")" }
            #expect(files == ["1_Pooling/config.json/100644", "README.md/100644", "config.json/100644", "model.safetensors/100644"])
            try mreg.run(["export", "all-MiniLM-L6-v2@v1", "out"], cwd: dir).succeeded()
            #expect(try Data(contentsOf: URL(fileURLWithPath: "\(dir)/out/model.safetensors")) == Data(Self.safetensors(4, fill: 1)))

            // Again: nothing new. Then main moves back to the old commit: the tag follows.
            let again = try mreg.run(["import", "hf", repo], cwd: dir).succeeded()
            #expect(again.lines.allSatisfy { $0.contains("already imported") } && again.lines.count == 2, "\(again)")
            try writeFile("\(repo)/refs/main", old)
            let moved = try mreg.run(["import", "hf", repo, "--name", "all-MiniLM-L6-v2"], cwd: dir).succeeded()
            #expect(moved.lines.first == "all-MiniLM-L6-v2 v1 1f2e3d4c5b6a (already imported); tagged main", "\(moved)")
        }
    }

    @Test func aLinkOutsideTheRepoOrAFolderThatIsNoRepoIsRefused() throws {
        try withStore { mreg, dir in
            let repo = "\(dir)/models--org--leaky"
            try Self.makeSnapshot(repo, commit: "abc", ["config.json": Array("{}".utf8)], mtime: Date())
            try writeFile("\(dir)/secret.txt", "token")
            try FileManager.default.createSymbolicLink(atPath: "\(repo)/snapshots/abc/secret.txt", withDestinationPath: "../../../secret.txt")
            let before = snapshot("\(dir)/.mreg")
            let r = try mreg.run(["import", "hf", repo], cwd: dir)
            #expect(r.status == 64 && r.stderrIsOneLine && r.stderr.contains("secret.txt"), "\(r)")
            try writeFile("\(dir)/notes/a.txt", "x")
            let notRepo = try mreg.run(["import", "hf", "notes"], cwd: dir)
            #expect(notRepo.status == 64 && notRepo.stderr.contains("neither a Hugging Face cache repo"), "\(notRepo)")
            #expect(differences(before, snapshot("\(dir)/.mreg")).isEmpty)

            // A save_pretrained folder is one version named after the folder.
            try writeFile("\(dir)/my-bert/config.json", "{}")
            try writeFile("\(dir)/my-bert/model.safetensors", Self.safetensors(2, fill: 3))
            let plain = try mreg.run(["import", "hf", "my-bert"], cwd: dir).succeeded()
            #expect(plain.lines == ["my-bert v1 imported"], "\(plain)")
        }
    }

    @Test func aLinkLoopASnapshotAFileOrTheHubFolderIsRefusedWithTheFolderToImport() throws {
        try withStore { mreg, dir in
            let repo = "\(dir)/hub/models--org--m"
            try Self.makeSnapshot(repo, commit: "abc", ["config.json": Array("{}".utf8)], mtime: Date())
            try writeFile("\(repo)/refs/main", "abc")
            try writeFile("\(repo)/refs/gone", "zzz")
            try writeFile("\(dir)/secret.txt", "token")
            let before = snapshot("\(dir)/.mreg")
            // What snapshot_download() returns, the hub folder, and a file.
            let one = try mreg.run(["import", "hf", "\(repo)/snapshots/abc"], cwd: dir)
            #expect(one.status == 64 && one.stderrIsOneLine && one.stderr.contains("mreg import hf \(repo)") && !one.stderr.contains("--dereference"), "\(one)")
            let hub = try mreg.run(["import", "hf", "hub"], cwd: dir)
            #expect(hub.status == 64 && hub.stderrIsOneLine && hub.stderr.contains("models--org--m"), "\(hub)")
            let file = try mreg.run(["import", "hf", "secret.txt"], cwd: dir)
            #expect(file.status == 64 && file.stderrIsOneLine && file.stderr.contains("not a folder"), "\(file)")
            let missing = try mreg.run(["import", "hf", "nowhere"], cwd: dir)
            #expect(missing.status == 2 && missing.stderr.contains("cannot import 'nowhere'"), "\(missing)")
            // A link to a parent folder inside the repo: a loop, refused without recursing forever.
            try FileManager.default.createSymbolicLink(atPath: "\(repo)/snapshots/abc/up", withDestinationPath: "..")
            let loop = try mreg.run(["import", "hf", repo], cwd: dir)
            #expect(loop.status == 64 && loop.stderrIsOneLine && loop.stderr.contains("link loop"), "\(loop)")
            try FileManager.default.removeItem(atPath: "\(repo)/snapshots/abc/up")
            #expect(differences(before, snapshot("\(dir)/.mreg")).isEmpty)

            // A ref naming no snapshot is named; re-importing lists the version's tags, moving none.
            let r = try mreg.run(["import", "hf", repo, "--json"], cwd: dir).succeeded()
            #expect(r.stderr.contains("ref 'gone'") && r.stderr.contains("no snapshot"), "\(r)")
            let again = try #require(try JSONSerialization.jsonObject(with: Data(try mreg.run(["import", "hf", repo, "--json"], cwd: dir).succeeded().stdoutBytes)) as? [String: Any])
            let versions = try #require(again["versions"] as? [[String: Any]])
            #expect(versions.first?["tags"] as? [String] == ["main"] && versions.first?["moved"] as? [String] == [], "\(again)")
        }
    }
}
