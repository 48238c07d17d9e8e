/// mreg's exit codes, for scripts (Docs/COMMANDS.md, "Exit codes"). `MregCommand.main` maps
/// every error to one of them.
enum MregExitStatus: Int32, CaseIterable {
    /// It worked.
    case success = 0
    /// A negative answer: `diff --exit-code` found differences, `verify` or `policy check`
    /// found problems, `show-ref`, `config --get` or `cat-file -e` found nothing.
    case negative = 1
    /// Something named does not exist: a model, version, tag, remote, object, file.
    case notFound = 2
    /// Refused or in conflict: policy, hook, signature, tag exists, push not a fast-forward,
    /// a lock held (or stale), someone else moved a ref.
    case refused = 3
    /// Stored data is damaged (`fsck` found errors; a command over all models could not read some).
    case corrupt = 4
    /// The operating system (or a remote's storage service) failed a read or write.
    case io = 5
    /// Bad command-line arguments or invalid input: bad names, unparsable values, bad query syntax.
    case usage = 64
}
