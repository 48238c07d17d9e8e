import ArgumentParser
import MregRegistry
import MregFilter
import MregRemote
import MregGovernance
import MregIndex
import MregSupport
import MregStore

extension MregCommand {
    struct Fsck: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify every object, ref and link in the store (exit 4 if anything is wrong).",
            discussion: """
            Checks each object's hash, zlib stream and header size; refs that hold no id or point at \
            missing objects; objects that name missing objects; stale lock files; each model's head, \
            event chain and the version, stage and tag refs derived from it. Every problem is reported \
            (past 1,000 of a severity they are counted). Leftover temp files and dangling objects are \
            reported but are not errors. --repair rewrites derived refs (wrong, missing, damaged or \
            extra) from the event chains.
            """)

        @Flag(name: .long, help: "Rewrite version, stage and tag refs that disagree with the event chain.")
        var repair = false

        @Flag(name: .long, help: "Do not list dangling (unreferenced) objects.")
        var noDangling = false

        @OptionGroup var output: OutputOptions

        func run() throws {
            let repo = try Store.open()
            let registry = try Registry.standard(repo)
            let report = try registry.fsck(repair: repair)
            let shown = report.findings.filter { !(noDangling && $0.kind == "dangling") }
            if output.json {
                output.emit([
                    "clean": .bool(report.isClean),
                    "objects": .int(Int64(report.objectsChecked)),
                    "refs": .int(Int64(report.refsChecked)),
                    "errors": .int(Int64(report.errorCount)),
                    "omitted": .int(Int64(report.omitted.values.reduce(0, +))),
                    "findings": .array(shown.map {
                        ["severity": .string($0.severity.rawValue), "kind": .string($0.kind), "message": .string($0.message),
                         "id": JSONValue($0.id?.hex), "ref": JSONValue($0.ref)]
                    }),
                ])
            } else {
                for f in shown {
                    let label: String
                    switch f.severity {
                    case .error: label = Terminal.paint("error", .red)
                    case .warning: label = Terminal.paint("warning", .yellow)
                    case .info: label = "info"
                    }
                    Terminal.line("\(label): \(f.message)")
                }
                let omitted = report.omitted.values.reduce(0, +)
                if omitted > 0 {
                    Terminal.line("… and \(omitted) more finding(s) not shown (\(report.omitted[.error] ?? 0) of them errors; "
                                  + "at most \(FsckReport.maximumFindings) of each severity are listed)")
                }
                if report.isClean {
                    Terminal.error("checked \(report.objectsChecked) objects and \(report.refsChecked) refs: no errors")
                } else {
                    let repairable = report.errors.contains { $0.kind == "derived" }
                    Terminal.error("checked \(report.objectsChecked) objects and \(report.refsChecked) refs: \(report.errorCount) error(s)"
                                   + (repairable ? "; 'mreg fsck --repair' rewrites the derived refs from the event chains" : ""))
                }
            }
            if !report.isClean { throw CommandFailure(.corrupt) }
        }
    }
}
