import MregRegistry
import MregFilter
import MregRemote
import MregGovernance
import MregIndex
import MregSupport

/// Renders a `VersionDiff` for people (text) and for pull requests (Markdown).
enum DiffRenderer {
    static let order: [VersionDiff.Section] = [.params, .metrics, .files, .lineage, .environment, .provenance]

    static func value(_ v: JSONValue?) -> String { v.map(\.displayText) ?? "-" }

    static func signed(_ d: JSONValue) -> String {
        let text = d.displayText
        return text.hasPrefix("-") ? text : "+" + text
    }

    static func rows(_ diff: VersionDiff, _ section: VersionDiff.Section, all: Bool) -> [[String]] {
        switch section {
        case .params, .metrics, .provenance, .lineage, .environment:
            let list: [VersionDiff.ValueChange]
            switch section {
            case .params: list = diff.params
            case .metrics: list = diff.metrics
            case .provenance: list = diff.provenance
            case .environment: list = diff.environment
            default: list = diff.lineage
            }
            return list.filter {
                all || ($0.changed && !(section == .provenance && VersionDiff.isVolatileProvenance($0.key))
                        && !(section == .environment && EnvironmentSummary.isMachineDetail($0.key)))
            }.map { c in
                var row = [c.key, value(c.old), value(c.new)]
                if section == .metrics { row.append(c.diff.map(signed) ?? "") }
                return row
            }
        case .files:
            return diff.files.filter { all || $0.kind != .unchanged }.map { f in
                let mark = ["added": "A", "removed": "D", "changed": "M", "unchanged": " "][f.kind.rawValue]!
                func shown(_ file: ManifestFile) -> String { file.target.map { "link to \($0)" } ?? Format.bytes(file.size) }
                return [mark, f.path, f.old.map(shown) ?? "-", f.new.map(shown) ?? "-"]
            }
        }
    }

    /// A metric's signed change in colour: green when it improves, red when it regresses (a
    /// rise improves, unless the metric is in `lowerIsBetter`: the policy's `better = "lower"`).
    static func paintedChange(_ text: String, _ change: JSONValue?, lowerIsBetter: Bool) -> String {
        guard let value = change?.doubleValue, value != 0, !text.isEmpty else { return text }
        return Terminal.paint(text, (value > 0) != lowerIsBetter ? .green : .red)
    }

    static func text(_ diff: VersionDiff, sections: Set<VersionDiff.Section>, all: Bool, lowerIsBetter: Set<String> = []) -> String {
        var out = "diff \(diff.old.label) \(diff.new.label)\n"
        var any = false
        for section in order where sections.contains(section) {
            // Text read from the store is shown with its control characters escaped.
            let r = rows(diff, section, all: all).map { $0.map(Names.escaped) }
            guard !r.isEmpty else { continue }
            any = true
            out += "\n" + Terminal.paint(section.rawValue, .bold) + "\n"
            let changes = section == .metrics ? diff.metrics.filter { all || $0.changed } : []
            for (i, line) in Terminal.table(r.enumerated().map { k, row in
                switch section {
                case .files: return [row[0], row[1], row[2], "->", row[3]]
                case .metrics:
                    // The change is the last column, which the table does not pad: colour codes cannot misalign it.
                    let change = changes.indices.contains(k) ? changes[k] : nil
                    return [row[0], row[1], "->", row[2],
                            paintedChange(row[3], change?.diff, lowerIsBetter: change.map { lowerIsBetter.contains($0.key) } ?? false)]
                default: return [row[0], row[1], "->", row[2]]
                }
            }).enumerated() {
                _ = i
                out += "  " + line + "\n"
            }
        }
        if !any { out += "\nno differences\n" }
        return out
    }

    static func escape(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|") }

    static func markdown(_ diff: VersionDiff, sections: Set<VersionDiff.Section>, all: Bool) -> String {
        var out = "### `\(diff.old.label)` → `\(diff.new.label)`\n"
        var any = false
        for section in order where sections.contains(section) {
            let r = rows(diff, section, all: all)
            guard !r.isEmpty else { continue }
            any = true
            out += "\n#### \(section.rawValue.capitalized)\n\n"
            switch section {
            case .files:
                out += "| | Path | Old size | New size |\n|---|---|---:|---:|\n"
            case .metrics:
                out += "| Metric | Old | New | Diff |\n|---|---:|---:|---:|\n"
            default:
                out += "| Key | Old | New |\n|---|---|---|\n"
            }
            for row in r { out += "| " + row.map(escape).joined(separator: " | ") + " |\n" }
        }
        if !any { out += "\nNo differences.\n" }
        return out
    }

    static func shape(_ t: TensorDiff.TensorInfo) -> String { "\(t.dtype)[\(t.shape.map(String.init).joined(separator: ","))]" }

    static func tensorRows(_ f: TensorDiff.FileDiff, all: Bool) -> [[String]] {
        var rows = [[String]]()
        for t in f.added { rows.append(["A", t.name, "-", shape(t), Format.count(t.parameters)]) }
        for t in f.removed { rows.append(["D", t.name, shape(t), "-", Format.count(t.parameters)]) }
        for r in f.reshaped { rows.append(["R", r.new.name, shape(r.old), shape(r.new), Format.count(r.new.parameters)]) }
        for t in f.changed { rows.append(["M", t.name, shape(t), shape(t), Format.count(t.parameters)]) }
        if all { for t in f.unchanged { rows.append([" ", t.name, shape(t), shape(t), Format.count(t.parameters)]) } }
        return rows
    }

    static func tensorsText(_ d: TensorDiff, all: Bool, header: String) -> String {
        var out = header
        if d.files.isEmpty { return out + "\nno safetensors files to compare\n" }
        for f in d.files {
            out += "\n" + Terminal.paint("tensors \(f.path)", .bold)
            out += "  (\(f.added.count) added, \(f.removed.count) removed, \(f.reshaped.count) reshaped, \(f.changed.count) changed, \(f.unchanged.count) unchanged; \(Format.count(f.changedParameters)) of \(Format.count(f.totalParameters)) parameters are in tensors that differ)\n"
            for line in Terminal.table(tensorRows(f, all: all)) { out += "  " + line + "\n" }
        }
        return out
    }

    static func tensorsMarkdown(_ d: TensorDiff, all: Bool) -> String {
        var out = ""
        for f in d.files {
            out += "\n#### Tensors of `\(f.path)`\n\n\(f.added.count) added, \(f.removed.count) removed, \(f.reshaped.count) reshaped, \(f.changed.count) changed, \(f.unchanged.count) unchanged.\n\n"
            let rows = tensorRows(f, all: all)
            if rows.isEmpty { continue }
            out += "| | Tensor | Old | New | Parameters |\n|---|---|---|---|---:|\n"
            for row in rows { out += "| " + row.map(escape).joined(separator: " | ") + " |\n" }
        }
        return out
    }
}
