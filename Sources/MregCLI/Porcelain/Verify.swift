import ArgumentParser
import MregRegistry
import MregFilter
import MregRemote
import MregGovernance
import MregIndex
import MregSupport
import MregStore

extension MregCommand {
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check each model's audit trail: every event, link, object and signature (exit 1 naming the first bad event).",
            discussion: """
            Walks each model's event chain from its head and checks that every event and every object it \
            reaches (manifests, files, chunk lists) is present and unaltered, that the links, sequence \
            numbers and the versions, stages and tags each event claims agree, that recorded policy \
            verdicts are consistent, and that every signature verifies against the policy's allowed-signers file.
            Each clean run records the verified head in refs/verified/MODEL; a later run reports the history \
            as rewritten when the head no longer leads there (a head moved back, events replaced). After a \
            legitimate rewrite by someone else accept it with --accept-rewrite (a pull that replays local events moves the checkpoint itself).
            Events are also checked against the policy's access rules as it is now. Before tightening a \
            policy, run 'mreg verify' once under the old one: a clean run accepts the events it allowed, \
            and later runs only warn about them. If the policy already changed, restore the old one, run \
            'mreg verify' once, then put the new one back.
            Examples:
              mreg verify                 # every model
              mreg verify fraud --json
            """)

        @Argument(help: "Models to verify (default: all).", completion: StoreCompletions.models)
        var models: [String] = []

        @Flag(name: .long, help: "Accept a rewritten history as the new checkpoint (after checking it).")
        var acceptRewrite = false

        @OptionGroup var output: OutputOptions

        func run() throws {
            let registry = try Store.registry()
            let names = try models.map { try Revision.parse($0).model }
            let report = try Governance(registry).verify(models: names, acceptRewrite: acceptRewrite)
            if output.json {
                output.emit(report.json)
            } else {
                render(report)
            }
            if let first = report.firstProblem {
                throw CommandFailure(.negative, message: "mreg: error: verification failed: \(Names.escaped("\(first)"))")
            }
        }

        func render(_ report: VerifyReport) {
            if report.models.isEmpty {
                Terminal.line("no models to verify")
                return
            }
            for m in report.models {
                var facts = ["\(m.events) event\(m.events == 1 ? "" : "s")", "\(m.versions) version\(m.versions == 1 ? "" : "s")",
                             "\(m.objects) objects (\(Format.bytes(m.bytes)) of files)"]
                if !m.signatures.isEmpty {
                    let signers = Array(Set(m.signatures.map(\.signer))).sorted().joined(separator: ", ")
                    facts.append("\(m.signatures.count) good signature\(m.signatures.count == 1 ? "" : "s") (\(signers))")
                }
                let head = m.head.map { "head \($0.abbreviated())" } ?? "no head"
                let status = m.ok ? Terminal.paint("ok", .green) : Terminal.paint("FAILED", .red)
                Terminal.line("\(Terminal.paint(m.model, .bold)) \(status): \(facts.joined(separator: ", ")); \(head)\(checkpointNote(m))")
                for p in m.problems { Terminal.line("  \(Terminal.paint("error", .red)): \(eventLabel(p))\(Names.escaped(p.message))") }
                for w in m.warnings { Terminal.line("  \(Terminal.paint("warning", .yellow)): \(eventLabel(w))\(Names.escaped(w.message))") }
            }
        }

        func eventLabel(_ p: VerifyReport.Problem) -> String {
            var s = ""
            if let seq = p.sequence { s += "#\(seq) " }
            if let id = p.event { s += "\(id.abbreviated()) " }
            return s.isEmpty ? "" : s.dropLast() + ": "
        }

        func checkpointNote(_ m: VerifyReport.ModelReport) -> String {
            switch m.checkpoint {
            case .recorded: return " (checkpoint recorded)"
            case .accepted: return " (rewritten history accepted)"
            case .advanced, .unchanged, .kept, .rewritten: return ""
            }
        }
    }
}
