extension RegistryError {
    /// A change the store's governance (policy, hooks, signatures) or a safety rule refused.
    public enum Refusal: Sendable, Equatable, CustomStringConvertible {
        /// The promotion policy refused.
        case policy(PolicyRefusal)
        /// A pre-hook exited non-zero (`action`: what it refused, e.g. "promoting fraud v3 to production").
        case hook(name: String, action: String, message: String)
        /// A hook could not be started.
        case hookNotRunnable(path: String, reason: String)
        /// The user's own signature would not verify against the allowed signers (`keyOwners`: the
        /// principals that file lists for the key used, when it lists it under someone else).
        case signatureWouldNotVerify(key: String, principal: String, allowedSigners: String, detail: String, keyOwners: [String] = [])
        /// ssh-keygen could not sign with the key.
        case signingFailed(key: String, detail: String)
        /// Events arriving from elsewhere break the store's governance rules (`sequence`, `id`: the event, when one).
        case incomingEvent(model: String, sequence: Int64?, id: String?, problem: String)
        /// A promotion into a governed stage of a shared store was judged under another policy.
        case notJudgedByRemotePolicy(model: String, sequence: Int64, id: String, version: Int64, stage: String)
        /// A remote's shared policy cannot be adopted, replaced or relied on (`problem` says why and what to do).
        case remotePolicy(remote: String, problem: String)
        /// The registry was opened without governance, which the store's policy or hooks (or signing) need.
        case ungoverned
        /// A version's file path that would write outside the export folder (or through a symbolic link).
        case unsafeExport(path: String, version: String?, reason: String)
        /// A remote written by a newer mreg.
        case newerFormat(location: String, version: Int, supported: Int)
        /// Removing a version that a stage holds (it must be demoted first).
        case removingStagedVersion(model: String, version: Int64, stages: [String])
        /// The policy's `[removal]` rules refuse removing a version (`problem`: which rule).
        case removalPolicy(model: String, version: Int64, problem: String)
        /// An approval (`mreg approve`, `--revoke`) cannot be recorded (`problem`: why and what to do).
        case approval(model: String, version: Int64, stage: String, problem: String)
        /// A withdrawal of an approval (`mreg approve --revoke`) cannot be recorded (`problem`: why and what to do).
        case revocation(model: String, version: Int64, stage: String, problem: String)
        /// A new event would be dated before the model's last event (the clock, or MREG_NOW, is behind it).
        case backDated(model: String, time: String, parentTime: String)
        /// The policy refuses a move out of a governed stage or of a protected tag (`action`: e.g. "demoting fraud v3 from production").
        case movePolicy(action: String, problem: String)
        /// A signed event (or a promotion judged by `approval_max_age_days`) would be dated `time`, too far
        /// from the real clock `clock` (`action`: e.g. "sign the promote event of fraud"; `because`: why
        /// its time must be real; `fromVariable`: the time came from MREG_NOW).
        case clockSkew(action: String, time: String, clock: String, because: String, fromVariable: Bool)

        public var description: String {
            switch self {
            case .policy(let p):
                return p.description
            case .hook(let name, let action, let message):
                return "\(name) hook refused \(action): \(message)"
            case .hookNotRunnable(let path, let reason):
                return "cannot run hook \(path): \(reason) (does it start with #!?)"
            case .signatureWouldNotVerify(_, let principal, let allowed, let detail, _)
                where detail.contains("expired") || detail.contains("not yet valid"):
                return "your signature would not verify: the key of \(principal) in \(allowed) is not valid at this time (\(detail)); ask whoever keeps that file to renew it (valid-before/valid-after), or use a valid key in user.signingKey"
            case .signatureWouldNotVerify(let key, let principal, let allowed, _, let owners)
                where !owners.isEmpty && !owners.contains(principal):
                return "your signature would not verify: '\(key)' is the key of \(owners.joined(separator: ", ")) in \(allowed), not of \(principal); sign with your own key (user.signingKey): only whoever keeps that file adds a person's own public key"
            case .signatureWouldNotVerify(let key, let principal, let allowed, let detail, _):
                return "your signature would not verify: '\(key)' is not a key of \(principal) in \(allowed) (\(detail)); sign with your own key (user.signingKey), or ask whoever keeps that file to add your own public key for \(principal)"
            case .signingFailed(let key, let detail):
                return "ssh-keygen could not sign with '\(key)': \(detail)"
            case .incomingEvent(let model, let sequence, let id, let problem):
                guard let sequence else { return "refusing pulled events of \(model): \(problem)" }
                return "refusing pulled event #\(sequence)\(id.map { " \($0)" } ?? "") of \(model): \(problem)"
            case .notJudgedByRemotePolicy(let model, let sequence, let id, let version, let stage):
                return "promotion #\(sequence) \(id) of \(model) v\(version) to \(stage) was not judged under the remote's policy"
            case .remotePolicy(let remote, let problem):
                return "the policy of \(remote): \(problem)"
            case .ungoverned:
                return "this registry was opened without governance, which this store's policy, hooks or signing need"
            case .unsafeExport(let path, let version, let reason):
                return "refusing to export '\(path)'\(version.map { " from \($0)" } ?? ""): \(reason)"
            case .removingStagedVersion(let model, let version, let stages):
                return "\(model)@\(version) is in \(stages.joined(separator: ", ")): a version a stage holds cannot be removed; nothing was removed"
            case .removalPolicy(let model, let version, let problem):
                return "policy refuses removing \(model)@\(version): \(problem); nothing was removed"
            case .approval(let model, let version, let stage, let problem):
                return "cannot approve \(model)@\(version) for \(stage): \(problem); nothing was written"
            case .revocation(let model, let version, let stage, let problem):
                return "cannot revoke the approval of \(model)@\(version) for \(stage): \(problem); nothing was written"
            case .backDated(let model, let time, let parentTime):
                return "refusing to date an event of \(model) \(time), before its last event (\(parentTime)): events cannot be back-dated; check the clock (or MREG_NOW); nothing was written"
            case .movePolicy(let action, let problem):
                return "policy refuses \(action): \(problem); nothing was written"
            case .clockSkew(let action, let time, let clock, let because, let fromVariable):
                let fix = fromVariable
                    ? "unset MREG_NOW (only test suites may keep it, with MREG_ALLOW_CLOCK_OVERRIDE=1)"
                    : "set this machine's clock right"
                return "refusing to \(action): its time \(time) is more than 5 minutes from the real clock (\(clock)), and \(because); \(fix); nothing was written"
            case .newerFormat(let location, let version, let supported):
                return "\(location) has format version \(version); this mreg writes version \(supported): upgrade mreg"
            }
        }
    }
}
