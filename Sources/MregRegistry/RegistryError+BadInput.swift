extension RegistryError {
    /// Input that cannot be used: a value, a query, a file's content, a setting.
    public enum BadInput: Sendable, Equatable, CustomStringConvertible {
        /// A manifest id prefix that matches several versions of a model.
        case ambiguous(prefix: String, model: String, matches: Int)
        /// A stage that is not one of the registry's stages.
        case unknownStage(name: String, stages: [String])
        /// A search query, policy condition or sort order that cannot be read.
        case syntax(SyntaxError)
        /// A file whose content is not what it should be (safetensors, GGUF, params, a model card).
        case malformedFile(path: String?, problem: String)
        /// The store's policy file is not valid.
        case invalidPolicy(file: String, problem: String)
        /// A setting whose value cannot be used (`core.chunkSize`, an S3 endpoint).
        case invalidSetting(key: String, value: String, expected: String)
        /// No S3 credentials in the environment or in the remote's settings (`settingPrefix`: `remote.NAME.`).
        case noCredentials(settingPrefix: String)
        /// A `KEY=VALUE` (a param, a metric, a dataset) that cannot be used.
        case invalidAssignment(text: String, problem: String)
        /// A metric whose value is not a number.
        case nonNumericMetric(name: String, value: String)
        /// A path that cannot be used as asked (`action`: what was to be done with it, e.g. "register").
        case unusablePath(action: String, path: String, problem: String)
        /// Two inputs of one registration map to the same path in the version.
        case duplicateInput(path: String, first: String, second: String)
        /// A symbolic link inside a registered folder that leads outside it (`target`: its text).
        case linkOutside(path: String, target: String)
        /// A date that cannot be read.
        case invalidDate(String, reason: String? = nil, option: String? = nil)
        /// A remote URL that cannot be used.
        case invalidRemoteURL(url: String, problem: String)
        /// A remote that is this store itself.
        case remoteIsThisStore(path: String)
        /// An id that names an object that is not a version (`type`: what it is).
        case notAVersion(id: String, type: String)
        /// A comparison with the version before the first one.
        case noPreviousVersion(version: String, model: String)
        /// A revision without the explicit version an action needs (`action`: e.g. "promote"; `latest`: the model's newest).
        case versionRequired(revision: String, action: String, latest: Int64?)
        /// Signing was asked for without a key (`user.signingKey`).
        case noSigningKey
        /// Signing was asked for without an allowed-signers file to check the signature against.
        case noAllowedSigners
        /// Something would be recorded, and no user name and email are configured to record as its author.
        case noIdentity
        /// A command that needs a reason (`rm --reason`) was given an empty one.
        case reasonRequired(action: String)

        public var description: String {
            switch self {
            case .ambiguous(let prefix, let model, let matches):
                return "'\(prefix)' matches \(matches) versions of \(model); give more digits"
            case .unknownStage(let name, let stages):
                return "unknown stage '\(name)': stages are \(stages.joined(separator: ", "))"
            case .syntax(let s):
                return s.description
            case .malformedFile(let path, let problem):
                return path.map { "\($0): \(problem)" } ?? problem
            case .invalidPolicy(let file, let problem):
                return "\(file): \(problem)"
            case .invalidSetting(let key, let value, let expected):
                return "\(key) must be \(expected), not '\(value)'"
            case .noCredentials(let prefix):
                return "no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or \(prefix)accessKeyId and secretAccessKey in the store's config)"
            case .invalidAssignment(let text, let problem):
                return "'\(text)' \(problem)"
            case .nonNumericMetric(let name, let value):
                return "metric '\(name)' is \(value), not a number: metrics must be numbers (put text in params or the message)"
            case .unusablePath(let action, let path, let problem):
                return "cannot \(action) '\(path)': \(problem)"
            case .duplicateInput(let path, let first, let second):
                return "two inputs map to the same path '\(path)' ('\(first)' and '\(second)'): register them from one folder instead"
            case .linkOutside(let path, let target):
                return "cannot register '\(path)': it is a symbolic link to '\(target)', outside the registered folder"
            case .invalidDate(let text, let reason, let option):
                if let reason { return (option.map { "\($0): " } ?? "") + reason }
                return "cannot read the date '\(text)': use YYYY-MM-DD, 'YYYY-MM-DD HH:MM[:SS]' or RFC 3339 (times are UTC)"
            case .invalidRemoteURL(let url, let problem):
                return url.isEmpty ? "the remote URL is empty: \(problem)" : "invalid remote URL '\(url)': \(problem)"
            case .remoteIsThisStore(let path):
                return "'\(path)' is this store itself: a remote must be another store"
            case .notAVersion(let id, let type):
                return "'\(id)' names a \(type), not a model version"
            case .noPreviousVersion(let version, let model):
                return "\(version) is the first version of \(model): there is no version before it to compare with"
            case .versionRequired(let revision, let action, let latest):
                return "say which version to \(action): \(revision)@N, \(revision)@TAG or \(revision)@latest"
                    + (latest.map { " (its latest is v\($0))" } ?? "")
            case .reasonRequired(let action):
                return "\(action) needs a reason that says why (it is recorded in the event)"
            case .noSigningKey:
                return "signing needs a key: set user.signingKey to an OpenSSH private key"
            case .noAllowedSigners:
                return "signing needs an allowed-signers file to check signatures against: add [signing] allowed_signers = \"allowed_signers\" to .mreg/policy.toml"
            case .noIdentity:
                return "please tell me who you are: every entry records its author's name and email, and they are not configured (set user.name and user.email, or MREG_USER_NAME and MREG_USER_EMAIL); nothing was recorded"
            }
        }
    }
}
