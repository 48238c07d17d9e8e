import ArgumentParser
import Foundation
import MregRegistry
import MregFilter
import MregRemote
import MregGovernance
import MregIndex
import MregSupport
import MregStore

/// The `mreg` command: a git-style model registry.
public struct MregCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "mreg",
        abstract: "A git-style registry for trained models: versions, provenance, stages and an audit trail.",
        discussion: """
        A store lives in a .mreg folder found in the current folder or a parent (or at $MREG_DIR). \
        Start with 'mreg init', then 'mreg register MODEL PATH...'; see 'mreg help COMMAND'.

        Who you are: MREG_USER_NAME and MREG_USER_EMAIL, else 'mreg config user.name' and \
        'user.email' (the store's, then --global), else git's user.name and user.email, else the OS user.

        JSON schemas, exit codes and the on-disk format: Docs/COMMANDS.md and Docs/FORMAT.md.
        """,
        version: MregVersion.string,
        groupedSubcommands: [
            CommandGroup(name: "Registry", subcommands: [
                Init.self, Register.self, Show.self, List.self, LsFiles.self, Tag.self, Promote.self, Demote.self,
                Log.self, Diff.self, Export.self, Cat.self,
                Search.self, Reindex.self,
                // search-commands (issue 7)
                Verify.self, PolicyCommand.self,
                // governance-commands (issue 6)
            ]),
            CommandGroup(name: "Remote", subcommands: [
                Remote.self, Push.self, Fetch.self, Pull.self, Clone.self,
                // remote-commands (issue 5)
            ]),
            CommandGroup(name: "Plumbing", subcommands: [
                HashObject.self, CatFile.self, UpdateRef.self, ShowRef.self, RevParse.self, Fsck.self,
                CountObjects.self, ConfigCommand.self,
            ]),
        ]
    )

    public init() {}

    /// Runs mreg with the process's arguments and exits.
    public static func main() {
        main(Array(CommandLine.arguments.dropFirst()))
    }

    public static func main(_ arguments: [String]) {
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch let failure as CommandFailure {
            if let message = failure.message { Terminal.error(message) }
            Foundation.exit(failure.code)
        } catch let error as StoreError {
            Terminal.error("mreg: error: \(error.message)\(error.hint)")
            Foundation.exit(1)
        } catch let error as RegistryError {
            Terminal.error("mreg: error: \(error.message)")
            Foundation.exit(1)
        } catch {
            exit(withError: error)
        }
    }
}

/// Ends a command with an exit code (and, optionally, a message on stderr).
struct CommandFailure: Error {
    var code: Int32
    var message: String?
}
