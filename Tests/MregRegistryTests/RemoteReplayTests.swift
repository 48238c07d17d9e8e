import MregTestSupport
import Foundation
import MregStore
import Testing
@testable import MregRegistry
@testable import MregFilter
@testable import MregSupport
@testable import MregIndex
@testable import MregGovernance
@testable import MregRemote

/// `ChainReplay`: local events rebuilt on another head keep their meaning.
@Suite struct RemoteReplayTests {
    static let m1 = ObjectID.compute(type: .manifest, payload: Array("one".utf8))
    static let m2 = ObjectID.compute(type: .manifest, payload: Array("two".utf8))
    static let m3 = ObjectID.compute(type: .manifest, payload: Array("three".utf8))
    static let m4 = ObjectID.compute(type: .manifest, payload: Array("four".utf8))

    static func register(_ v: Int64, _ m: ObjectID, content: String, by actor: String = "Ada") -> Event {
        Event(model: "m", sequence: 0, parent: nil, action: .register, version: v, manifest: m, content: content,
              actor: actor, time: "2026-01-0\(v)T00:00:00Z")
    }

    /// Applies events as a chain (what the store does), returning the state.
    static func chain(_ events: [Event]) -> (ModelState, [Event]) {
        var state = ModelState(model: "m")
        var out = [Event]()
        for var e in events {
            e.sequence = state.eventCount + 1
            e.parent = state.head
            state.apply(e, id: ObjectID.compute(type: .event, payload: e.json.canonicalBytes))
            out.append(e)
        }
        return (state, out)
    }

    @Test func approvalsFollowTheirVersionAndAreDroppedWhenTheyCannotBeSignedAgain() {
        let (remote, _) = Self.chain([Self.register(1, Self.m1, content: "c1"), Self.register(2, Self.m2, content: "c2", by: "Bob")])
        var approve = Event(model: "m", sequence: 0, parent: nil, action: .approve, version: 2, manifest: Self.m3, stage: "production",
                            actor: "Val", time: "2026-01-04T00:00:00Z", signer: "val@example.com", signature: "old")
        approve.sequence = 3
        let local = [Self.register(2, Self.m3, content: "c3"), approve]
        // Signed again (by val's key): kept, pointing at the renumbered version, approval in force.
        let resigned = ChainReplay.rebuild(local: local, onto: remote, resign: { event, signer in
            event.signer = signer
            event.signature = "new"
            return true
        })
        #expect(resigned.events.count == 2 && resigned.resigned == 1)
        let replayed = try? #require(resigned.events.last)
        #expect(replayed?.event.version == 3 && replayed?.event.manifest == Self.m3 && replayed?.event.signature == "new")
        #expect(resigned.state.approvals(of: 3, stage: "production").map(\.signer) == ["val@example.com"])
        // Not signable again: dropped (an unsigned approval would be refused everywhere), not replayed unsigned.
        let unsigned = ChainReplay.rebuild(local: local, onto: remote)
        #expect(unsigned.events.count == 1 && unsigned.dropped == 1 && unsigned.unsigned == 0)
        #expect(unsigned.state.approvals.isEmpty)
    }

    @Test func localVersionsGetTheNextNumbersAndTagsAndStagesFollowThem() {
        // Common base: v1. Remote: v2 (m2), promoted to staging. Local: v2 (m3) tagged and promoted, then v3 (m4).
        let (remote, _) = Self.chain([Self.register(1, Self.m1, content: "c1"), Self.register(2, Self.m2, content: "c2", by: "Bob"),
                                      Event(model: "m", sequence: 0, parent: nil, action: .promote, version: 2, manifest: Self.m2,
                                            stage: "staging", actor: "Bob", time: "2026-01-03T00:00:00Z")])
        let local = [
            Self.register(2, Self.m3, content: "c3"),
            Event(model: "m", sequence: 3, parent: nil, action: .tag, version: 2, manifest: Self.m3, tag: "best", actor: "Ada", time: "2026-01-04T00:00:00Z"),
            Event(model: "m", sequence: 4, parent: nil, action: .promote, version: 2, manifest: Self.m3, stage: "staging",
                  previous: nil, actor: "Ada", time: "2026-01-05T00:00:00Z", reason: "better"),
            Self.register(3, Self.m4, content: "c4"),
            Event(model: "m", sequence: 6, parent: nil, action: .promote, version: 1, manifest: Self.m1, stage: "production",
                  actor: "Ada", time: "2026-01-06T00:00:00Z"),
        ]
        let r = ChainReplay.rebuild(local: local, onto: remote)
        #expect(r.renumbered == [Renumbering(from: 2, to: 3), Renumbering(from: 3, to: 4)])
        #expect(r.dropped == 0)
        #expect(r.events.count == 5)
        // The chain continues from the remote head, one sequence number at a time.
        #expect(r.events[0].event.parent == remote.head && r.events[0].event.sequence == remote.eventCount + 1)
        for i in 1..<r.events.count {
            #expect(r.events[i].event.parent == r.events[i - 1].id)
            #expect(r.events[i].event.sequence == r.events[i - 1].event.sequence + 1)
        }
        // Ids are what the store will compute.
        for (id, e) in r.events { #expect(id == ObjectID.compute(type: .event, payload: e.json.canonicalBytes)) }
        let s = r.state
        #expect(s.versions[2]?.manifest == Self.m2)  // the remote's v2 is untouched
        #expect(s.versions[3]?.manifest == Self.m3 && s.versions[4]?.manifest == Self.m4)
        #expect(s.tags["best"] == 3)
        #expect(s.stages["staging"] == 3 && s.stages["production"] == 1)
        // The promotion records what it replaced on the remote; actor, time and reason are kept.
        let promote = r.events[2].event
        #expect(promote.previous == 2 && promote.actor == "Ada" && promote.time == "2026-01-05T00:00:00Z" && promote.reason == "better")
    }

    @Test func sameContentOnBothSidesIsNotRegisteredTwice() {
        let (remote, _) = Self.chain([Self.register(1, Self.m1, content: "c1"), Self.register(2, Self.m2, content: "c2")])
        let local = [Self.register(2, Self.m2, content: "c2"),
                     Event(model: "m", sequence: 0, parent: nil, action: .tag, version: 2, manifest: Self.m2, tag: "ok", actor: "Ada", time: "t")]
        let r = ChainReplay.rebuild(local: local, onto: remote)
        #expect(r.dropped == 1 && r.renumbered.isEmpty)
        #expect(r.events.map(\.event.action) == [.tag])
        #expect(r.state.tags["ok"] == 2 && r.state.versions.count == 2)
    }

    @Test func removalsAlreadyDoneRemotelyAreDroppedAndMovedTagsAreForced() {
        let (remote, _) = Self.chain([
            Self.register(1, Self.m1, content: "c1"), Self.register(2, Self.m2, content: "c2"),
            Event(model: "m", sequence: 0, parent: nil, action: .tag, version: 2, manifest: Self.m2, tag: "best", actor: "Bob", time: "t"),
        ])
        let local = [
            Event(model: "m", sequence: 0, parent: nil, action: .tag, version: 1, manifest: Self.m1, tag: "best", actor: "Ada", time: "t"),
            Event(model: "m", sequence: 0, parent: nil, action: .demote, version: 1, stage: "production", previous: 1, actor: "Ada", time: "t"),
            Event(model: "m", sequence: 0, parent: nil, action: .untag, version: 1, tag: "gone", actor: "Ada", time: "t"),
        ]
        let r = ChainReplay.rebuild(local: local, onto: remote)
        #expect(r.events.count == 1 && r.dropped == 2)
        let tag = r.events[0].event
        #expect(tag.version == 1 && tag.previous == 2 && tag.force)
        #expect(r.state.tags["best"] == 1)
    }

    @Test func unrelatedHistoriesReplayEverythingAfterTheRemote() {
        let (remote, _) = Self.chain([Self.register(1, Self.m1, content: "c1")])
        let (_, mine) = Self.chain([Self.register(1, Self.m2, content: "c2"), Self.register(2, Self.m3, content: "c3")])
        let r = ChainReplay.rebuild(local: mine, onto: remote)
        #expect(r.renumbered == [Renumbering(from: 1, to: 2), Renumbering(from: 2, to: 3)])
        #expect(r.state.versions.mapValues(\.manifest) == [1: Self.m1, 2: Self.m2, 3: Self.m3])
        #expect(r.state.eventCount == 3)
    }

    @Test func signaturesDoNotSurviveAReplay() {
        let (remote, _) = Self.chain([Self.register(1, Self.m1, content: "c1")])
        var signed = Self.register(1, Self.m2, content: "c2")
        signed.signer = "ada@example.com"
        signed.signature = "-----BEGIN SSH SIGNATURE-----"
        let r = ChainReplay.rebuild(local: [signed], onto: remote)
        #expect(r.unsigned == 1 && r.events[0].event.signature == nil && r.events[0].event.signer == nil)
    }

    // MARK: locations, settings, XML

    @Test func remoteLocations() throws {
        #expect(try RemoteLocation.parse("s3://models/team/a/") == .s3(bucket: "models", prefix: "team/a"))
        #expect(try RemoteLocation.parse("S3://models") == .s3(bucket: "models", prefix: ""))
        #expect(try RemoteLocation.parse("s3://models/team").description == "s3://models/team")
        #expect(try RemoteLocation.parse("shared/reg", relativeTo: "/home/a") == .filesystem("/home/a/shared/reg"))
        #expect(try RemoteLocation.parse("file:///mnt/reg/") == .filesystem("/mnt/reg"))
        #expect(try RemoteLocation.parse("/mnt/reg/../other") == .filesystem("/mnt/other"))
        #expect(throws: RegistryError.self) { try RemoteLocation.parse("s3://Bad_Bucket/x") }
        #expect(throws: RegistryError.self) { try RemoteLocation.parse("s3://models/a//b") }
        #expect(throws: RegistryError.self) { try RemoteLocation.parse("https://example.com/x") }
        #expect(RemoteLocation.filesystem("/mnt/team/registry").defaultCloneDirectory == "registry")
        #expect(RemoteLocation.filesystem("/mnt/team/.mreg").defaultCloneDirectory == "team")
        #expect(RemoteLocation.s3(bucket: "models", prefix: "a/b").defaultCloneDirectory == "b")
    }

    @Test func s3SettingsComeFromConfigThenEnvironment() throws {
        let env = ["AWS_ENDPOINT_URL": "http://127.0.0.1:9000/", "AWS_ACCESS_KEY_ID": "AK", "AWS_SECRET_ACCESS_KEY": "SK",
                   "AWS_REGION": "eu-west-1", "HOME": "/nonexistent"]
        let s = try S3Settings.resolve(remote: "origin", bucket: "b", config: { _ in nil }, environment: env)
        #expect(s.endpoint.absoluteString == "http://127.0.0.1:9000" && s.pathStyle && s.region == "eu-west-1" && s.accessKeyID == "AK")
        let config = ["remote.origin.endpoint": "minio.local:9000", "remote.origin.region": "us-west-2", "remote.origin.accessKeyId": "CK"]
        let c = try S3Settings.resolve(remote: "origin", bucket: "b", config: { config[$0] }, environment: env)
        #expect(c.endpoint.absoluteString == "https://minio.local:9000" && c.region == "us-west-2" && c.accessKeyID == "CK" && c.secretAccessKey == "SK")
        let aws = try S3Settings.resolve(remote: nil, bucket: "b", config: { _ in nil },
                                         environment: ["AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_ACCESS_KEY": "S", "AWS_REGION": "eu-west-1", "HOME": "/nonexistent"])
        #expect(aws.endpoint.absoluteString == "https://s3.eu-west-1.amazonaws.com" && !aws.pathStyle)
        #expect(throws: RegistryError.self) {
            try S3Settings.resolve(remote: nil, bucket: "b", config: { _ in nil }, environment: ["HOME": "/nonexistent"])
        }
    }

    @Test func s3AnswersAreRead() {
        let list = """
            <?xml version="1.0"?><ListBucketResult><IsTruncated>true</IsTruncated><Contents><Key>p/refs/models/a&amp;b/head</Key></Contents>\
            <Contents><Key>p/refs/models/c/head</Key></Contents><NextContinuationToken>tok=</NextContinuationToken></ListBucketResult>
            """
        #expect(XMLText.all("Key", in: list) == ["p/refs/models/a&b/head", "p/refs/models/c/head"])
        #expect(XMLText.first("NextContinuationToken", in: list) == "tok=")
        #expect(XMLText.first("UploadId", in: list) == nil)
        #expect(XMLText.escape("\"e\"&") == "&quot;e&quot;&amp;")
    }

    @Test func transferPlanSendsEveryObjectAfterWhatItNames() {
        let blob = ObjectID.compute(type: .blob, payload: [1])
        let chunk = ObjectID.compute(type: .blob, payload: [2])
        let chunks = ObjectID.compute(type: .chunks, payload: [3])
        let manifest = ObjectID.compute(type: .manifest, payload: [4])
        let event = ObjectID.compute(type: .event, payload: [5])
        let plan = TransferPlan(order: [blob, chunk, chunks, manifest, event],
                                children: [chunks: [chunk], manifest: [blob, chunks], event: [manifest]],
                                sizes: [blob: 10, chunk: 20, chunks: 1, manifest: 2, event: 3])
        #expect(plan.levels == [[blob, chunk], [chunks], [manifest], [event]])
        #expect(plan.bytes == 36 && plan.count == 5)
    }
}
