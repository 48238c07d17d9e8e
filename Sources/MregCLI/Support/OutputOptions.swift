import ArgumentParser
import MregRegistry
import MregFilter
import MregRemote
import MregGovernance
import MregIndex
import MregSupport

/// `--json` for commands that print data.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print JSON (schema in Docs/COMMANDS.md).")
    var json = false

    func emit(_ value: JSONValue) {
        Terminal.line(value.pretty)
    }
}
