import MregSupport

/// An error in registry terms: what happened, with its data.
///
/// Each case says what kind of thing went wrong and carries what a caller needs to react
/// (a script's exit code, a did-you-mean, a retry). `description` words it in one line
/// without naming commands or flags: the command line adds those hints (`ErrorWording`).
public enum RegistryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Something named does not exist: a model, version, tag, remote, file…
    case notFound(NotFound)
    /// A name breaks the naming rules (a model, tag, stage or remote name) or a revision cannot be read.
    case invalidName(kind: NameKind, name: String, reason: String)
    /// Input that cannot be used: a value, a query, a file, a setting.
    case badInput(BadInput)
    /// The change collides with what is there: a tag that exists, a head that moved.
    case conflict(Conflict)
    /// The store's governance (policy, hooks, signatures) or a safety rule refused the change.
    case refused(Refusal)
    /// A remote did not take a push of some models.
    case pushRejected(PushRejected)
    /// Stored data is damaged or incomplete.
    case corrupt(Corruption)
    /// The operating system failed a read or write.
    case io(IOFailure)
    /// A storage service (S3) failed or refused a request.
    case service(ServiceFailure)

    /// What kind of name an `invalidName` error is about.
    public enum NameKind: String, Sendable, Equatable {
        case model, tag, stage, remote, revision
    }

    public var description: String {
        switch self {
        case .notFound(let n): return n.description
        case .invalidName(let kind, let name, let reason):
            let what = kind == .revision ? "revision" : "\(kind.rawValue) name"
            return "invalid \(what) '\(Names.printable(name))': \(reason)"
        case .badInput(let b): return b.description
        case .conflict(let c): return c.description
        case .refused(let r): return r.description
        case .pushRejected(let p): return p.description
        case .corrupt(let c): return c.description
        case .io(let f): return f.description
        case .service(let f): return f.description
        }
    }
}
