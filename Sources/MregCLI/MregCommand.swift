import ArgumentParser
import Foundation
import MregRegistry
import MregFilter
import MregRemote
import MregGovernance
import MregIndex
import MregSupport
import MregStore
import MregWeb

/// The `mreg` command: a git-style model registry.
public struct MregCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "mreg",
        abstract: "A git-style registry for trained models: versions, provenance, stages and an audit trail.",
        discussion: """
        A store lives in a .mreg folder found in the current folder or a parent (or at $MREG_DIR). \
        Start with 'mreg init', then 'mreg register MODEL PATH...'; see 'mreg help COMMAND'.

        Who you are: MREG_USER_NAME and MREG_USER_EMAIL, else 'mreg config user.name' and \
        'user.email' (the store's, then --global), else git's user.name and user.email. Commands that \
        record an event refuse (exit 64) when none of them is set: every entry of the trail names its author.

        Time: MREG_NOW=2026-03-01T12:00:00Z (RFC 3339) sets the time recorded in new events and \
        manifests, as git's GIT_COMMITTER_DATE does (for tests and imports); unset, the clock's.

        Exit codes: 0 success; 1 a negative answer (diff --exit-code found differences, verify \
        or policy check found problems, show-ref or config KEY found nothing); 2 not found (model, \
        version, tag, remote, object…); 3 refused or in conflict (policy, hook, tag exists, push not a \
        fast-forward, a lock held, a ref moved meanwhile); 4 corrupt store data (fsck found errors; \
        list, search or log could not read some models: they are named on stderr); 5 an I/O error from \
        the operating system or a remote's storage; 64 bad usage or invalid input (bad names, \
        unparsable values, bad query syntax). Errors print one line on stderr: 'mreg: error: …'. \
        A closed output pipe (mreg log | head -1) ends mreg quietly by SIGPIPE, as git (a shell shows 141).

        JSON schemas and the on-disk format: Docs/COMMANDS.md and Docs/FORMAT.md.
        """,
        version: MregVersion.string,
        groupedSubcommands: [
            CommandGroup(name: "Registry", subcommands: [
                Init.self, Register.self, Show.self, List.self, LsFiles.self, Tag.self, Promote.self, Demote.self, Approve.self,
                Log.self, Diff.self, Export.self, Cat.self, Rm.self, Prune.self, DiskUsageCommand.self,
                Search.self, Reindex.self, Import.self, Serve.self, Report.self,
                // search-commands (issue 7)
                Verify.self, PolicyCommand.self,
                // governance-commands (issue 6)
                Audit.self,
            ]),
            CommandGroup(name: "Remote", subcommands: [
                Remote.self, Push.self, Fetch.self, Pull.self, Clone.self, Status.self,
                // remote-commands (issue 5)
            ]),
            CommandGroup(name: "Plumbing", subcommands: [
                HashObject.self, CatFile.self, UpdateRef.self, ShowRef.self, RevParse.self, Fsck.self,
                CountObjects.self, ConfigCommand.self, GC.self,
            ]),
        ]
    )

    public init() {}

    /// Runs mreg with the process's arguments and exits.
    public static func main() {
        main(Array(CommandLine.arguments.dropFirst()))
    }

    /// Runs mreg and exits with the code of the table in Docs/COMMANDS.md ("Exit codes"):
    /// every error is printed as one line on stderr and mapped to its code here. Output is
    /// flushed before exit, and a failure to write it is an error too (`finish`).
    public static func main(_ arguments: [String]) {
        StandardOutput.claimClosedDescriptors()
        if arguments.first == "--generate-manual" { ManualPages.run(arguments) }
        BashCompletion.runIfAsked(arguments)
        if let unknown = UnknownCommand.message(for: arguments) { fail(unknown, .usage) }
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
            finish(.success)
        } catch let failure as CommandFailure {
            finish(failure.status, message: failure.message.map(oneLine))
        } catch let error as StandardOutput.WriteError {
            finish(.io, message: "mreg: error: \(error)")
        } catch let damage as ModelDamage {
            fail(DamagedModels.line(damage), DamagedModels.status(of: damage))
        } catch let error as RegistryError {
            fail(ErrorWording.line(error), exitStatus(for: error))
        } catch let error as StoreError {
            fail("\(error)", exitStatus(for: error))
        } catch let error as JSONValue.ParseError {
            // Stored JSON (user input is checked where it is read, and reported as bad input).
            fail("stored JSON cannot be read: \(error)", .corrupt)
        } catch {
            let code = exitCode(for: error)
            // A completion request the parser cannot place (`---completion` alone, an unknown
            // subcommand or argument) completes nothing: the shell gets no words, not an error.
            if arguments.first == "---completion" && code != .success { finish(.success) }
            if code == .success {
                // Help and version go to stdout like any output, so a failed write is reported.
                let text = fullMessage(for: error)
                if !text.isEmpty { Terminal.line(text) }
                finish(.success)
            }
            // argument-parser's own errors: usage (64).
            if code != .failure {
                let text = fullMessage(for: error)
                finish(MregExitStatus(rawValue: code.rawValue) ?? .usage, message: text.isEmpty ? nil : UnknownCommand.usageLine(text))
            }
            // Anything else comes from Foundation's file handling: an I/O error.
            fail("\(error.localizedDescription)", .io)
        }
    }

    /// Flushes stdout and exits with `status` (printing `message`, if any). When the output
    /// could not be written, a command that had nothing worse to report fails with exit 5
    /// and one line on stderr; a closed pipe ends the process quietly (`StandardOutput`).
    static func finish(_ status: MregExitStatus, message: String? = nil) -> Never {
        let failure = StandardOutput.flush()
        if let failure, status == .success || status == .negative {
            Terminal.error("mreg: error: \(failure)")
            Foundation.exit(MregExitStatus.io.rawValue)
        }
        if let message { Terminal.error(message) }
        Foundation.exit(status.rawValue)
    }

    /// The exit status of a registry error.
    static func exitStatus(for error: RegistryError) -> MregExitStatus {
        switch error {
        case .notFound: return .notFound
        case .invalidName, .badInput: return .usage
        case .conflict, .refused, .pushRejected: return .refused
        case .corrupt: return .corrupt
        case .io, .service: return .io
        }
    }

    /// The exit status of a store error, by its code.
    static func exitStatus(for error: StoreError) -> MregExitStatus {
        switch error.code {
        case .notFound: return .notFound
        case .alreadyExists, .locked, .modified: return .refused
        case .corrupt: return .corrupt
        case .io: return .io
        case .ambiguous, .invalid: return .usage
        }
    }

    static func fail(_ message: String, _ status: MregExitStatus) -> Never {
        finish(status, message: "mreg: error: \(oneLine(message))")
    }

    /// Messages are one line on stderr, whatever a hook or a tool said, with URL credentials hidden.
    static func oneLine(_ text: String) -> String {
        Redaction.url(text.split(whereSeparator: \.isNewline).joined(separator: " "))
    }
}

/// Ends a command with an exit status (and, optionally, a message on stderr).
struct CommandFailure: Error {
    var status: MregExitStatus
    var message: String?

    init(_ status: MregExitStatus, message: String? = nil) {
        self.status = status
        self.message = message
    }
}
