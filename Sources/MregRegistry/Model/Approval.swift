import MregStore
import MregSupport

/// One approval in force: a signed `approve` event for one manifest and one stage, not
/// withdrawn by an `unapprove` event (see `ModelState.approvals`).
public struct Approval: Sendable, Equatable {
    /// The `approve` event's id.
    public var id: ObjectID
    /// The `approve` event's sequence number (approvals are listed in this order).
    public var sequence: Int64
    public var version: Int64
    /// The approved manifest: an approval counts only for exactly this content.
    public var manifest: ObjectID
    public var stage: String
    /// The principal that signed it (nil only in a damaged or forged chain).
    public var signer: String?
    public var actor: String
    public var time: String
    public var reason: String?

    public init(id: ObjectID, sequence: Int64, version: Int64, manifest: ObjectID, stage: String, signer: String?,
                actor: String, time: String, reason: String?) {
        self.id = id
        self.sequence = sequence
        self.version = version
        self.manifest = manifest
        self.stage = stage
        self.signer = signer
        self.actor = actor
        self.time = time
        self.reason = reason
    }

    /// The e-mail address in an actor's `Name <email>` (the whole text when it has none).
    public static func principal(ofActor actor: String) -> String {
        guard let open = actor.lastIndex(of: "<"), let close = actor.lastIndex(of: ">"), open < close else { return actor }
        return String(actor[actor.index(after: open)..<close])
    }
}
