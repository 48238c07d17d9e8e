import ArgumentParser
import Foundation
import MregRegistry
import MregRemote
import MregGovernance
import MregSupport

extension MregCommand.PolicyCommand {
    /// `mreg policy push [REMOTE] [--replace]`: shares this store's policy with a remote.
    struct PolicyPush: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "push",
            abstract: "Share this store's policy (and its allowed-signers file) with a remote.",
            discussion: """
            Afterwards 'pull' and 'clone' adopt it, and 'push' into the remote refuses promotions \
            it does not accept. A remote without a policy gets this one; a remote whose policy \
            differs keeps it (exit 3) unless --replace is given: a plain push never changes a \
            remote's policy, and replacing one is always this explicit command. REMOTE defaults to 'origin'.
            Examples:
              mreg policy push                # origin has no policy yet
              mreg policy push origin --replace
            """)

        @Argument(help: "A remote name or URL (default: origin).", completion: StoreCompletions.remotes)
        var remote: String?

        @Flag(name: .long, help: "Replace the remote's policy when it differs (only if nobody changed it meanwhile).")
        var replace = false

        @OptionGroup var output: OutputOptions

        func run() throws {
            let registry = try Store.registry()
            let remotes = Remotes(registry)
            let (name, storage) = try remotes.openRemote(remote)
            defer { storage.close() }
            let outcome = try remotes.pushPolicy(to: storage, replace: replace)
            let digest = try Governance(registry).policy().digest ?? ""
            if output.json {
                output.emit(["remote": JSONValue(name), "url": .string(storage.location.description),
                             "status": .string(outcome.rawValue), "digest": .string(digest)])
                return
            }
            let label = name.map { "\($0) (\(storage.location))" } ?? "\(storage.location)"
            switch outcome {
            case .created: Terminal.line("policy \(digest) shared with \(label)")
            case .replaced: Terminal.line("policy of \(label) replaced by \(digest)")
            case .upToDate: Terminal.line("\(label) already has this policy (\(digest))")
            }
        }
    }
}
