import MregStore
import MregSupport
import MregRegistry
import MregFilter

/// What `mreg verify` found: per model, the chain it walked and each problem, oldest event first.
public struct VerifyReport: Sendable {
    /// One thing wrong, tied to the event where it shows.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public var model: String
        /// The event's sequence number (the expected one when the event itself is unreadable).
        public var sequence: Int64?
        public var event: ObjectID?
        public var message: String

        /// `fraud event #3 1a2b3c4d5e6f: …`.
        public var description: String {
            var where_ = model
            if let sequence { where_ += " event #\(sequence)" } else if event != nil { where_ += " event" }
            if let event { where_ += " \(event.abbreviated())" }
            return "\(where_): \(message)"
        }

        public var json: JSONValue {
            ["model": .string(model), "seq": JSONValue(sequence), "event": JSONValue(event?.hex), "message": .string(message)]
        }
    }

    /// A good signature.
    public struct SignatureInfo: Sendable, Equatable {
        public var sequence: Int64
        public var event: ObjectID
        public var signer: String
        public var fingerprint: String?
    }

    /// The state of the local checkpoint (`refs/verified/<model>`) after verifying.
    public enum Checkpoint: String, Sendable {
        /// First verification: the head is now the checkpoint.
        case recorded
        /// The head contains the old checkpoint; the checkpoint moved to the head.
        case advanced
        /// The head is the checkpoint.
        case unchanged
        /// The head no longer contains the checkpoint and `--accept-rewrite` made the head the checkpoint.
        case accepted
        /// The head no longer contains the checkpoint (a problem).
        case rewritten
        /// Not moved: the chain has problems, or the store is read-only.
        case kept
    }

    /// One model's chain.
    public struct ModelReport: Sendable {
        public var model: String
        public var head: ObjectID?
        public var events = 0
        public var versions = 0
        /// Objects read and verified (events, manifests, file blobs and chunk lists, …).
        public var objects = 0
        /// File bytes read and checked against their manifests' digests.
        public var bytes: Int64 = 0
        public var signatures = [SignatureInfo]()
        public var problems = [Problem]()
        public var warnings = [Problem]()
        public var checkpoint = Checkpoint.kept
        /// The checkpoint before this run.
        public var previousCheckpoint: ObjectID?

        public init(model: String) { self.model = model }

        public var ok: Bool { problems.isEmpty }

        public var json: JSONValue {
            [
                "model": .string(model), "ok": .bool(ok), "head": JSONValue(head?.hex), "events": JSONValue(events),
                "versions": JSONValue(versions), "objects": JSONValue(objects), "bytes": .int(bytes),
                "signatures": .array(signatures.map {
                    ["seq": .int($0.sequence), "event": .string($0.event.hex), "signer": .string($0.signer), "key": JSONValue($0.fingerprint)]
                }),
                "problems": .array(problems.map(\.json)), "warnings": .array(warnings.map(\.json)),
                "checkpoint": .string(checkpoint.rawValue), "previous_checkpoint": JSONValue(previousCheckpoint?.hex),
            ]
        }
    }

    public var models: [ModelReport]

    public var ok: Bool { models.allSatisfy(\.ok) }

    /// The first problem: of the first failing model (in name order), its oldest event.
    public var firstProblem: Problem? { models.lazy.compactMap(\.problems.first).first }

    public var json: JSONValue {
        ["ok": .bool(ok), "models": .array(models.map(\.json))]
    }
}
