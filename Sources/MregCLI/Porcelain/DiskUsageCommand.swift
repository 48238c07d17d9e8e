import ArgumentParser
import Foundation
import MregRegistry
import MregSupport
import MregStore

extension MregCommand {
    struct DiskUsageCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "du",
            abstract: "Show the bytes each model and version holds, and what gc could free.",
            discussion: """
            Bytes are the objects of a version's files as stored (compressed): total; unique, held by \
            no other version (what removing it would free after a gc; for a model, held by no other \
            model); shared, held by others too (dedup). The last line gives the store's size and its \
            reclaimable bytes: objects no live ref reaches, removed versions' files included.
            Examples: mreg du; mreg du fraud; mreg du fraud@3 --json
            """)

        @Argument(help: "A model, or one version (MODEL@REV); default: every model.", completion: StoreCompletions.revisions)
        var target: String?

        @Flag(name: .long, help: "Without MODEL: list every version of every model too.")
        var versions = false

        @OptionGroup var output: OutputOptions

        func run() throws {
            let registry = try Store.registry()
            var usage: DiskUsage
            if let target {
                let revision = try Revision.parse(target)
                if revision.selector != nil {
                    let resolved = try registry.resolve(target)
                    usage = try registry.diskUsage(model: resolved.model, version: resolved.version)
                } else {
                    _ = try registry.existingState(of: revision.model)
                    usage = try registry.diskUsage(model: revision.model)
                }
            } else {
                usage = try registry.diskUsage(listVersions: versions)
            }
            if output.json {
                output.emit(usage.json)
                return
            }
            let rows = (target.map { $0.contains("@") } ?? false) ? [] : usage.models
            let header = ["MODEL", "VERSION", "TOTAL", "UNIQUE", "SHARED"]
            var table = [header]
            for m in rows {
                table.append([m.model, "all", Format.bytes(m.totalBytes), Format.bytes(m.uniqueBytes), Format.bytes(m.sharedBytes)])
                for v in usage.versions where v.model == m.model {
                    table.append([v.model, "v\(v.version ?? 0)" + (v.removed ? " (removed)" : ""), Format.bytes(v.totalBytes),
                                  Format.bytes(v.uniqueBytes), Format.bytes(v.sharedBytes)])
                }
            }
            if rows.isEmpty {
                for v in usage.versions {
                    table.append([v.model, "v\(v.version ?? 0)" + (v.removed ? " (removed)" : ""), Format.bytes(v.totalBytes),
                                  Format.bytes(v.uniqueBytes), Format.bytes(v.sharedBytes)])
                }
            }
            let widths = (0..<header.count).map { c in table.map { $0[c].count }.max() ?? 0 }
            for row in table {
                Terminal.line(row.enumerated().map { c, cell in
                    c < 2 ? cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                          : String(repeating: " ", count: widths[c] - cell.count) + cell
                }.joined(separator: "  ").replacingOccurrences(of: " +$", with: "", options: .regularExpression))
            }
            let hint = usage.reclaimableObjects > 0 ? " ('mreg gc' deletes them once older than the grace period)" : ""
            Terminal.line("store: \(Format.plural(usage.storeObjects, "object")), \(Format.bytes(usage.storeBytes)); reclaimable: "
                          + "\(Format.plural(usage.reclaimableObjects, "object")), \(Format.bytes(usage.reclaimableBytes))\(hint)")
        }
    }
}

