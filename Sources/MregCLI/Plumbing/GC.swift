import ArgumentParser
import Foundation
import MregRegistry
import MregRemote
import MregSupport
import MregStore

extension MregCommand {
    struct GC: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "gc",
            abstract: "Delete objects no live ref reaches, and old temp files (safe with concurrent writers).",
            discussion: """
            Live: everything a ref under refs/ reaches (model heads, version, stage and tag refs, \
            verified checkpoints, remote-tracking heads), through every event chain and manifest, \
            except the files of removed versions. An unreachable object is deleted only when it was \
            last modified before the expiry (--prune, else gc.pruneExpire, else 2.weeks.ago), and \
            then only if nothing it is named by is younger; a register, push or fetch that reuses an \
            object freshens its time, so gc never deletes what a concurrent writer has just reused. \
            Temp files unchanged since before the expiry go too. Then the reachable loose objects smaller \
            than gc.packThreshold (default 1m; 0 packs nothing) are packed, with the objects of packs \
            under 64 MiB (--aggressive: of every pack), into one new pack, and their loose copies and \
            the old packs are deleted. --prune=now deletes every unreachable \
            object, however new: do not use it while other mreg commands write to the store.
            Examples:
              mreg gc --dry-run; mreg gc --prune=3.days.ago; mreg gc --remote origin
            """)

        @Option(name: .long, help: "Delete unreachable objects older than this: now, never, 2.weeks.ago, or a date.")
        var prune: String?

        @Flag(name: .long, help: "List what would be deleted, and the bytes, without deleting anything.")
        var dryRun = false

        @Flag(name: .long, help: "Rewrite every pack into one (by default only packs under 64 MiB are merged).")
        var aggressive = false

        @Option(name: .long, help: "Collect a remote (a name or URL) instead of this store.")
        var remote: String?

        @OptionGroup var output: OutputOptions

        func run() throws {
            let now = try Registry.collectionTime()
            let registry = try Store.registry()
            let given: PruneExpiry? = try prune.map { text in
                do {
                    return try PruneExpiry.parse(text, now: now)
                } catch {
                    throw RegistryError.badInput(.invalidDate(text, reason: "\(error)", option: "--prune"))
                }
            }
            let report: GCReport
            if let remote {
                let (_, storage) = try Remotes(registry).openRemote(remote)
                defer { storage.close() }
                if !output.json { Terminal.line("Collecting \(remote == "\(storage.location)" ? remote : "\(remote) (\(storage.location))")") }
                report = try Remotes(registry).gc(storage, expiry: given, now: now, dryRun: dryRun)
            } else {
                report = try registry.gc(expiry: given ?? registry.configuredPruneExpiry(now: now), now: now, dryRun: dryRun,
                                         aggressive: aggressive)
            }
            if output.json {
                output.emit(report.json)
                return
            }
            for repair in report.packListRepairs { Terminal.line(repair) }
            let verb = dryRun ? "would delete" : "deleted"
            if dryRun {
                for item in report.deleted { Terminal.line("\(verb) \(item.id?.hex ?? "?") (\(Format.bytes(item.bytes)))") }
                for item in report.temps { Terminal.line("\(verb) \(item.path ?? "?") (\(Format.bytes(item.bytes)))") }
            }
            let objectBytes = report.deleted.reduce(Int64(0)) { $0 + $1.bytes }
            let tempBytes = report.temps.reduce(Int64(0)) { $0 + $1.bytes }
            var line = "\(verb) \(Format.plural(report.deleted.count, "object")) (\(Format.bytes(objectBytes)))"
            if !report.temps.isEmpty { line += " and \(Format.plural(report.temps.count, "temp file")) (\(Format.bytes(tempBytes)))" }
            if !report.temps.isEmpty {
                line += dryRun ? ": \(Format.bytes(report.bytesFreed)) would be freed" : ": \(Format.bytes(report.bytesFreed)) freed"
            }
            Terminal.line(line)
            if report.keptRecent > 0 {
                let now = remote.map { "mreg gc --remote \($0) --prune=now" } ?? "mreg gc --prune=now"
                Terminal.line("kept \(Format.plural(report.keptRecent, "unreachable object")) (\(Format.bytes(report.keptRecentBytes))) modified within the grace period (gc.pruneExpire; '\(now)' deletes them now, when no one else writes to \(remote == nil ? "this store" : "that remote"))")
            }
            if let pack = report.packWritten {
                Terminal.line("packed \(report.packWrittenObjects) object(s) into \(pack) (\(Format.bytes(report.packWrittenBytes))); "
                              + "removed \(report.looseRemoved) loose copy(ies) and \(report.packsRemoved) old pack(s)")
            }
            if report.keptFreshened > 0 {
                Terminal.line("kept \(report.keptFreshened) object(s) a concurrent writer reused while gc ran")
            }
        }
    }
}
