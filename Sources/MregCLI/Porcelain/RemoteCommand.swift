import ArgumentParser
import Foundation
import MregRegistry
import MregFilter
import MregRemote
import MregGovernance
import MregIndex
import MregSupport
import MregStore

/// S3 settings a remote can carry in config (`remote add`, `clone`).
struct RemoteSettingOptions: ParsableArguments {
    @Option(name: .long, help: "S3 endpoint for this remote (MinIO, Ceph…), e.g. http://127.0.0.1:9000 (default: $AWS_ENDPOINT_URL, else AWS).")
    var endpoint: String?

    @Option(name: .long, help: "S3 region for this remote (default: $AWS_REGION, else us-east-1).")
    var region: String?

    @Flag(name: .long, help: "Address the bucket as ENDPOINT/BUCKET/KEY (the default with a custom endpoint).")
    var pathStyle = false

    var settings: [String: String] {
        var out = [String: String]()
        if let endpoint { out["endpoint"] = endpoint }
        if let region { out["region"] = region }
        if pathStyle { out["pathStyle"] = "true" }
        return out
    }
}

extension MregCommand {
    struct Remote: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Manage remotes: stores on a shared filesystem or in an S3-compatible bucket.",
            discussion: """
            A remote is another store: a path (a folder made by 'mreg init DIR', e.g. on NFS) or \
            s3://bucket/prefix. S3 endpoint, region and credentials come from the remote's config \
            (remote.NAME.endpoint, .region, .accessKeyId, .secretAccessKey) or the usual AWS_* variables.
            Examples:
              mreg remote add origin /mnt/team/registry
              mreg remote add s3 s3://ml-models/registry \\
                --endpoint http://127.0.0.1:9000
              mreg remote -v
            """,
            subcommands: [RemoteList.self, RemoteAdd.self, RemoteRemove.self],
            defaultSubcommand: RemoteList.self)
    }

    struct RemoteAdd: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Add a remote: mreg remote add NAME URL (a store path or s3://bucket/prefix).")

        @Argument(help: "The remote's name ('origin' is the default remote).")
        var name: String

        @Argument(help: "A path to a store, or s3://bucket/prefix.")
        var url: String

        @OptionGroup var s3: RemoteSettingOptions

        func run() throws {
            let registry = try Store.registry()
            var remotes = Remotes(registry)
            let added = try remotes.addRemote(name: name, url: url, settings: s3.settings)
            if case .filesystem(let path) = try RemoteLocation.parse(added.url), (try? FileRemote(path: path)) == nil {
                Terminal.warning("'\(path)' is not an mreg store yet: create it with 'mreg init \(path)' before pushing")
            }
            Terminal.line("added remote \(added.name) -> \(Redaction.url(added.url))")
        }
    }

    struct RemoteList: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List the remotes (-v: with their URLs).",
            aliases: ["ls"])

        @Flag(name: .shortAndLong, help: "Show each remote's URL and settings.")
        var verbose = false

        @OptionGroup var output: OutputOptions

        func run() throws {
            let registry = try Store.registry()
            let remotes = Remotes(registry).remotes()
            if output.json {
                output.emit(.array(remotes.map { r in
                    var o: [String: JSONValue] = ["name": .string(r.name), "url": .string(Redaction.url(r.url))]
                    for (k, v) in r.settings where !Redaction.isSecret(key: k) {
                        o[k] = .string(Redaction.url(v))
                    }
                    return .object(o)
                }))
                return
            }
            if !verbose {
                for r in remotes { Terminal.line(r.name) }
                return
            }
            let rows = remotes.map { r -> [String] in
                let extra = ["endpoint", "region"].compactMap { k in r.settings[k].map { "\(k)=\(Redaction.url($0))" } }.joined(separator: " ")
                return [r.name, Redaction.url(r.url), extra]
            }
            for line in Terminal.table(rows) { Terminal.line(RemoteRendering.trimTrailing(line)) }
        }
    }

    struct RemoteRemove: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove",
            abstract: "Remove a remote and its remote-tracking refs.",
            aliases: ["rm"])

        @Argument(help: "The remote's name.", completion: StoreCompletions.remotes)
        var name: String

        func run() throws {
            let registry = try Store.registry()
            var remotes = Remotes(registry)
            try remotes.removeRemote(name: name)
            Terminal.line("removed remote \(name)")
        }
    }
}
