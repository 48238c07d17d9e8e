import MregSupport
/// A field a filter condition (or search's `--order-by`) names. The names are the same in
/// every context; what a field holds for one version is up to the context's `FieldResolver`.
public enum FilterField: Sendable, Hashable, CustomStringConvertible {
    case model, version, stage, tag, author, created, message, format, parameters
    /// Whether the version was removed (`mreg rm`): true or false. Search skips removed
    /// versions unless the query names this field.
    case removed
    case param(String)
    case metric(String)
    /// A field of the version's model card (`card.license`, `card.tags`).
    case card(String)
    /// A field of the version's captured software environment (`environment.python`,
    /// `environment.packages.torch`): see `EnvironmentSummary.searchFields`.
    case environment(String)

    /// Built-in field names and their aliases (lowercase).
    package static let builtins: [String: FilterField] = [
        "model": .model, "name": .model, "version": .version, "stage": .stage, "stages": .stage,
        "tag": .tag, "tags": .tag, "author": .author, "created": .created, "message": .message,
        "format": .format, "formats": .format, "parameters": .parameters, "removed": .removed,
    ]

    package static let help = "model, version, stage, tag, author, created, message, format, parameters, removed, params.KEY, metrics.KEY, card.KEY or environment.KEY"

    /// Reads a field from its dotted parts (`["params", "optimizer", "lr"]`); nil when unknown.
    /// A part that was quoted with backticks keeps its dots, so ``params.`a.b` `` has key `a.b`.
    package static func named(_ parts: [String]) -> FilterField? {
        guard let first = parts.first else { return nil }
        let head = first.lowercased()
        let rest = parts.dropFirst().joined(separator: ".")
        switch head {
        case "params", "param":
            return rest.isEmpty ? nil : .param(rest)
        case "metrics", "metric":
            return rest.isEmpty ? nil : .metric(rest)
        case "card":
            return rest.isEmpty ? nil : .card(rest)
        case "environment", "env":
            return environmentKey(rest).map(FilterField.environment)
        case "attributes", "attribute":
            return parts.count == 2 ? builtins[parts[1].lowercased()] : nil
        default:
            return parts.count == 1 ? builtins[head] : nil
        }
    }

    /// The environment keys search knows besides `packages.NAME`.
    package static let environmentKeys = ["python", "python_kind", "os", "kernel", "arch", "cores", "memory", "cuda", "driver", "gpus", "gpu"]

    /// The environment key a query means, or nil when it names none: the keys of
    /// `EnvironmentSummary.searchFields`, also as `show --json` spells them (`python.version`,
    /// `system.arch`), and `packages.NAME` / `frameworks.NAME` with the name normalized as pip
    /// does (`packages.PyYAML` is `packages.pyyaml`).
    package static func environmentKey(_ rest: String) -> String? {
        let lower = rest.lowercased()
        for prefix in ["packages.", "package.", "frameworks.", "framework."] where lower.hasPrefix(prefix) {
            let name = rest.dropFirst(prefix.count)
            return name.isEmpty ? nil : "packages." + PackageVersion.normalizeName(String(name))
        }
        let aliases = ["python.version": "python", "python_version": "python", "python.kind": "python_kind",
                       "gpus.count": "gpus", "gpu.name": "gpu"]
        var key = aliases[lower] ?? lower
        if key.hasPrefix("system.") { key = String(key.dropFirst("system.".count)) }
        return environmentKeys.contains(key) ? key : nil
    }

    /// Whether the field's text values are versions, compared in version order (`1.9 < 1.16`):
    /// `environment.python`, `environment.packages.NAME`, `environment.cuda` and `environment.driver`.
    public var comparesAsVersion: Bool {
        guard case .environment(let k) = self else { return false }
        return k == "python" || k == "cuda" || k == "driver" || k.hasPrefix("packages.")
    }

    /// A field holds a set of values per version (a version can be in several stages, have
    /// several tags and files of several formats). A `card.KEY` holding a list is a set too,
    /// but that depends on the value, not the field.
    public var isMultiValued: Bool {
        switch self {
        case .stage, .tag, .format: return true
        default: return false
        }
    }

    /// The field as a query would write it (backticks around keys that need them).
    public var description: String {
        switch self {
        case .model: return "model"
        case .version: return "version"
        case .stage: return "stage"
        case .tag: return "tag"
        case .author: return "author"
        case .created: return "created"
        case .message: return "message"
        case .format: return "format"
        case .parameters: return "parameters"
        case .removed: return "removed"
        case .param(let k): return "params." + Self.quoted(k)
        case .metric(let k): return "metrics." + Self.quoted(k)
        case .card(let k): return "card." + Self.quoted(k)
        case .environment(let k): return "environment." + Self.quoted(k)
        }
    }

    /// A key as written after `params.`: plain when the lexer reads it back whole, else in backticks.
    static func quoted(_ key: String) -> String {
        let plain = key.unicodeScalars.allSatisfy { FilterLexer.isNameScalar($0) || $0 == "." }
            && !key.isEmpty && !key.hasPrefix(".") && !key.hasSuffix(".") && !key.contains("..")
        return plain ? key : "`" + key.replacingOccurrences(of: "`", with: "``") + "`"
    }
}
