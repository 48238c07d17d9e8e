extension RegistryError {
    /// The promotion policy's refusal of a promotion (or of registering straight into a stage).
    public struct PolicyRefusal: Sendable, Equatable, CustomStringConvertible {
        /// Why the policy's verdict stops the change.
        public enum Reason: String, Sendable, Equatable {
            /// The verdict failed and the change was not forced.
            case failed
            /// Forced, but the stage's rules do not allow forcing.
            case forceNotAllowed
            /// Forced, but the stage requires signed promotions, which forcing cannot override.
            case mustBeSigned
            /// Forced without a reason saying why.
            case forceNeedsReason
        }

        public var reason: Reason
        public var model: String
        public var version: Int64
        public var stage: String
        /// The failed rules in one line (`PolicyVerdict.failureSummary`).
        public var summary: String
        /// Registering into the stage (nothing was registered), rather than promoting.
        public var registering: Bool
        /// Whether forcing with a reason would override it.
        public var forceable: Bool

        public init(_ reason: Reason, model: String, version: Int64, stage: String, summary: String,
                    registering: Bool = false, forceable: Bool = false) {
            self.reason = reason
            self.model = model
            self.version = version
            self.stage = stage
            self.summary = summary
            self.registering = registering
            self.forceable = forceable
        }

        public var description: String {
            switch reason {
            case .failed where registering:
                return "policy refuses registering \(model) v\(version) into \(stage): \(summary) (nothing was registered)"
            case .failed:
                return "policy refuses promoting \(model) v\(version) to \(stage): \(summary)"
            case .forceNotAllowed:
                return "policy refuses promoting \(model) v\(version) to \(stage): \(summary) (and allows no forcing there)"
            case .mustBeSigned:
                return "promotions to \(stage) must be signed, and forcing cannot override that"
            case .forceNeedsReason:
                return "a forced promotion needs a reason saying why the policy is overridden (\(summary))"
            }
        }
    }
}
