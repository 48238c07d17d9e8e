import ArgumentParser
import Foundation
import MregRegistry
import MregStore
import MregWeb

extension MregCommand {
    struct Serve: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve a read-only web view of the store: models, versions, plots, diffs, the audit trail.",
            discussion: """
            Pages: / (models and a search box), /models/NAME (?sort=KEY&dir=asc|desc), \
            /models/NAME/versions/N, /models/NAME/diff/A/B (?all=1), /models/NAME/log, \
            /search?q=EXPR; long tables take ?page=N. The same data as JSON, in the shapes of \
            the commands' --json: /api/models (list), /api/models/NAME (list NAME, with params \
            and metrics), /api/models/NAME/versions/N (show), /api/models/NAME/log (log), \
            /api/models/NAME/diff/A/B (diff), /api/search?q=EXPR&order=FIELD&limit=N (search); \
            schemas in Docs/COMMANDS.md. A bad value of a known parameter is a 400 naming it. \
            Only GET and HEAD are answered; the store is read \
            afresh for every request. It listens on 127.0.0.1 unless --host says otherwise: \
            there is no login, so anyone who can reach the port can read the registry.
            Examples:
              mreg serve
              mreg serve --port 9000 --open
              mreg serve --host 0.0.0.0 --port 8480   # unauthenticated: trusted LANs only
            """)

        @Option(name: .long, help: "The port (0 picks a free one).")
        var port: Int = 8480

        @Option(name: .long, help: "The address to listen on (an IP address; default loopback).")
        var host: String = "127.0.0.1"

        @Flag(name: .long, help: "Open the view in a browser (xdg-open or open).")
        var open = false

        func validate() throws {
            guard (0...65535).contains(port) else { throw ValidationError("--port takes 0 to 65535") }
            guard WebServer.isIPAddress(host) else {
                throw ValidationError("--host '\(host)' is not an IP address: use one such as 127.0.0.1, 0.0.0.0 or ::1")
            }
        }

        func run() throws {
            let repository = try Store.open()
            let site = WebSite(storeRoot: repository.root)
            // A browser closing a connection mid-answer must not end the server.
            signal(SIGPIPE, SIG_IGN)
            let host = self.host, open = self.open
            let server = WebServer(site: site, host: host, port: UInt16(port))
            do {
                try server.runBlocking { bound in
                    let shown = host.contains(":") ? "[\(host)]" : host
                    let url = "http://\(shown):\(bound)/"
                    // Warned once the address is bound: an address that cannot be served gets only its error.
                    if !WebServer.isLoopback(host) {
                        Terminal.warning("serving on \(host): this view has no login, anyone who can reach port \(bound) can read the whole registry")
                    }
                    Terminal.line("Serving \(repository.workTree) at \(url) (read-only; Ctrl-C stops)")
                    _ = StandardOutput.flush()
                    if open { Self.openBrowser(url) }
                }
            } catch let failure as WebServer.Failure {
                throw CommandFailure(failure.isUsage ? .usage : .io, message: "mreg: error: \(failure.message)")
            }
        }

        static func openBrowser(_ url: String) {
            for tool in ["/usr/bin/xdg-open", "/usr/bin/open"] where FileManager.default.isExecutableFile(atPath: tool) {
                let p = Process()
                p.executableURL = URL(fileURLWithPath: tool)
                p.arguments = [url]
                p.standardOutput = FileHandle.nullDevice
                p.standardError = FileHandle.nullDevice
                if (try? p.run()) != nil { return }
            }
            Terminal.warning("no browser opener found (xdg-open): open \(url) yourself")
        }
    }
}
