import MregTestSupport
import Foundation
import MregStore
import Testing
@testable import MregRegistry
@testable import MregSupport
@testable import MregRemote

/// `ChainReplay` with the other side's events: moves of the same stage or tag conflict.
@Suite struct ChainReplayConflictTests {
    typealias R = RemoteReplayTests

    static func move(_ action: Event.Action, _ v: Int64?, stage: String? = nil, tag: String? = nil, by actor: String, day: Int) -> Event {
        Event(model: "m", sequence: 0, parent: nil, action: action, version: v, manifest: v == 1 ? R.m1 : v == 2 ? R.m2 : R.m3,
              tag: tag, stage: stage, actor: actor, time: "2026-02-0\(day)T00:00:00Z")
    }

    /// Base v1. Remote (Ada): v2, promoted to production and tagged best. Local (Bob): v2 (other content), the same moves.
    static func diverged() -> (remote: ModelState, theirs: [(id: ObjectID, event: Event)], local: [Event]) {
        let (remote, events) = R.chain([R.register(1, R.m1, content: "c1"), R.register(2, R.m2, content: "c2"),
                                        move(.promote, 2, stage: "production", by: "Ada", day: 3),
                                        move(.tag, 2, tag: "best", by: "Ada", day: 4)])
        let theirs = events.dropFirst().map { (ObjectID.compute(type: .event, payload: $0.json.canonicalBytes), $0) }
        var local = [R.register(2, R.m3, content: "c3", by: "Bob"), move(.promote, 2, stage: "production", by: "Bob", day: 5),
                     move(.tag, 2, tag: "best", by: "Bob", day: 6)]
        local[1].manifest = R.m3
        local[2].manifest = R.m3
        return (remote, theirs, local)
    }

    @Test func movesOfTheSameStageOrTagConflictAndStopTheReplay() throws {
        let (remote, theirs, local) = Self.diverged()
        let r = ChainReplay.rebuild(local: local, onto: remote, theirs: theirs)
        #expect(r.stopped)
        #expect(r.conflicts.map { "\($0.kind)/\($0.name)" } == ["stage/production", "tag/best"])
        let stage = try #require(r.conflicts.first)
        #expect(stage.local.version == 3 && stage.local.actor == "Bob" && stage.remote?.version == 2 && stage.remote?.actor == "Ada")
        #expect(stage.remote?.event == theirs[1].id && stage.outcome == .stopped)
        // The renumbered register records its old number.
        #expect(r.events.first?.event.renumberedFrom == 2 && r.events.first?.event.version == 3)
    }

    @Test func theirsDropsAndOursOverridesNamingTheMove() throws {
        let (remote, theirs, local) = Self.diverged()
        let dropped = ChainReplay.rebuild(local: local, onto: remote, theirs: theirs, resolution: .theirs)
        #expect(!dropped.stopped && dropped.events.count == 1 && dropped.conflicts.allSatisfy { $0.outcome == .dropped })
        #expect(dropped.state.stages["production"] == 2 && dropped.state.tags["best"] == 2)

        let ours = ChainReplay.rebuild(local: local, onto: remote, theirs: theirs, resolution: .ours)
        #expect(!ours.stopped && ours.events.count == 3)
        #expect(ours.state.stages["production"] == 3 && ours.state.tags["best"] == 3)
        let promotion = ours.events[1].event
        #expect(promotion.overrides == Event.Override(theirs[1].event, id: theirs[1].id) && promotion.previous == 2)
        #expect(promotion.overrides?.version == 2 && promotion.overrides?.actor == "Ada")
        let tag = ours.events[2].event
        #expect(tag.overrides?.event == theirs[2].id && tag.force && tag.previous == 2)
        // The field round-trips through JSON.
        #expect(try Event(json: promotion.json) == promotion)
    }

    @Test func aMoveThatEndsWhereTheRemotesDidIsNoConflict() {
        let (remote, theirs, _) = Self.diverged()
        // Bob promoted the shared v1 to staging (Ada did not touch staging) and demoted nothing.
        let local = [Self.move(.promote, 1, stage: "staging", by: "Bob", day: 5)]
        let r = ChainReplay.rebuild(local: local, onto: remote, theirs: theirs)
        #expect(!r.stopped && r.conflicts.isEmpty && r.events.count == 1)
        // Bob also put v2 (the same content as Ada's) into production: nothing to replay, no conflict.
        let same = [Self.move(.promote, 2, stage: "production", by: "Bob", day: 5)]
        let s = ChainReplay.rebuild(local: same, onto: remote, theirs: theirs)
        #expect(!s.stopped && s.events.isEmpty && s.dropped == 1)
    }

    @Test func aPromotionThePolicyRefusesIsAConflictThatOnlyTheirsResolves() {
        let (remote, theirs, _) = Self.diverged()
        let local = [Self.move(.promote, 1, stage: "staging", by: "Bob", day: 5)]
        let judge: (inout Event, ModelState) -> String? = { e, _ in e.stage == "staging" ? "from: v1 is not in development" : nil }
        for resolution in [ChainReplay.Resolution.stop, .ours] {
            let r = ChainReplay.rebuild(local: local, onto: remote, theirs: theirs, resolution: resolution, judge: judge)
            #expect(r.stopped && r.conflicts.first?.policy == "from: v1 is not in development" && r.conflicts.first?.remote == nil)
        }
        let r = ChainReplay.rebuild(local: local, onto: remote, theirs: theirs, resolution: .theirs, judge: judge)
        #expect(!r.stopped && r.events.isEmpty && r.conflicts.first?.outcome == .dropped)
    }

    @Test func aMalformedOverridesFieldIsDamage() throws {
        var o = Self.move(.promote, 1, stage: "staging", by: "Bob", day: 5).json.objectValue ?? [:]
        o["seq"] = 1
        o["overrides"] = .object(["event": "nope", "seq": 1, "action": "promote", "actor": "A", "time": "t"])
        #expect(throws: RegistryError.self) { try Event(json: .object(o)) }
        o["overrides"] = nil
        o["renumbered_from"] = .double(1.5)
        #expect(throws: RegistryError.self) { try Event(json: .object(o)) }
    }
}
