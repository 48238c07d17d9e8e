import ArgumentParser
import Foundation
import MregRegistry
import MregFilter
import MregRemote
import MregGovernance
import MregIndex
import MregSupport
import MregStore

extension MregCommand {
    struct Push: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send local events and the objects they need to a remote, then move its heads.",
            discussion: """
            Only objects the remote lacks are sent, found by walking from the local heads and \
            stopping at what the remote has (the remote is never listed); heads move last, by \
            compare-and-swap. A model whose remote head has events this store lacks is rejected: \
            run 'mreg pull' first. REMOTE defaults to 'origin'.
            Examples:
              mreg push                 # every model to origin
              mreg push origin fraud    # one model
              mreg push /mnt/team/registry
            """)

        @Argument(help: "[REMOTE] [MODEL...]: a remote name or URL (default: origin), then models (default: all).", completion: StoreCompletions.remotesAndModels)
        var words: [String] = []

        @OptionGroup var output: OutputOptions

        func run() throws {
            let (report, _) = try RemoteRendering.transfer(words, output: output, progress: "pushing", heading: "To", verb: "sent") {
                registry, remoteName, remote, models, progress in
                try Remotes(registry).push(to: remote, remoteName: remoteName, models: models, observer: progress)
            }
            let rejected = report.rejected
            if !rejected.isEmpty {
                // One reason when every model was rejected for the same one, else "not a fast-forward".
                let reasons = rejected.map { $0.rejection ?? .notFastForward }
                let reason = reasons.allSatisfy { $0 == reasons[0] } ? reasons[0] : .notFastForward
                throw RegistryError.pushRejected(.init(models: rejected.map(\.model), remote: report.remoteLabel, reason: reason))
            }
        }
    }

    struct Fetch: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download a remote's new events and objects (verified) without changing local models.",
            discussion: """
            Records the remote's heads as refs/remotes/REMOTE/MODEL/head; 'mreg pull' adopts them. \
            Every object is verified (its id is the SHA-256 of its content) before it is stored; \
            a damaged one is reported and not stored.
            """)

        @Argument(help: "[REMOTE] [MODEL...]: a remote name or URL (default: origin), then models (default: all).", completion: StoreCompletions.remotesAndModels)
        var words: [String] = []

        @OptionGroup var output: OutputOptions

        func run() throws {
            _ = try RemoteRendering.transfer(words, output: output, progress: "fetching", heading: "From", verb: "received") {
                registry, remoteName, remote, models, progress in
                try Remotes(registry).fetch(from: remote, remoteName: remoteName, models: models, observer: progress).report
            }
        }
    }

    struct Pull: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fetch, then bring local models up to the remote (fast-forward, or replay local events on top).",
            discussion: """
            When both sides have new events, the local ones are rebuilt on top of the remote's: \
            unpublished versions get the next free numbers (their manifests are unchanged; the \
            mapping is printed), tags and promotions keep pointing at the same content, so nobody's \
            work is lost. Push afterwards.
            When both sides moved the same stage or tag, or the policy refuses a replayed promotion, \
            the pull changes nothing, lists each conflict and exits 3. Then --theirs keeps the \
            remote's moves and drops the conflicting local ones; --ours replays the local moves on \
            top, each recording the remote move it overrides.
            Examples:
              mreg pull
              mreg pull --theirs        # the remote's moves stand
              mreg pull --ours          # yours override them (recorded in the log)
            """)

        @Argument(help: "[REMOTE] [MODEL...]: a remote name or URL (default: origin), then models (default: all).", completion: StoreCompletions.remotesAndModels)
        var words: [String] = []

        @Flag(name: .long, help: "On a conflict, keep the remote's moves and drop the conflicting local ones.")
        var theirs = false

        @Flag(name: .long, help: "On a conflict, replay the local moves over the remote's, recorded as overrides.")
        var ours = false

        @OptionGroup var output: OutputOptions

        func run() throws {
            if ours && theirs {
                throw CommandFailure(.usage, message: "mreg: error: --ours and --theirs exclude each other: choose one (--theirs keeps the remote's moves, --ours replays yours over them)")
            }
            let resolution: ChainReplay.Resolution = ours ? .ours : theirs ? .theirs : .stop
            let (report, _) = try RemoteRendering.transfer(words, output: output, progress: "fetching", heading: "From", verb: "received") {
                registry, remoteName, remote, models, progress in
                try Remotes(registry).pull(from: remote, remoteName: remoteName, models: models, resolution: resolution, observer: progress)
            }
            let stopped = report.models.filter { $0.status == .conflict }
            if !stopped.isEmpty {
                let conflicts = stopped.flatMap(\.conflicts).filter { $0.outcome == .stopped }
                throw RegistryError.conflict(.pullStopped(conflicts: conflicts.count, refusedByPolicy: conflicts.filter { $0.policy != nil }.count,
                                                          models: stopped.map(\.model)))
            }
        }
    }

    struct Clone: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a new store from a remote: init, fetch everything, check out every model.",
            discussion: """
            The source is remembered as 'origin'. DIR defaults to the last component of URL. \
            Inside a git work tree, .mreg/ is added to its .gitignore as 'mreg init' does (--no-gitignore skips).
            Examples:
              mreg clone /mnt/team/registry
              mreg clone s3://ml-models/registry models --endpoint http://127.0.0.1:9000
            """)

        @Argument(help: "A path to a store, or s3://bucket/prefix.")
        var url: String

        @Argument(help: "The folder to create the store in.")
        var directory: String?

        @OptionGroup var s3: RemoteSettingOptions

        @Flag(name: .long, help: "Do not add .mreg/ to the git work tree's .gitignore.")
        var noGitignore = false

        @Flag(name: .shortAndLong, help: "Print nothing.")
        var quiet = false

        @OptionGroup var output: OutputOptions

        func run() throws {
            let location = try RemoteLocation.parse(url)
            let dir = directory ?? location.defaultCloneDirectory
            let progress = ByteProgress(verb: "fetching", enabled: !quiet && Terminal.isTTY(2))
            let (registry, report) = try Remotes.clone(url: url, into: dir, settings: s3.settings, observer: progress)
            if output.json {
                var o = RemoteRendering.json(report).objectValue ?? [:]
                o["directory"] = .string(registry.repository.workTree)
                output.emit(.object(o))
            } else if !quiet {
                let n = report.models.count
                Terminal.line("Cloned \(n) model\(n == 1 ? "" : "s") (\(report.objects) objects, \(Format.bytes(report.bytes))) from \(location) into \(registry.repository.workTree)")
            }
            GitIgnore.apply(storeRoot: registry.repository.root, skip: noGitignore, quiet: quiet || output.json)
        }
    }
}
