import MregRegistry
import MregFilter
import MregRemote
import MregGovernance
import MregIndex
import MregSupport
import MregStore

/// Human renderings of policy verdicts, forced promotions and signatures (promote, log, policy check).
enum GovernanceRendering {
    /// One line per rule: `  ok      from: v3 is in staging`, `  FAILED  require: …`.
    static func ruleLines(_ verdict: PolicyVerdict, indent: String = "  ") -> [String] {
        Terminal.table(verdict.rules.map { r in
            [indent + (r.passed ? Terminal.paint("ok", .green) : Terminal.paint("FAILED", .red)), "\(r.rule): \(r.detail)"]
        })
    }

    /// The verdict's headline: `policy passed`, `policy failed (forced)`.
    static func verdictHeadline(_ verdict: PolicyVerdict, forced: Bool) -> String {
        verdict.passed ? "policy passed" : "policy failed" + (forced ? " (" + Terminal.paint("forced", .red) + ")" : "")
    }

    /// What `promote` prints under its result line.
    static func promotionLines(_ event: Event) -> [String] {
        var out = [String]()
        if let json = event.verdict, let verdict = try? PolicyVerdict(json: json) {
            out.append(verdictHeadline(verdict, forced: event.force) + ":")
            out += ruleLines(verdict)
        }
        if let signer = event.signer { out.append("signed by \(signer)") }
        return out
    }

    /// Extra lines of `log`'s long form: `Policy:`, `Forced:`, `Signed:`.
    static func logLines(_ event: Event) -> [String] {
        var out = [String]()
        if event.force { out.append("Forced: yes" + (event.action == .promote ? " (policy overridden)" : "")) }
        if let json = event.verdict {
            if let verdict = try? PolicyVerdict(json: json) {
                out.append("Policy: \(verdict.passed ? "passed" : "failed")" + (verdict.passed ? "" : " (\(verdict.failureSummary))"))
            } else {
                out.append("Policy: unreadable verdict")
            }
        }
        if let signer = event.signer { out.append("Signed: by \(signer) (check with 'mreg verify')") }
        if let o = event.overrides { out.append("Overrides: \(o.action.rawValue) \(o.summary) (pull --ours)") }
        if let from = event.renumberedFrom { out.append("Renumbered: from v\(from) (by a pull)") }
        if case .object(let o)? = event.imported {
            let from = o["from"]?.stringValue ?? "?"
            var line = "Imported: from \(from == "mlflow" ? "MLflow" : from)"
            if let model = o["model"]?.stringValue { line += " \(model)" }
            if let version = o["version"]?.intValue { line += " version \(version)" }
            if let run = o["run"]?.stringValue { line += " (run \(run))" }
            if let user = o["user"]?.stringValue { line += ", by \(user)" }
            if let time = o["time"]?.stringValue { line += " at \(time)" }
            out.append(line)
        }
        return out
    }

    /// Markers for `log --oneline`: ` [forced] [signed: ada@example.com]`.
    static func onelineSuffix(_ event: Event) -> String {
        var s = ""
        if event.force { s += " [forced]" }
        if let json = event.verdict, let verdict = try? PolicyVerdict(json: json), !verdict.passed { s += " [policy failed]" }
        if let signer = event.signer { s += " [signed: \(signer)]" }
        if let o = event.overrides { s += " [overrides \(o.summary)]" }
        if let from = event.renumberedFrom { s += " [renumbered from v\(from)]" }
        return s
    }
}
