import Foundation
import MregTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Transfers in packs (issue 17, items 3 and 4): push sends one pack and updates the
/// remote's pack list; fetch and clone read the list and download packs; old-layout
/// (loose) remotes and stores keep working in every combination.
@Suite struct PackTransferTests {
    typealias R = RemoteTests

    /// The names in a pack list's bytes.
    static func listed(_ bytes: [UInt8]?) -> [String] {
        guard let bytes else { return [] }
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n").dropFirst().map { String($0.split(separator: " ")[0]) }
    }

    /// Loose and packed objects of a store.
    static func allObjects(_ mreg: MregRunner, _ store: String) throws -> Int {
        let counts = try R.json(try mreg.run(["count-objects", "--json"], cwd: store).succeeded())
        return (counts["count"] as? Int ?? -1) + (counts["in_pack"] as? Int ?? -1)
    }

    static func files(_ folder: String, suffix: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(suffix) }.sorted()
    }

    /// Whether two stores hold the same registry (same log).
    static func expectSameLog(_ mreg: MregRunner, _ a: String, _ b: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(try mreg.run(["log", "--json"], cwd: a).succeeded().stdout == mreg.run(["log", "--json"], cwd: b).succeeded().stdout,
                sourceLocation: sourceLocation)
    }

    // MARK: filesystem remote

    @Test func pushSendsOnePackAndCloneFetchPullRoundTripFromLooseAndPackedStores() throws {
        try withStore { mreg, dir in
            let base = R.base(dir)
            let remote = "\(base)/remote"
            try R.initStore(mreg, remote)
            try mreg.run(["config", "gc.packThreshold", "64k"], cwd: dir).succeeded()
            try R.register(mreg, dir, "fraud", message: "one", files: 4, size: 100_000)  // model.bin is over the threshold
            try R.register(mreg, dir, "ranker", message: "r1", seed: 3)
            try mreg.run(["remote", "add", "origin", remote], cwd: dir).succeeded()
            // A loose store pushes: one pack (and its index), the large blob alone, loose.
            let pushed = try R.json(try mreg.run(["push", "--json"], cwd: dir).succeeded())
            #expect(R.statuses(pushed) == ["fraud": "pushed", "ranker": "pushed"])
            let packFolder = "\(remote)/.mreg/objects/pack"
            #expect(Self.files(packFolder, suffix: ".pack").count == 1 && Self.files(packFolder, suffix: ".idx").count == 1)
            #expect(Self.listed(try? readFile("\(packFolder)/LIST")) == Self.files(packFolder, suffix: ".pack").map { String($0.dropLast(5)) })
            #expect(try String(decoding: readFile("\(packFolder)/LIST"), as: UTF8.self).hasPrefix("mreg-pack-list 1\n"))
            #expect(try Self.allObjects(mreg, remote) == Self.allObjects(mreg, dir))
            try R.expectClean(mreg, remote)
            #expect(try mreg.run(["cat", "fraud", "model.bin"], cwd: remote).succeeded().stdoutBytes == randomBytes(100_000, seed: 1))

            // Clone into a new store; then the source is packed by gc and pushes again.
            let clone = "\(base)/clone"
            try mreg.run(["clone", "-q", remote, clone], cwd: base).succeeded()
            try R.expectClean(mreg, clone)
            try Self.expectSameLog(mreg, dir, clone)
            try mreg.run(["gc"], cwd: dir).succeeded()
            try R.register(mreg, dir, "fraud", message: "two", files: 4, size: 100_000, seed: 5)
            try mreg.run(["gc"], cwd: dir).succeeded()
            try mreg.run(["push"], cwd: dir).succeeded()
            #expect(Self.listed(try? readFile("\(packFolder)/LIST")).count == 2)
            try R.expectClean(mreg, remote)
            // The clone (loose) fetches and pulls; packed, it pulls again.
            let fetched = try R.json(try mreg.run(["fetch", "--json"], cwd: clone).succeeded())
            #expect(fetched["objects"] as? Int == 6)  // event, manifest, four changed files
            try mreg.run(["pull"], cwd: clone).succeeded()
            try Self.expectSameLog(mreg, dir, clone)
            try mreg.run(["gc"], cwd: clone).succeeded()
            try R.register(mreg, dir, "ranker", message: "r2", seed: 8)
            try mreg.run(["push"], cwd: dir).succeeded()
            try mreg.run(["pull"], cwd: clone).succeeded()
            try Self.expectSameLog(mreg, dir, clone)
            try R.expectClean(mreg, clone)
            #expect(try mreg.run(["cat", "fraud@2", "model.bin"], cwd: clone).succeeded().stdoutBytes == randomBytes(100_000, seed: 5))
            // Nothing new: nothing sent, no new pack.
            let again = try R.json(try mreg.run(["push", "--json"], cwd: dir).succeeded())
            #expect(again["objects"] as? Int == 0)
            #expect(Self.listed(try? readFile("\(packFolder)/LIST")).count == 3)
        }
    }

    @Test func aMixedOldLayoutRemoteKeepsWorking() throws {
        try withStore { mreg, dir in
            let base = R.base(dir)
            let remote = "\(base)/remote"
            try R.initStore(mreg, remote)
            try R.register(mreg, dir, "fraud", message: "one")
            try mreg.run(["remote", "add", "origin", remote], cwd: dir).succeeded()
            // The old layout: loose objects only, no pack list.
            try mreg.run(["config", "remote.origin.packs", "false"], cwd: dir).succeeded()
            try mreg.run(["push"], cwd: dir).succeeded()
            #expect(!FileManager.default.fileExists(atPath: "\(remote)/.mreg/objects/pack/LIST"))
            try mreg.run(["config", "remote.origin.packs", "true"], cwd: dir).succeeded()
            try R.register(mreg, dir, "fraud", message: "two", seed: 2)
            try mreg.run(["push"], cwd: dir).succeeded()
            #expect(Self.listed(try? readFile("\(remote)/.mreg/objects/pack/LIST")).count == 1)
            try R.expectClean(mreg, remote)
            for packs in ["1", "0"] {
                let clone = "\(base)/clone\(packs)"
                try mreg.run(["clone", "-q", remote, clone], cwd: base, env: ["MREG_REMOTE_PACKS": packs]).succeeded()
                try Self.expectSameLog(mreg, dir, clone)
                try R.expectClean(mreg, clone)
            }
            #expect(try mreg.run(["config", "remote.origin.packs", "maybe"], cwd: dir).status != 0
                    || mreg.run(["push"], cwd: dir).status == 64)
        }
    }

    @Test func concurrentPushersAllLandInThePackList() throws {
        try withStore { mreg, dir in
            let base = R.base(dir)
            let remote = "\(base)/remote"
            try R.initStore(mreg, remote)
            var stores = [String]()
            for i in 0..<6 {
                let s = "\(base)/s\(i)"
                try R.initStore(mreg, s)
                try R.register(mreg, s, "model-\(i)", message: "m\(i)", seed: UInt64(300 + i))
                try mreg.run(["remote", "add", "origin", remote], cwd: s).succeeded()
                stores.append(s)
            }
            let runs = try stores.map { try mreg.start(["push"], cwd: $0) }.map { $0.wait() }
            for r in runs { #expect(r.status == 0, "\(r)") }
            let packFolder = "\(remote)/.mreg/objects/pack"
            #expect(Set(Self.listed(try? readFile("\(packFolder)/LIST"))) == Set(Self.files(packFolder, suffix: ".pack").map { String($0.dropLast(5)) }))
            #expect(Self.listed(try? readFile("\(packFolder)/LIST")).count == 6)
            try R.expectClean(mreg, remote)
            let clone = "\(base)/clone"
            try mreg.run(["clone", "-q", remote, clone], cwd: base).succeeded()
            #expect(try mreg.run(["list", "--json"], cwd: clone).stdout.components(separatedBy: "\"model\"").count == 7)
        }
    }

    // MARK: S3

    @Suite(.enabled(if: S3Server.isAvailable, S3Server.skipReason))
    struct S3 {
        /// Requests by method and key from a trace file (`METHOD key status time`).
        static func requests(_ trace: String) -> [String] {
            ((try? readFile(trace)).map { String(decoding: $0, as: UTF8.self) } ?? "").split(separator: "\n").map(String.init)
        }

        @Test func pushCloneFetchPullThroughPacksInAFewRequests() throws {
            let s3 = S3Server.shared!
            try withStore { mreg, dir in
                let base = R.base(dir)
                let bucket = try s3.makeBucket()
                let url = "s3://\(bucket)/team"
                let trace = "\(base)/trace.txt"
                var env = s3.environment
                env["MREG_S3_TRACE"] = trace
                try mreg.run(["config", "gc.packThreshold", "64k"], cwd: dir).succeeded()
                for v in 0..<3 {
                    try R.register(mreg, dir, "fraud", message: "v\(v)", files: 4, size: 100_000, seed: UInt64(10 + v))
                    try R.register(mreg, dir, "ranker", message: "r\(v)", seed: UInt64(20 + v))
                }
                try mreg.run(["remote", "add", "origin", url], cwd: dir).succeeded()
                try mreg.run(["push"], cwd: dir, env: env).succeeded()
                let keys = try s3.keys(bucket: bucket, prefix: "team/objects/")
                #expect(keys.filter { $0.hasSuffix(".pack") }.count == 1 && keys.filter { $0.hasSuffix(".idx") }.count == 1)
                #expect((1...3).contains(keys.filter { !$0.hasPrefix("team/objects/pack/") }.count))  // the large blobs
                #expect(Self.requests(trace).count <= 20, "\(Self.requests(trace))")
                #expect(!Self.requests(trace).contains { PackRequestTests.listsObjects($0, prefix: "team") })

                try? FileManager.default.removeItem(atPath: trace)
                let clone = "\(base)/clone"
                try mreg.run(["clone", "-q", url, clone], cwd: base, env: env).succeeded()
                try R.expectClean(mreg, clone)
                try PackTransferTests.expectSameLog(mreg, dir, clone)
                #expect(try mreg.run(["cat", "fraud@2", "model.bin"], cwd: clone).succeeded().stdoutBytes == randomBytes(100_000, seed: 11))
                let cloneRequests = Self.requests(trace)
                #expect(cloneRequests.count <= 20, "\(cloneRequests)")
                #expect(!cloneRequests.contains { PackRequestTests.listsObjects($0, prefix: "team") })

                // One more version, packed on both sides: fetch and pull.
                try mreg.run(["gc"], cwd: dir).succeeded()
                try mreg.run(["gc"], cwd: clone).succeeded()
                try R.register(mreg, dir, "ranker", message: "r3", seed: 30)
                try? FileManager.default.removeItem(atPath: trace)
                try mreg.run(["push"], cwd: dir, env: env).succeeded()
                #expect(Self.requests(trace).count <= 12, "\(Self.requests(trace))")
                try mreg.run(["pull"], cwd: clone, env: env).succeeded()
                try PackTransferTests.expectSameLog(mreg, dir, clone)
                try R.expectClean(mreg, clone)
                #expect(PackTransferTests.listed(try s3.get(bucket: bucket, key: "team/objects/pack/LIST")).count == 2)
            }
        }

        @Test func aMixedOldLayoutBucketAndLoosePushesKeepWorking() throws {
            let s3 = S3Server.shared!
            try withStore { mreg, dir in
                let base = R.base(dir)
                let bucket = try s3.makeBucket()
                let url = "s3://\(bucket)/mixed"
                var loose = s3.environment
                loose["MREG_REMOTE_PACKS"] = "0"
                try R.register(mreg, dir, "fraud", message: "one")
                try mreg.run(["push", url], cwd: dir, env: loose).succeeded()
                #expect(try s3.get(bucket: bucket, key: "mixed/objects/pack/LIST") == nil)
                try R.register(mreg, dir, "fraud", message: "two", seed: 2)
                try mreg.run(["push", url], cwd: dir, env: s3.environment).succeeded()
                #expect(PackTransferTests.listed(try s3.get(bucket: bucket, key: "mixed/objects/pack/LIST")).count == 1)
                try R.register(mreg, dir, "fraud", message: "three", seed: 3)
                try mreg.run(["push", url], cwd: dir, env: loose).succeeded()
                for (name, env) in [("a", s3.environment), ("b", loose)] {
                    let clone = "\(base)/clone-\(name)"
                    try mreg.run(["clone", "-q", url, clone], cwd: base, env: env).succeeded()
                    try PackTransferTests.expectSameLog(mreg, dir, clone)
                    try R.expectClean(mreg, clone)
                }
            }
        }

        @Test func concurrentPushersWithPacksAllLand() throws {
            let s3 = S3Server.shared!
            try withStore { mreg, dir in
                let base = R.base(dir)
                let bucket = try s3.makeBucket()
                let url = "s3://\(bucket)/many"
                var stores = [String]()
                for i in 0..<8 {
                    let s = "\(base)/s\(i)"
                    try R.initStore(mreg, s)
                    try R.register(mreg, s, "model-\(i)", message: "m\(i)", seed: UInt64(400 + i))
                    stores.append(s)
                }
                let runs = try stores.map { try mreg.start(["push", url], cwd: $0, env: s3.environment) }.map { $0.wait() }
                for r in runs { #expect(r.status == 0, "\(r)") }
                let listed = PackTransferTests.listed(try s3.get(bucket: bucket, key: "many/objects/pack/LIST"))
                let uploaded = try s3.keys(bucket: bucket, prefix: "many/objects/pack/").filter { $0.hasSuffix(".pack") }
                #expect(listed.count == 8 && Set(listed.map { "many/objects/pack/\($0).pack" }) == Set(uploaded), "\(listed) \(uploaded)")
                let clone = "\(base)/clone"
                try mreg.run(["clone", "-q", url, clone], cwd: base, env: s3.environment).succeeded()
                #expect(try mreg.run(["list", "--json"], cwd: clone).stdout.components(separatedBy: "\"model\"").count == 9)
                try R.expectClean(mreg, clone)
            }
        }

        @Test func aMissingOrCorruptPackIsNamedAndNothingIsStored() throws {
            let s3 = S3Server.shared!
            try withStore { mreg, dir in
                let base = R.base(dir)
                let bucket = try s3.makeBucket()
                let url = "s3://\(bucket)/bad"
                try R.register(mreg, dir, "fraud", message: "one")
                try mreg.run(["push", url], cwd: dir, env: s3.environment).succeeded()
                let name = try #require(PackTransferTests.listed(try s3.get(bucket: bucket, key: "bad/objects/pack/LIST")).first)
                let packKey = "bad/objects/pack/\(name).pack"
                var good = try #require(try s3.get(bucket: bucket, key: packKey))
                // A damaged pack: one byte flipped in the middle.
                var bad = good
                bad[bad.count / 2] ^= 0x5a
                try s3.put(bucket: bucket, key: packKey, bytes: bad)
                let store = "\(base)/fresh"
                try R.initStore(mreg, store)
                let before = try R.objectCount(mreg, store)
                let r = try mreg.run(["fetch", url], cwd: store, env: s3.environment)
                #expect(r.status == 4 && r.stderrIsOneLine && r.stderr.contains(name), "\(r)")
                #expect(try R.objectCount(mreg, store) == before)
                try R.expectClean(mreg, store)
                #expect(try FileManager.default.contentsOfDirectory(atPath: "\(store)/.mreg/objects").filter { $0.hasPrefix("tmp_obj_") }.isEmpty)
                // A listed pack that is missing.
                let other = "\(base)/other"
                try R.initStore(mreg, other)
                try s3.delete(bucket: bucket, key: packKey)
                let missing = try mreg.run(["clone", url, "\(base)/c2"], cwd: base, env: s3.environment)
                #expect(missing.status == 4 && missing.stderrIsOneLine && missing.stderr.contains(name) && missing.stderr.contains("missing"), "\(missing)")
                #expect(!FileManager.default.fileExists(atPath: "\(base)/c2"))
                // Put back, it works.
                good = Array(good)
                try s3.put(bucket: bucket, key: packKey, bytes: good)
                try mreg.run(["fetch", url], cwd: other, env: s3.environment).succeeded()
            }
        }

        @Test func gcRemoteDeletesOnlyUnlistedPacks() throws {
            let s3 = S3Server.shared!
            try withStore { mreg, dir in
                let bucket = try s3.makeBucket()
                let url = "s3://\(bucket)/gc"
                try R.register(mreg, dir, "fraud", message: "one")
                try mreg.run(["push", url], cwd: dir, env: s3.environment).succeeded()
                let listed = try #require(PackTransferTests.listed(try s3.get(bucket: bucket, key: "gc/objects/pack/LIST")).first)
                // An interrupted push's pack: uploaded, never listed.
                let stray = "pack-" + String(repeating: "ab", count: 32)
                let packBytes = try #require(try s3.get(bucket: bucket, key: "gc/objects/pack/\(listed).pack"))
                try s3.put(bucket: bucket, key: "gc/objects/pack/\(stray).pack", bytes: packBytes)
                try s3.put(bucket: bucket, key: "gc/objects/pack/\(stray).idx", bytes: [1, 2, 3])
                // Within the grace: kept.
                try mreg.run(["gc", "--remote", url], cwd: dir, env: s3.environment).succeeded()
                #expect(try s3.get(bucket: bucket, key: "gc/objects/pack/\(stray).pack") != nil)
                try mreg.run(["gc", "--remote", url, "--prune=now"], cwd: dir, env: s3.environment).succeeded()
                #expect(try s3.get(bucket: bucket, key: "gc/objects/pack/\(stray).pack") == nil)
                #expect(try s3.get(bucket: bucket, key: "gc/objects/pack/\(stray).idx") == nil)
                #expect(try s3.get(bucket: bucket, key: "gc/objects/pack/\(listed).pack") != nil)
                #expect(try s3.get(bucket: bucket, key: "gc/objects/pack/\(listed).idx") != nil)
                let clone = "\(R.base(dir))/clone"
                try mreg.run(["clone", "-q", url, clone], cwd: dir, env: s3.environment).succeeded()
                try R.expectClean(mreg, clone)
            }
        }
    }
}
