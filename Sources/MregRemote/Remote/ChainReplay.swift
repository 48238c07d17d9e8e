import MregStore
import MregSupport
import MregRegistry
import MregIndex
import MregGovernance

/// Rebuilds local events on top of another head of the same model (what `pull` does
/// when both sides have new events), so that nobody's work is lost.
///
/// - `register`: gets the next version number after the other side's latest (or,
///   when the other side registered the same content, becomes that version and is
///   dropped). The manifest is reused as is: manifests hold no version number.
/// - `tag`, `promote`: keep their meaning — they point at the renumbered version.
/// - `untag`, `demote`: dropped when the other side already removed the tag or emptied the stage.
/// - A move (tag, untag, promote, demote) of a stage or tag that the other side moved too
///   (`theirs`) is a conflict, unless it ends where the other side's did: with `.stop` it is
///   reported (the result must not be applied), with `.theirs` dropped, with `.ours` replayed
///   on top with `overrides` naming the other side's move (a tag moved so is marked `force`).
/// - A replayed promotion the policy refuses at its new position (`judge`) is a conflict too,
///   which only `.theirs` resolves (by dropping it).
/// - A register event that gets another number records the old one in `renumbered_from`.
/// - Other actions are kept, pointing at the renumbered version.
/// - Every kept event keeps its actor, time (unless that is before its new parent's: then it
///   takes its parent's time, as no event may be dated before its parent), reason and policy verdict, and gets a new `seq`
///   and `parent`; a signature (which covered the old ones) is dropped and counted in `unsigned`,
///   unless `resign` signs it again. An `approve` or `unapprove` that cannot be signed again is
///   dropped; an `unapprove`'s `approval` and a promotion's `approvals` name the replayed ids.
///
///     let replay = ChainReplay.rebuild(local: mine, onto: theirState)
///     // replay.events (with ids), replay.renumbered: [v3 → v5]
public enum ChainReplay {
    public struct Result: Sendable {
        /// The rebuilt events, oldest first, each with its object id.
        public var events: [(id: ObjectID, event: Event)]
        /// The state after them.
        public var state: ModelState
        /// Local versions that got another number.
        public var renumbered: [Renumbering]
        /// Local events that became unnecessary (already true on the other side).
        public var dropped: Int
        /// Signed local events replayed without their signature (it covered the old `seq` and `parent`).
        public var unsigned: Int
        /// Signed local events signed again at their new position (by `resign`).
        public var resigned: Int = 0
        /// Local moves in conflict with the other side's (see `Resolution`).
        public var conflicts: [PullConflict] = []

        /// True when the result must not be applied (a conflict was not resolved).
        public var stopped: Bool { conflicts.contains { $0.outcome == .stopped } }
    }

    /// What to do with a local move that conflicts with the other side's.
    public enum Resolution: String, Sendable {
        /// Report it; the result must not be applied.
        case stop
        /// Drop the local move (the other side's stays).
        case theirs
        /// Replay the local move on top, recording the move it overrides.
        case ours
    }

    /// - Parameters:
    ///   - local: the local events not on the other side, oldest first.
    ///   - base: the other side's state (its head and event count are the new parent and sequence).
    ///   - resign: signs an event again at its new position, given its original signer;
    ///     returns false when it cannot (another signer, no key), leaving it unsigned.
    ///   - theirs: the other side's events since the common base (with ids), oldest first.
    ///   - localIDs: the ids of `local` (named in conflicts), when known.
    ///   - judge: applies the policy to a promotion at its new position (the state before it);
    ///     may update its verdict; returns why the policy refuses it, or nil.
    public static func rebuild(local: [Event], onto base: ModelState,
                               theirs: [(id: ObjectID, event: Event)] = [], localIDs: [ObjectID]? = nil,
                               resolution: Resolution = .stop,
                               judge: ((inout Event, ModelState) -> String?)? = nil,
                               resign: ((inout Event, String) -> Bool)? = nil) -> Result {
        var resigned = 0
        var conflicts = [PullConflict]()
        // The other side's last move of each tag and stage.
        var theirMoves = [String: (id: ObjectID, event: Event)]()
        for (id, e) in theirs {
            if let key = moveKey(e) { theirMoves[key] = (id, e) }
        }
        // Stages and tags a local move already settled (`.ours`) or reported (`.stop`).
        var settled = Set<String>()
        var state = base
        var out = [(ObjectID, Event)]()
        var mapping = [Int64: Int64]()
        var renumbered = [Renumbering]()
        var dropped = 0
        var unsigned = 0
        // Old event id → its replayed id (an `unapprove` names the approval it withdraws, a promotion those it used).
        var replayedIDs = [ObjectID: ObjectID]()
        func mapped(_ v: Int64?) -> Int64? { v.map { mapping[$0] ?? $0 } }

        for (index, original) in local.enumerated() {
            var event = original
            let originalID = localIDs.flatMap { index < $0.count ? $0[index] : nil }
                ?? ObjectID.compute(type: .event, payload: original.json.canonicalBytes)
            /// A local tag or promotion of a version the other side removed: never silently
            /// dropped. A conflict only --theirs resolves (a removed version cannot be moved);
            /// returns true when the event is to be skipped.
            func removedConflict(_ kind: PullConflict.Kind, _ name: String, _ v: Int64) -> Bool {
                let removal = theirs.last { $0.event.action == .remove && $0.event.version == v }
                let outcome: PullConflict.Outcome = resolution == .theirs ? .dropped : .stopped
                conflicts.append(PullConflict(model: base.model, kind: kind, name: name,
                                              local: .init(original, id: originalID, version: v),
                                              remote: removal.map { .init($0.event, id: $0.id, version: v) },
                                              policy: "v\(v) was removed on the remote", outcome: outcome))
                dropped += 1
                return true
            }
            event.sequence = state.eventCount + 1
            event.parent = state.head
            // No event is dated before its parent (FORMAT.md §4): one replayed after newer events takes its parent's time.
            if let last = state.lastChange, let before = Timestamp.parse(last), (Timestamp.parse(event.time) ?? .distantPast) < before {
                event.time = last
            }
            // An if-chain rather than a switch: actions added later are kept (see the last branch).
            let action = original.action
            if action == .register {
                guard let version = original.version else { dropped += 1; continue }
                if let content = original.content, let same = state.versions.values.first(where: { $0.content == content }) {
                    mapping[version] = same.number
                    if same.number != version { renumbered.append(Renumbering(from: version, to: same.number)) }
                    dropped += 1
                    continue
                }
                let next = (state.latestVersion ?? 0) + 1
                mapping[version] = next
                if next != version {
                    renumbered.append(Renumbering(from: version, to: next))
                    event.renumberedFrom = version
                }
                event.version = next
            } else if action == .tag {
                if let tag = original.tag, let v = mapped(original.version), state.versions[v] == nil, state.removed[v] != nil {
                    if removedConflict(.tag, tag, v) { continue }
                }
                guard let tag = original.tag, let v = mapped(original.version), let info = state.versions[v] else { dropped += 1; continue }
                let holder = state.tags[tag]
                if holder == v { dropped += 1; continue }
                event.version = v
                event.manifest = info.manifest
                event.previous = holder
                event.force = holder != nil
            } else if action == .untag {
                guard let tag = original.tag, let holder = state.tags[tag] else { dropped += 1; continue }
                event.version = holder
            } else if action == .promote {
                if let stage = original.stage, let v = mapped(original.version), state.versions[v] == nil, state.removed[v] != nil {
                    if removedConflict(.stage, stage, v) { continue }
                }
                guard let stage = original.stage, let v = mapped(original.version), let info = state.versions[v] else { dropped += 1; continue }
                let holder = state.stages[stage]
                if holder == v { dropped += 1; continue }
                event.version = v
                event.manifest = info.manifest
                event.previous = holder
            } else if action == .demote {
                guard let stage = original.stage, let holder = state.stages[stage] else { dropped += 1; continue }
                event.version = holder
                event.previous = holder
            } else if let v = mapped(original.version) {
                // A local removal of a version the other side has put in a stage meanwhile: `rm`
                // refuses a staged version, so only --theirs (which drops the removal) resolves it.
                if action == .remove, let stage = state.stages.first(where: { $0.value == v })?.key {
                    let their = theirMoves["stage:\(stage)"]
                    let outcome: PullConflict.Outcome = resolution == .theirs ? .dropped : .stopped
                    var local = PullConflict.Move(original, id: originalID, version: v)
                    local.version = v
                    conflicts.append(PullConflict(model: base.model, kind: .stage, name: stage, local: local,
                                                  remote: their.map { .init($0.event, id: $0.id, version: $0.event.version) },
                                                  policy: "removes v\(v), which \(stage) holds now: demote it first", outcome: outcome))
                    if outcome == .dropped { dropped += 1 }
                    continue
                }
                // Other actions keep their meaning on the renumbered version.
                event.version = v
                if original.manifest != nil, let info = state.versions[v] { event.manifest = info.manifest }
            }
            var reported = false
            if let key = moveKey(original), let (theirID, theirEvent) = theirMoves[key], !settled.contains(key) {
                let conflict = PullConflict(model: base.model, kind: original.stage != nil ? .stage : .tag,
                                            name: original.stage ?? original.tag ?? "",
                                            local: .init(original, id: originalID, version: event.version),
                                            remote: .init(theirEvent, id: theirID, version: theirEvent.version),
                                            outcome: resolution == .stop ? .stopped : resolution == .theirs ? .dropped : .overridden)
                switch resolution {
                case .stop:
                    conflicts.append(conflict)
                    settled.insert(key)
                    reported = true
                case .theirs:
                    conflicts.append(conflict)
                    dropped += 1
                    continue
                case .ours:
                    conflicts.append(conflict)
                    settled.insert(key)
                    event.overrides = Event.Override(theirEvent, id: theirID)
                    if event.action == .tag { event.force = true }
                }
            }
            if event.action == .promote, !reported, let judge, let refusal = judge(&event, state) {
                let outcome: PullConflict.Outcome = resolution == .theirs ? .dropped : .stopped
                conflicts.append(PullConflict(model: base.model, kind: .stage, name: original.stage ?? "",
                                              local: .init(original, id: originalID, version: event.version),
                                              remote: nil, policy: refusal, outcome: outcome))
                if outcome == .dropped { dropped += 1; continue }
            }
            if let a = event.approval { event.approval = replayedIDs[a] ?? a }
            if let used = event.approvals { event.approvals = used.map { replayedIDs[$0] ?? $0 } }
            if event.signature != nil || event.signer != nil {
                let signer = event.signer
                event.signature = nil
                event.signer = nil
                if let resign, let signer, resign(&event, signer) {
                    resigned += 1
                } else if action == .approve || action == .unapprove {
                    // An approval is nothing without its signer's signature: dropped, not replayed unsigned.
                    dropped += 1
                    continue
                } else {
                    unsigned += 1
                }
            }
            let id = ObjectID.compute(type: .event, payload: event.json.canonicalBytes)
            replayedIDs[originalID] = id
            state.apply(event, id: id)
            out.append((id, event))
        }
        return Result(events: out, state: state, renumbered: renumbered, dropped: dropped, unsigned: unsigned,
                      resigned: resigned, conflicts: conflicts)
    }

    /// `stage:NAME` or `tag:NAME` for a move, nil for other events.
    static func moveKey(_ e: Event) -> String? {
        switch e.action {
        case .tag, .untag: return e.tag.map { "tag:\($0)" }
        case .promote, .demote: return e.stage.map { "stage:\($0)" }
        default: return nil
        }
    }
}
