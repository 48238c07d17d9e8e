extension RegistryError {
    /// A change that collides with what is there.
    public enum Conflict: Sendable, Equatable, CustomStringConvertible {
        /// The tag already names another version of the model (`wanted`: the version asked for,
        /// nil when registering with the tag).
        case tagExists(tag: String, model: String, version: Int64, wanted: Int64?)
        /// A remote of that name is already configured.
        case remoteExists(name: String)
        /// The folder already holds a store (`url`: what was to be cloned into it).
        case storeExists(path: String, url: String)
        /// A file or folder to be written already exists.
        case pathExists(path: String)
        /// A head moved while it was being changed by compare-and-swap (`remote`: where; `detail`: what was seen).
        case headMoved(model: String, remote: String, detail: String?)
        /// A file changed while it was being read.
        case inputChanged(path: String)
        /// A demotion named a version that the stage does not hold.
        case stageHoldsAnother(model: String, stage: String, holds: Int64, named: Int64)
        /// A pull found local moves that conflict with the remote's (`refusedByPolicy` of them: replayed
        /// promotions the policy refuses) and changed nothing.
        case pullStopped(conflicts: Int, refusedByPolicy: Int, models: [String])

        public var description: String {
            switch self {
            case .tagExists(let tag, let model, let version, let wanted):
                return "tag '\(tag)' already names \(model)@v\(version)" + (wanted.map { "; moving it to v\($0) needs force" } ?? "")
            case .remoteExists(let name):
                return "remote '\(name)' already exists"
            case .storeExists(let path, _):
                return "'\(path)' already holds a store"
            case .pathExists(let path):
                return "'\(path)' already exists"
            case .headMoved(let model, let remote, let detail):
                return "the head of \(model) on \(remote) moved while pushing" + (detail.map { " (\($0))" } ?? "")
            case .inputChanged(let path):
                return "'\(path)' changed while it was being read; register again when it is stable"
            case .stageHoldsAnother(let model, let stage, let holds, let named):
                return "\(stage) holds \(model) v\(holds), not v\(named): nothing was demoted"
            case .pullStopped(let n, _, let models):
                return "pull stopped: \(n) local move\(n == 1 ? "" : "s") of \(models.joined(separator: ", ")) conflict\(n == 1 ? "s" : "") with the remote's (listed above); nothing was changed"
            }
        }
    }
}
