import Foundation
import MregTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 17's request targets and the pack list's repair: a no-op push or fetch takes one or
/// two requests, one more version at most six; `gc --remote` rebuilds a damaged, missing or
/// wrong pack list; a tampered cached index is never used; a push killed between the pack
/// upload and the list update leaves the remote consistent.
@Suite(.enabled(if: S3Server.isAvailable, S3Server.skipReason))
struct PackRequestTests {
    typealias R = RemoteTests

    static func requests(_ trace: String) -> [String] {
        let lines = ((try? readFile(trace)).map { String(decoding: $0, as: UTF8.self) } ?? "").split(separator: "\n").map(String.init)
        try? FileManager.default.removeItem(atPath: trace)
        return lines
    }

    /// Whether a request lists the bucket's objects (never in the normal path).
    static func listsObjects(_ line: String, prefix: String) -> Bool {
        line.contains("list-type") && line.contains("prefix=\(prefix)%2Fobjects")
    }

    @Test func noOpPushAndFetchTakeOneRequestAndOneMoreVersionAtMostSix() throws {
        let s3 = S3Server.shared!
        try withStore { mreg, dir in
            let base = R.base(dir)
            let bucket = try s3.makeBucket()
            let url = "s3://\(bucket)/team"
            let trace = "\(base)/trace.txt"
            var env = s3.environment
            env["MREG_S3_TRACE"] = trace
            for m in 0..<4 {
                for v in 0..<2 { try R.register(mreg, dir, "model-\(m)", message: "v\(v)", seed: UInt64(50 + 10 * m + v)) }
            }
            try mreg.run(["remote", "add", "origin", url], cwd: dir).succeeded()
            try mreg.run(["push"], cwd: dir, env: env).succeeded()
            _ = Self.requests(trace)
            let clone = "\(base)/clone"
            try mreg.run(["clone", "-q", url, clone], cwd: base, env: env).succeeded()
            _ = Self.requests(trace)

            let noOpPush = try R.json(try mreg.run(["push", "--json"], cwd: dir, env: env).succeeded())
            #expect(noOpPush["objects"] as? Int == 0)
            let pushRequests = Self.requests(trace)
            #expect(pushRequests.count <= 2, "\(pushRequests)")
            try mreg.run(["fetch"], cwd: clone, env: env).succeeded()
            let fetchRequests = Self.requests(trace)
            #expect(fetchRequests.count <= 2, "\(fetchRequests)")

            try R.register(mreg, dir, "model-2", message: "one more", seed: 99)
            try mreg.run(["push"], cwd: dir, env: env).succeeded()
            let oneMore = Self.requests(trace)
            #expect(oneMore.count <= 6, "\(oneMore)")
            #expect(!oneMore.contains { Self.listsObjects($0, prefix: "team") }, "\(oneMore)")
            try mreg.run(["pull"], cwd: clone, env: env).succeeded()
            let pulled = Self.requests(trace)
            #expect(!pulled.contains { Self.listsObjects($0, prefix: "team") }, "\(pulled)")
            try PackTransferTests.expectSameLog(mreg, dir, clone)
            try R.expectClean(mreg, clone)

            // Someone else pushes: this store's cached pack list is stale, its update is retried and lands.
            try R.register(mreg, clone, "model-1", message: "from the clone", seed: 123)
            try mreg.run(["push"], cwd: clone, env: env).succeeded()
            try R.register(mreg, dir, "model-3", message: "from the source", seed: 124)
            try mreg.run(["push", "origin", "model-3"], cwd: dir, env: env).succeeded()
            #expect(PackTransferTests.listed(try s3.get(bucket: bucket, key: "team/objects/pack/LIST")).count == 4)
            let third = "\(base)/third"
            try mreg.run(["clone", "-q", url, third], cwd: base, env: env).succeeded()
            try R.expectClean(mreg, third)
            #expect(try mreg.run(["log", "model-1", "--json"], cwd: third).succeeded().stdout.contains("from the clone"))
            #expect(try mreg.run(["log", "model-3", "--json"], cwd: third).succeeded().stdout.contains("from the source"))
        }
    }

    @Test func gcRemoteRepairsADamagedMissingOrWrongPackList() throws {
        let s3 = S3Server.shared!
        try withStore { mreg, dir in
            let base = R.base(dir)
            let bucket = try s3.makeBucket()
            let url = "s3://\(bucket)/fix"
            let listKey = "fix/objects/pack/LIST"
            try R.register(mreg, dir, "fraud", message: "one")
            try mreg.run(["push", url], cwd: dir, env: s3.environment).succeeded()
            try R.register(mreg, dir, "fraud", message: "two", seed: 2)
            try mreg.run(["push", url], cwd: dir, env: s3.environment).succeeded()
            let good = try #require(try s3.get(bucket: bucket, key: listKey))
            let names = PackTransferTests.listed(good)
            #expect(names.count == 2)

            // Damaged: a clone names the list and the fix; gc --remote rebuilds it from the packs present.
            try s3.put(bucket: bucket, key: listKey, bytes: Array("garbage\n".utf8))
            let refused = try mreg.run(["clone", url, "\(base)/c1"], cwd: base, env: s3.environment)
            #expect(refused.status == 4 && refused.stderrIsOneLine && refused.stderr.contains("objects/pack/LIST")
                    && refused.stderr.contains("gc --remote"), "\(refused)")
            let dry = try mreg.run(["gc", "--remote", url, "--dry-run"], cwd: dir, env: s3.environment).succeeded()
            #expect(dry.stdout.contains("damaged"), "\(dry)")
            #expect(try s3.get(bucket: bucket, key: listKey) == Array("garbage\n".utf8))
            let fixed = try mreg.run(["gc", "--remote", url], cwd: dir, env: s3.environment).succeeded()
            #expect(fixed.stdout.contains("rebuilt"), "\(fixed)")
            #expect(Set(PackTransferTests.listed(try s3.get(bucket: bucket, key: listKey))) == Set(names))
            try mreg.run(["clone", "-q", url, "\(base)/c2"], cwd: base, env: s3.environment).succeeded()
            try R.expectClean(mreg, "\(base)/c2")

            // Missing: the packs the models need are listed again.
            try s3.delete(bucket: bucket, key: listKey)
            try mreg.run(["gc", "--remote", url], cwd: dir, env: s3.environment).succeeded()
            #expect(Set(PackTransferTests.listed(try s3.get(bucket: bucket, key: listKey))) == Set(names))

            // Naming a pack that is not there: dropped (and a stray within the grace stays unlisted).
            let ghost = "pack-" + String(repeating: "cd", count: 32)
            try s3.put(bucket: bucket, key: listKey, bytes: good + Array("\(ghost) 4096\n".utf8))
            let json = try R.json(try mreg.run(["gc", "--remote", url, "--json"], cwd: dir, env: s3.environment).succeeded())
            let repairs = json["pack_list_repairs"] as? [String] ?? []
            #expect(repairs.count == 1 && repairs.first?.contains(ghost) == true, "\(json)")
            #expect(PackTransferTests.listed(try s3.get(bucket: bucket, key: listKey)) == names)
            // A sound list: nothing to repair, nothing written.
            let clean = try R.json(try mreg.run(["gc", "--remote", url, "--json"], cwd: dir, env: s3.environment).succeeded())
            #expect((clean["pack_list_repairs"] as? [String])?.isEmpty == true)
            try mreg.run(["clone", "-q", url, "\(base)/c3"], cwd: base, env: s3.environment).succeeded()
            try R.expectClean(mreg, "\(base)/c3")
        }
    }

    @Test func aNewerPackListIsRefusedNamingTheListNotTheStore() throws {
        let s3 = S3Server.shared!
        try withStore { mreg, dir in
            let bucket = try s3.makeBucket()
            let url = "s3://\(bucket)/newer"
            try R.register(mreg, dir, "fraud", message: "one")
            try mreg.run(["push", url], cwd: dir, env: s3.environment).succeeded()
            try s3.put(bucket: bucket, key: "newer/objects/pack/LIST", bytes: Array("mreg-pack-list 2\n".utf8))
            let r = try mreg.run(["clone", url, "\(R.base(dir))/c"], cwd: R.base(dir), env: s3.environment)
            #expect(r.status == 3 && r.stderrIsOneLine && r.stderr.contains("pack list") && r.stderr.contains("upgrade mreg"), "\(r)")
        }
    }

    @Test func aTamperedCachedIndexIsDetectedAndDownloadedAgain() throws {
        let s3 = S3Server.shared!
        try withStore { mreg, dir in
            let base = R.base(dir)
            let bucket = try s3.makeBucket()
            let url = "s3://\(bucket)/cache"
            try R.register(mreg, dir, "fraud", message: "one")
            try mreg.run(["remote", "add", "origin", url], cwd: dir).succeeded()
            try mreg.run(["push"], cwd: dir, env: s3.environment).succeeded()
            let clone = "\(base)/clone"
            try mreg.run(["clone", "-q", url, clone], cwd: base, env: s3.environment).succeeded()
            let name = try #require(PackTransferTests.listed(try s3.get(bucket: bucket, key: "cache/objects/pack/LIST")).first)
            let remoteIndex = try #require(try s3.get(bucket: bucket, key: "cache/objects/pack/\(name).idx"))
            let cacheRoot = "\(clone)/.mreg/remote-packs"
            let key = try #require(try FileManager.default.contentsOfDirectory(atPath: cacheRoot).first)
            let cached = "\(cacheRoot)/\(key)/\(name).idx"
            var bytes = try readFile(cached)
            #expect(bytes == remoteIndex)
            bytes[bytes.count / 2] ^= 0x11
            try Data(bytes).write(to: URL(fileURLWithPath: cached))
            try R.register(mreg, dir, "fraud", message: "two", seed: 2)
            try mreg.run(["push"], cwd: dir, env: s3.environment).succeeded()
            try mreg.run(["pull"], cwd: clone, env: s3.environment).succeeded()
            try PackTransferTests.expectSameLog(mreg, dir, clone)
            try R.expectClean(mreg, clone)
            #expect(try readFile(cached) == remoteIndex)
        }
    }

    @Test func aPushKilledAfterThePackUploadLeavesTheRemoteConsistent() throws {
        let s3 = S3Server.shared!
        try withStore { mreg, dir in
            let base = R.base(dir)
            let bucket = try s3.makeBucket()
            let url = "s3://\(bucket)/kill"
            let listKey = "kill/objects/pack/LIST"
            try R.register(mreg, dir, "fraud", message: "one")
            try mreg.run(["remote", "add", "origin", url], cwd: dir).succeeded()
            try mreg.run(["push"], cwd: dir, env: s3.environment).succeeded()
            let listed = PackTransferTests.listed(try s3.get(bucket: bucket, key: listKey))
            try R.register(mreg, dir, "fraud", message: "two", seed: 2)
            var killing = s3.environment
            killing["MREG_TEST_KILL_AT"] = "push-pack-uploaded"
            let killed = try mreg.run(["push"], cwd: dir, env: killing)
            #expect(killed.status != 0, "\(killed)")
            let packs = try s3.keys(bucket: bucket, prefix: "kill/objects/pack/").filter { $0.hasSuffix(".pack") }
            #expect(packs.count == 2)
            #expect(PackTransferTests.listed(try s3.get(bucket: bucket, key: listKey)) == listed)
            // The remote is as before the push: a clone is clean and has version one only.
            let before = "\(base)/before"
            try mreg.run(["clone", "-q", url, before], cwd: base, env: s3.environment).succeeded()
            try R.expectClean(mreg, before)
            #expect(!(try mreg.run(["log", "fraud", "--json"], cwd: before).succeeded().stdout.contains("\"two\"")))
            // Another version, so the next push sends another pack: the killed push's stays unlisted.
            try R.register(mreg, dir, "fraud", message: "three", seed: 3)
            try mreg.run(["push"], cwd: dir, env: s3.environment).succeeded()
            let after = PackTransferTests.listed(try s3.get(bucket: bucket, key: listKey))
            #expect(after.count == 2)
            let all = try s3.keys(bucket: bucket, prefix: "kill/objects/pack/").filter { $0.hasSuffix(".pack") }
            #expect(all.count == 3)
            let clone = "\(base)/clone"
            try mreg.run(["clone", "-q", url, clone], cwd: base, env: s3.environment).succeeded()
            try R.expectClean(mreg, clone)
            try PackTransferTests.expectSameLog(mreg, dir, clone)
            try mreg.run(["fetch"], cwd: before, env: s3.environment).succeeded()
            try R.expectClean(mreg, before)
            // gc keeps the unlisted pack within the grace, removes it after.
            try mreg.run(["gc", "--remote", "origin"], cwd: dir, env: s3.environment).succeeded()
            #expect(try s3.keys(bucket: bucket, prefix: "kill/objects/pack/").filter { $0.hasSuffix(".pack") }.count == 3)
            try mreg.run(["gc", "--remote", "origin", "--prune=now"], cwd: dir, env: s3.environment).succeeded()
            let left = try s3.keys(bucket: bucket, prefix: "kill/objects/pack/").filter { $0.hasSuffix(".pack") }
            #expect(Set(left) == Set(after.map { "kill/objects/pack/\($0).pack" }))
            let last = "\(base)/last"
            try mreg.run(["clone", "-q", url, last], cwd: base, env: s3.environment).succeeded()
            try R.expectClean(mreg, last)
            try PackTransferTests.expectSameLog(mreg, dir, last)
        }
    }
}
