import MregRegistry

/// How the command line words registry errors: the library's one-line description, plus
/// the hints that name commands and flags (did-you-mean, `use -f`, `mreg remote list`).
enum ErrorWording {
    /// One line for stderr (without the `mreg: error: ` prefix).
    static func line(_ error: RegistryError) -> String {
        switch error {
        case .notFound(let n): return notFound(n)
        case .invalidName: return error.description
        case .badInput(let b): return badInput(b)
        case .conflict(let c): return conflict(c)
        case .refused(let r): return refusal(r)
        case .pushRejected(let p): return pushRejected(p)
        case .corrupt(let c):
            return c.remote == nil ? "\(c); run 'mreg fsck'" : "\(c); repair the remote from a good copy ('mreg fsck' there)"
        case .io(let f): return f.description
        case .service(let f): return f.description
        }
    }

    static func notFound(_ n: RegistryError.NotFound) -> String {
        switch n.kind {
        case .model where n.remote == nil:
            if n.suggestions.isEmpty { return "\(n); register one with 'mreg register MODEL PATH...'" }
            return didYouMean(n.description, n.name, among: n.suggestions)
        case .tag, .file:
            return didYouMean(n.description, n.name, among: n.suggestions)
        case .remote:
            if n.name.isEmpty { return "\(n): add one with 'mreg remote add origin URL' (a store path or s3://bucket/prefix)" }
            if n.suggestions.isEmpty { return "\(n) (there are none: add one with 'mreg remote add NAME URL')" }
            return didYouMean("\(n); see 'mreg remote -v'", n.name, among: n.suggestions)
        case .store:
            return "\(n): create it with 'mreg init \(n.name)' (add --shared=group for a team folder)"
        case .signingKey:
            return "\(n): set user.signingKey to your SSH private key ('mreg config --global user.signingKey ~/.ssh/id_ed25519', each person's own key)"
        case .program where n.name == "ssh-keygen":
            return "\(n): signatures need OpenSSH 8.9 or later (apt install openssh-client)"
        default:
            return n.description
        }
    }

    static func badInput(_ b: RegistryError.BadInput) -> String {
        switch b {
        case .syntax(let s) where s.language == .sortOrder:
            return "--order-by '\(s.text ?? "")': \(s.located)"
        case .syntax(let s):
            return s.suggestions.first.map { "\(s); did you mean '\($0)'?" } ?? s.description
        case .unknownStage(let name, let stages):
            return didYouMean(b.description, name, among: stages) + " (set registry.stages to change them)"
        case .noPreviousVersion(let version, let model):
            return "\(version) is the first version of \(model): give two revisions to compare"
        case .noSigningKey:
            return "--sign needs a key: run 'mreg config --global user.signingKey ~/.ssh/id_ed25519' (your own OpenSSH private key)"
        case .noIdentity:
            return "please tell me who you are: every entry records its author's name and email, and they are not configured; run"
                + " 'mreg config --global user.name \"Your Name\"' and 'mreg config --global user.email you@example.com'"
                + " (or set MREG_USER_NAME and MREG_USER_EMAIL); nothing was recorded"
        case .linkOutside:
            return "\(b.description); register the folder it points into instead, or use --dereference to store the files it points to"
        case .noAllowedSigners:
            return "--sign needs an allowed-signers file to check signatures against: add [signing] allowed_signers = \"allowed_signers\" to .mreg/policy.toml"
        case .invalidAssignment, .nonNumericMetric, .ambiguous, .malformedFile, .invalidPolicy, .invalidSetting,
             .noCredentials, .unusablePath, .duplicateInput, .invalidDate, .invalidRemoteURL, .remoteIsThisStore,
             .notAVersion, .versionRequired, .reasonRequired:
            return b.description
        }
    }

    static func conflict(_ c: RegistryError.Conflict) -> String {
        switch c {
        case .tagExists(let tag, let model, let version, let wanted?):
            return "tag '\(tag)' already names \(model)@v\(version); use -f to move it to v\(wanted)"
        case .tagExists(let tag, let model, let version, nil):
            return "tag '\(tag)' already names \(model)@v\(version); move it afterwards with 'mreg tag -f'"
        case .remoteExists(let name):
            return "\(c): remove it first with 'mreg remote remove \(name)'"
        case .storeExists(_, let url):
            return "\(c): clone into a new folder, or add the remote there with 'mreg remote add origin \(url)'"
        case .pathExists:
            return "\(c): use --force to overwrite"
        case .headMoved:
            return "\(c): run 'mreg pull' and push again"
        case .inputChanged, .stageHoldsAnother:
            return c.description
        case .pullStopped(let n, let policy, _):
            if policy == n { return "\(c): drop the moves that cannot be replayed (the policy refuses them, or they touch a removed version) with 'mreg pull --theirs'" }
            return "\(c): keep the remote's moves with 'mreg pull --theirs', or replay yours over them with 'mreg pull --ours'"
                + (policy > 0 ? " (moves the policy refuses, or that touch a removed version, can only be dropped, with --theirs)" : "")
        }
    }

    static func refusal(_ r: RegistryError.Refusal) -> String {
        switch r {
        case .policy(let p):
            let head = "policy refuses promoting \(p.model) v\(p.version) to \(p.stage): \(p.summary)"
            switch p.reason {
            case .failed where p.registering:
                return "policy refuses registering \(p.model) v\(p.version) into \(p.stage): \(p.summary) (nothing was registered; register without --stage, then 'mreg promote')"
            case .failed:
                return head + (p.forceable ? " (override with --force --reason WHY)" : "")
            case .forceNotAllowed:
                return head + " (and allows no --force there)"
            case .mustBeSigned:
                return "promotions to \(p.stage) must be signed, and --force cannot override that: add --sign"
            case .forceNeedsReason:
                return "a forced promotion needs --reason saying why the policy is overridden (\(p.summary))"
            }
        case .notJudgedByRemotePolicy:
            return "\(r): run 'mreg pull' (it adopts the remote's policy.toml); a move the remote's policy refuses stays unpushable, so drop the unpushed events with 'mreg update-ref refs/models/MODEL/head $(mreg rev-parse refs/remotes/REMOTE/MODEL/head)' and promote again"
        case .removingStagedVersion(let model, _, let stages):
            return "\(r) (demote it first: 'mreg demote \(model) \(stages.first ?? "STAGE")')"
        case .removalPolicy(_, _, let problem) where problem.contains("signed"):
            return "\(r) (add --sign)"
        case .hook, .hookNotRunnable, .signatureWouldNotVerify, .signingFailed, .incomingEvent, .ungoverned,
             .unsafeExport, .newerFormat, .remotePolicy, .removalPolicy, .approval, .revocation, .backDated, .movePolicy, .clockSkew:
            return r.description
        }
    }

    static func pushRejected(_ p: RegistryError.PushRejected) -> String {
        let head = "push of \(p.models.joined(separator: ", ")) to \(p.remote) was refused"
        switch p.reason {
        case .notFastForward:
            return "\(head): the remote has events this store lacks (not a fast-forward); \(pullAgain(p.remote))"
        case .headMoved:
            return "\(head): another push moved the remote head first: \(pullAgain(p.remote))"
        case .policy(let refusal):
            return "\(head): \(self.refusal(refusal))"
        }
    }

    /// Why one model of a push was rejected (a report row, the `message` of `--json`).
    static func rejection(_ reason: RegistryError.PushRejected.Reason, model: String, remote: String) -> String {
        switch reason {
        case .notFastForward:
            return "the remote has events of \(model) that this store lacks (not a fast-forward): \(pullAgain(remote))"
        case .headMoved:
            return "another push moved the remote head of \(model) first: \(pullAgain(remote))"
        case .policy(let refusal):
            return self.refusal(refusal)
        }
    }

    /// The note for a model whose remote is ahead of this store (push reports it `behind`).
    static let remoteAhead = "the remote is ahead: run 'mreg pull' to get its events"

    static func pullAgain(_ remote: String) -> String {
        "run 'mreg pull \(remote)' and push again"
    }

    // MARK: did you mean

    /// `text; did you mean 'x'?` when one of `names` is close to `name` (same letters in
    /// another case, or at most two edits away, swapping two neighbours counting as one), else `text`.
    static func didYouMean(_ text: String, _ name: String, among names: [String]) -> String {
        guard let near = nearest(name, among: names) else { return text }
        return "\(text); did you mean '\(near)'?"
    }

    /// The name closest to `name`, if it is close enough to be a typo.
    static func nearest(_ name: String, among names: [String]) -> String? {
        let lower = name.lowercased()
        if let same = names.first(where: { $0 != name && $0.lowercased() == lower }) { return same }
        // Short names are too easily "close" to anything: only a difference in case counts there.
        let limit = name.count < 3 ? 0 : min(2, max(1, name.count / 3))
        var best: (name: String, distance: Int)?
        for candidate in names where candidate != name {
            let d = editDistance(lower, candidate.lowercased(), limit: limit)
            if d <= limit, d < (best?.distance ?? Int.max) { best = (candidate, d) }
        }
        return best?.name
    }

    /// Edit distance with adjacent transpositions (`fruad` is one edit from `fraud`: optimal
    /// string alignment), stopping early (returning `limit + 1`) once it exceeds `limit`.
    static func editDistance(_ a: String, _ b: String, limit: Int) -> Int {
        let a = Array(a), b = Array(b)
        if abs(a.count - b.count) > limit { return limit + 1 }
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var beforePrevious = [Int]()
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], beforePrevious[j - 2] + 1)
                }
            }
            if current.min() ?? 0 > limit { return limit + 1 }
            beforePrevious = previous
            previous = current
        }
        return previous[b.count]
    }
}
