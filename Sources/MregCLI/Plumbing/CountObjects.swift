import ArgumentParser
import MregRegistry
import MregFilter
import MregRemote
import MregGovernance
import MregIndex
import MregSupport
import MregStore

extension MregCommand {
    struct CountObjects: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "count-objects",
            abstract: "Count the store's objects and the disk space they use.")

        @Flag(name: .shortAndLong, help: "Print more detail, one 'name: value' per line.")
        var verbose = false

        @OptionGroup var output: OutputOptions

        func run() throws {
            let repo = try Store.open()
            let (count, bytes, temp) = repo.countObjects()
            if output.json {
                output.emit(["count": .int(Int64(count)), "size_bytes": .int(bytes), "garbage": .int(Int64(temp))])
            } else if verbose {
                Terminal.line("count: \(count)")
                Terminal.line("size: \(bytes / 1024)")
                Terminal.line("in-pack: 0")
                Terminal.line("packs: 0")
                Terminal.line("garbage: \(temp)")
            } else {
                Terminal.line("\(count) objects, \(bytes / 1024) kilobytes")
            }
        }
    }
}
