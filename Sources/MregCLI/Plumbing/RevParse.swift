import ArgumentParser
import MregRegistry
import MregFilter
import MregRemote
import MregGovernance
import MregIndex
import MregSupport
import MregStore

extension MregCommand {
    struct RevParse: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rev-parse",
            abstract: "Print the full object id an id prefix, ref or revision names.")

        @Option(name: .long, help: "Print an abbreviated id of this many digits.")
        var short: Int?

        @Argument(help: "Id prefixes (4+ hex digits), refs (refs/...), or revisions (model@3, model@production).", completion: StoreCompletions.revisions)
        var names: [String]

        @OptionGroup var output: OutputOptions

        func run() throws {
            let repo = try Store.open()
            let resolver = Resolver(repository: repo)
            var resolved = [JSONValue]()
            for name in names {
                let id = try resolver.objectID(name)
                let shown = short.map { id.abbreviated(max(4, $0)) } ?? id.hex
                if output.json {
                    resolved.append(.object(["name": .string(name), "id": .string(shown)]))
                } else {
                    Terminal.line(shown)
                }
            }
            if output.json { output.emit(.array(resolved)) }
        }
    }
}
