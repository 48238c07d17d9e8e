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
        if case .object(let o)? = event.imported { out.append("Imported " + importedSummary(o)) }
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
        if case .object(let o)? = event.imported {
            s += event.action == .register ? " [imported " + importedSummary(o) + "]" : " [imported from \(importedSource(o))]"
        }
        return s
    }

    /// Where an imported event came from, for people: `MLflow`.
    static func importedSource(_ o: [String: JSONValue]) -> String {
        let from = o["from"]?.stringValue ?? "?"
        return from == "mlflow" ? "MLflow" : from
    }

    /// An event's `imported` field for people (log, show): `from MLflow: created 2026-11-30
    /// 01:00 by ada (fraud-detector version 2, run abc)`; the original's time and user, where
    /// the event's own are the importer's.
    static func importedSummary(_ o: [String: JSONValue]) -> String {
        var line = "from \(importedSource(o))"
        var created = [String]()
        if let time = o["time"]?.stringValue { created.append(Format.time(time)) }
        if let user = o["user"]?.stringValue { created.append("by \(user)") }
        if !created.isEmpty { line += ": created " + created.joined(separator: " ") }
        var ids = [String]()
        if let model = o["model"]?.stringValue { ids.append(model + (o["version"]?.intValue.map { " version \($0)" } ?? "")) }
        if let run = o["run"]?.stringValue { ids.append("run \(run)") }
        if let alias = o["alias"]?.stringValue { ids.append("alias \(alias)") }
        if let stage = o["stage"]?.stringValue { ids.append("MLflow stage \(stage)") }
        if !ids.isEmpty { line += " (\(ids.joined(separator: ", ")))" }
        return line
    }
}
