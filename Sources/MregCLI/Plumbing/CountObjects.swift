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
            abstract: "Count the store's objects and the disk space they use.",
            discussion: """
            -v adds reclaimable-objects and reclaimable (KiB): the objects no live ref reaches, which \
            'mreg gc' deletes once they are older than the grace period.
            """)

        @Flag(name: .shortAndLong, help: "Print more detail, one 'name: value' per line.")
        var verbose = false

        @OptionGroup var output: OutputOptions

        func run() throws {
            let repo = try Store.open()
            let (count, bytes, temp) = repo.countObjects()
            let packed = repo.countPacked()
            // -v walks every ref, chain and manifest for the bytes gc could free.
            let reclaimable = verbose ? try Registry.standard(repo).diskUsage() : nil
            if output.json {
                var o: [String: JSONValue] = ["count": .int(Int64(count)), "size_bytes": .int(bytes), "garbage": .int(Int64(temp)),
                                              "in_pack": .int(Int64(packed.objects)), "packs": .int(Int64(packed.packs)),
                                              "size_pack_bytes": .int(packed.bytes)]
                if let reclaimable {
                    o["reclaimable_objects"] = .int(Int64(reclaimable.reclaimableObjects))
                    o["reclaimable_bytes"] = .int(reclaimable.reclaimableBytes)
                }
                output.emit(.object(o))
            } else if verbose {
                Terminal.line("count: \(count)")
                Terminal.line("size: \(bytes / 1024)")
                Terminal.line("in-pack: \(packed.objects)")
                Terminal.line("packs: \(packed.packs)")
                Terminal.line("size-pack: \(packed.bytes / 1024)")
                Terminal.line("garbage: \(temp)")
                if let reclaimable {
                    Terminal.line("reclaimable-objects: \(reclaimable.reclaimableObjects)")
                    Terminal.line("reclaimable: \(reclaimable.reclaimableBytes / 1024)")
                }
            } else {
                Terminal.line("\(count) objects, \(bytes / 1024) kilobytes"
                              + (packed.packs > 0 ? "; \(packed.objects) in \(packed.packs) pack(s), \(packed.bytes / 1024) kilobytes" : ""))
            }
        }
    }
}
