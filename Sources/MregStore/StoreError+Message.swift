import SystemPackage

/// The one-line wording of store errors.
extension StoreError: CustomStringConvertible {
    /// What went wrong, in one line, without naming commands or flags.
    public var message: String {
        switch self {
        case .notFound(let kind, let name):
            switch kind {
            case .object: return "object \(name) not found"
            case .idPrefix: return "no object has an id starting with '\(name)'"
            case .ref: return "ref \(name) does not exist"
            case .store: return "'\(name)' is not an mreg store (no objects folder or config)"
            case .enclosingStore: return "not in an mreg store (no .mreg folder here or in any parent)"
            case .revision: return "'\(name)' is not an object id, a ref or a model revision"
            }
        case .alreadyExists(let ref, let conflicting):
            if conflicting.hasSuffix("/") { return "cannot create ref \(ref): refs exist below it" }
            return "cannot create ref \(ref): ref \(conflicting) exists"
        case .ambiguous(let prefix, let candidates):
            let list = candidates.prefix(5).map { $0.abbreviated(12) }.joined(separator: ", ")
            return "id prefix '\(prefix)' is ambiguous: it matches \(candidates.count) objects (\(list)); give more digits"
        case .locked(let path, let owner, let stale):
            guard let owner else {
                let age = LockFile.Inspection(path).map { " (an empty lock file, \(Self.duration($0.age())) old)" } ?? ""
                return "'\(path)' is locked by another process\(age); if no mreg process is running, remove that lock file"
            }
            let age = owner.age.map { ", \(Self.duration($0)) ago" } ?? ""
            if stale {
                return "stale lock '\(path)' left by process \(owner.pid) on \(owner.host) at \(owner.time)\(age), which is no longer running"
            }
            if owner.host != LocalHost.name() {
                return "'\(path)' is locked by process \(owner.pid) on host \(owner.host) since \(owner.time)\(age); wait for it, or, if that process is gone, remove the lock file"
            }
            return "'\(path)' is locked by process \(owner.pid) on \(owner.host) since \(owner.time)\(age); wait for it, or remove the lock file if that process is gone"
        case .modified(let ref, let expected, let actual):
            switch (expected, actual) {
            case (.absent, let current?):
                return "ref \(ref) already exists (at \(current.abbreviated()))"
            case (.value(let wanted), nil):
                return "ref \(ref) was expected at \(wanted.abbreviated()) but does not exist"
            case (.value(let wanted), let current?):
                return "ref \(ref) is at \(current.abbreviated()), not the expected \(wanted.abbreviated()): someone else moved it"
            default:
                return "ref \(ref) changed while it was updated"
            }
        case .corrupt(let object, let path, let reason):
            guard let object else { return path.map { "\(reason) (\($0))" } ?? reason }
            return "object \(object.abbreviated()) is corrupt: \(reason)" + (path.map { " (\($0))" } ?? "")
        case .corruptRef(let ref, let path):
            return "ref \(ref) is corrupt: '\(path)' does not hold an object id"
        case .invalid(let reason):
            return reason
        case .io(let operation, let path, let errno):
            return "cannot \(operation) '\(path)': \(errno)"
        case .zlib(let function, let status):
            return "zlib \(function) failed (\(status))"
        }
    }

    public var description: String { message }

    /// A duration in words: `4 s`, `3 min`, `2 h`, `5 days`.
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "? s" }
        let s = Int64(max(0, min(seconds, 1e12)))
        if s < 120 { return "\(s) s" }
        if s < 7_200 { return "\(s / 60) min" }
        if s < 172_800 { return "\(s / 3_600) h" }
        return "\(s / 86_400) days"
    }
}
