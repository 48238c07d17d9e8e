import ArgumentParser
import MregStore
import MregSupport

extension MregCommand {
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an empty store (a .mreg folder) in DIR or the current folder.",
            discussion: """
            Inside a git work tree, .mreg/ is added to the work tree's top-level .gitignore (created \
            if needed) unless git already ignores the store, so model files never land in git; \
            --no-gitignore leaves .gitignore alone. Outside a work tree (or without git) nothing changes.
            """)

        @Argument(help: "The folder to create the store in.")
        var directory: String = "."

        @Option(name: .long, help: "Share the store with the owner's group ('group'): folders setgid, files group-writable.")
        var shared: String?

        @Flag(name: .long, help: "Do not add .mreg/ to the git work tree's .gitignore.")
        var noGitignore = false

        @Flag(name: .shortAndLong, help: "Print nothing.")
        var quiet = false

        @OptionGroup var output: OutputOptions

        func validate() throws {
            if let shared, !["group", "true"].contains(shared) {
                throw ValidationError("--shared takes 'group'")
            }
        }

        func run() throws {
            let (repo, existed) = try Repository.initialize(at: directory, sharedGroup: shared != nil)
            if output.json {
                GitIgnore.apply(storeRoot: repo.root, skip: noGitignore, quiet: true)
                if !quiet {
                    output.emit(.object(["path": .string(repo.root), "created": .bool(!existed), "shared": .bool(repo.sharedGroup)]))
                }
                return
            }
            if !quiet {
                Terminal.line("\(existed ? "Reinitialized existing" : "Initialized empty")\(repo.sharedGroup ? " shared" : "") mreg store in \(repo.root)/")
            }
            GitIgnore.apply(storeRoot: repo.root, skip: noGitignore, quiet: quiet)
        }
    }
}

extension GitIgnore {
    /// Keeps the new store out of the git work tree around it (unless `skip`) and says so in
    /// one line (unless `quiet`). The store is made either way: a `.gitignore` that cannot be
    /// written is a warning, not a failure.
    static func apply(storeRoot: String, skip: Bool, quiet: Bool) {
        if skip { return }
        let outcome: Outcome
        do {
            outcome = try GitIgnore.ensureIgnored(storeRoot: storeRoot)
        } catch {
            Terminal.warning("could not add .mreg/ to the git work tree's .gitignore (\(error)); add it by hand")
            return
        }
        switch outcome {
        case .notInWorkTree, .alreadyIgnored:
            return
        case .added(let path, let created):
            if quiet { return }
            Terminal.line(created ? "Created \(path) with .mreg/ so git leaves the store alone (--no-gitignore skips this)"
                : "Added .mreg/ to \(path) so git leaves the store alone (--no-gitignore skips this)")
        case .listedButNotIgnored(let path):
            Terminal.warning("\(path) lists .mreg/, yet git does not ignore this store (a later '!' rule, or its files are tracked)")
        }
    }
}
