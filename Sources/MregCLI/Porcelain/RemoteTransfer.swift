import ArgumentParser
import Foundation
import MregRegistry
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

        @Argument(help: "[REMOTE] [MODEL...]: a remote name or URL (default: origin), then models (default: all).")
        var words: [String] = []

        @OptionGroup var output: OutputOptions

        func run() throws {
            let registry = try Store.registry()
            let (name, models) = RemoteRendering.split(words, registry: registry)
            let (remoteName, remote) = try registry.openRemote(name)
            defer { remote.close() }
            let progress = ByteProgress(verb: "pushing")
            let report = try registry.push(to: remote, remoteName: remoteName, models: models, observer: progress)
            if output.json {
                output.emit(RemoteRendering.json(report))
            } else {
                Terminal.line("To \(report.remoteLabel == report.location.description ? report.remoteLabel : "\(report.remoteLabel) (\(report.location))")")
                RemoteRendering.print(report, verb: "sent")
            }
            let rejected = report.rejected
            if !rejected.isEmpty {
                let how = "run 'mreg pull\(remoteName.map { " \($0)" } ?? " \(report.location)")' and push again"
                throw CommandFailure(code: 1, message: "mreg: error: push of \(rejected.map(\.model).joined(separator: ", ")) to \(report.remoteLabel) was refused: the remote has events this store lacks (not a fast-forward); \(how)")
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

        @Argument(help: "[REMOTE] [MODEL...]: a remote name or URL (default: origin), then models (default: all).")
        var words: [String] = []

        @OptionGroup var output: OutputOptions

        func run() throws {
            let registry = try Store.registry()
            let (name, models) = RemoteRendering.split(words, registry: registry)
            let (remoteName, remote) = try registry.openRemote(name)
            defer { remote.close() }
            let progress = ByteProgress(verb: "fetching")
            let (report, _) = try registry.fetch(from: remote, remoteName: remoteName, models: models, observer: progress)
            if output.json {
                output.emit(RemoteRendering.json(report))
            } else {
                Terminal.line("From \(report.remoteLabel == report.location.description ? report.remoteLabel : "\(report.remoteLabel) (\(report.location))")")
                RemoteRendering.print(report, verb: "received")
            }
        }
    }

    struct Pull: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fetch, then bring local models up to the remote (fast-forward, or replay local events on top).",
            discussion: """
            When both sides have new events, the local ones are rebuilt on top of the remote's: \
            unpublished versions get the next free numbers (their manifests are unchanged), tags and \
            promotions keep pointing at the same content, so nobody's work is lost. Push afterwards.
            """)

        @Argument(help: "[REMOTE] [MODEL...]: a remote name or URL (default: origin), then models (default: all).")
        var words: [String] = []

        @OptionGroup var output: OutputOptions

        func run() throws {
            let registry = try Store.registry()
            let (name, models) = RemoteRendering.split(words, registry: registry)
            let (remoteName, remote) = try registry.openRemote(name)
            defer { remote.close() }
            let progress = ByteProgress(verb: "fetching")
            let report = try registry.pull(from: remote, remoteName: remoteName, models: models, observer: progress)
            if output.json {
                output.emit(RemoteRendering.json(report))
            } else {
                Terminal.line("From \(report.remoteLabel == report.location.description ? report.remoteLabel : "\(report.remoteLabel) (\(report.location))")")
                RemoteRendering.print(report, verb: "received")
            }
        }
    }

    struct Clone: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a new store from a remote: init, fetch everything, check out every model.",
            discussion: """
            The source is remembered as 'origin'. DIR defaults to the last component of URL.
            Examples:
              mreg clone /mnt/team/registry
              mreg clone s3://ml-models/registry models --endpoint http://127.0.0.1:9000
            """)

        @Argument(help: "A path to a store, or s3://bucket/prefix.")
        var url: String

        @Argument(help: "The folder to create the store in.")
        var directory: String?

        @OptionGroup var s3: RemoteSettingOptions

        @Flag(name: .shortAndLong, help: "Print nothing.")
        var quiet = false

        @OptionGroup var output: OutputOptions

        func run() throws {
            let location = try RemoteLocation.parse(url)
            let dir = directory ?? location.defaultCloneDirectory
            let progress = ByteProgress(verb: "fetching", enabled: !quiet && Terminal.isTTY(2))
            let (registry, report) = try Registry.clone(url: url, into: dir, settings: s3.settings, observer: progress)
            if output.json {
                var o = RemoteRendering.json(report).objectValue ?? [:]
                o["directory"] = .string(registry.repository.workTree)
                output.emit(.object(o))
            } else if !quiet {
                let n = report.models.count
                Terminal.line("Cloned \(n) model\(n == 1 ? "" : "s") (\(report.objects) objects, \(Format.bytes(report.bytes))) from \(location) into \(registry.repository.workTree)")
            }
        }
    }
}
