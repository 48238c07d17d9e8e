import ArgumentParser
import MregStore

extension MregCommand {
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an empty store (a .mreg folder) in DIR or the current folder.")

        @Argument(help: "The folder to create the store in.")
        var directory: String = "."

        @Option(name: .long, help: "Share the store with the owner's group ('group'): folders setgid, files group-writable.")
        var shared: String?

        @Flag(name: .shortAndLong, help: "Print nothing.")
        var quiet = false

        func validate() throws {
            if let shared, !["group", "true"].contains(shared) {
                throw ValidationError("--shared takes 'group'")
            }
        }

        func run() throws {
            let (repo, existed) = try Repository.initialize(at: directory, sharedGroup: shared != nil)
            if !quiet {
                Terminal.line("\(existed ? "Reinitialized existing" : "Initialized empty")\(repo.sharedGroup ? " shared" : "") mreg store in \(repo.root)/")
            }
        }
    }
}
