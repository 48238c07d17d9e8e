import MregSupport
import Foundation
import Yams

/// Reads params and metrics from YAML, JSON or TOML files and `KEY=VALUE` flags,
/// flattening nested keys to dotted paths (`optimizer.lr`) and keeping value types.
///
/// What a file may hold is bounded (`maximumFileBytes`, `maximumValues`, `maximumDepth`,
/// `maximumKeyBytes`, `maximumStringBytes`; YAML aliases by `aliasExpansionFloor`), so that
/// whatever is accepted can be stored in a manifest and read back by every command.
/// Ambiguous input is refused rather than resolved by chance: keys that flatten to the same
/// dotted key, duplicate YAML keys, YAML keys that are lists or maps, TOML `nan` and `inf`.
public enum ParamsLoader {
    /// The largest params or metrics file, in bytes (64 MiB).
    public static let maximumFileBytes = 64 << 20
    /// The most values (scalars, lists and maps, counted once per place they appear) one file may hold.
    public static let maximumValues = 10_000_000
    /// YAML aliases may expand a file to at most this many values, or to as many values as
    /// the file has bytes when that is more: a few hundred bytes of nested aliases ("billion
    /// laughs") would otherwise expand to gigabytes.
    public static let aliasExpansionFloor = 100_000
    /// The deepest nesting of lists and maps in a file.
    public static let maximumDepth = 100
    /// The longest key once flattened (`optimizer.lr`), in UTF-8 bytes.
    public static let maximumKeyBytes = 1024
    /// The longest text value, in UTF-8 bytes (1 MiB).
    public static let maximumStringBytes = 1 << 20

    /// Loads and flattens a file; the format comes from the extension, else is sniffed.
    public static func load(file path: String) throws -> [String: JSONValue] {
        let bytes = try read(path)
        let ext = (path as NSString).pathExtension.lowercased()
        let value: JSONValue
        switch ext {
        case "json":
            value = try parseJSON(bytes, path: path)
        case "toml":
            value = try parseTOML(try text(bytes, path: path), path: path)
        case "yaml", "yml":
            value = try parseYAML(try text(bytes, path: path), path: path)
        default:
            let text = try text(bytes, path: path)
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.hasPrefix("{") { value = try parseJSON(bytes, path: path) }
            else if let v = try? parseTOML(text, path: path) { value = v }
            else { value = try parseYAML(text, path: path) }
        }
        guard case .object = value else {
            throw RegistryError.badInput(.malformedFile(path: path, problem: "it must hold a mapping of names to values, not a single value or list"))
        }
        return try flattenChecked(value, path: path)
    }

    /// The file's bytes, refusing one larger than `maximumFileBytes` before reading it all.
    static func read(_ path: String) throws -> [UInt8] {
        [UInt8](try InputFile.read(path, kind: .paramsFile, limit: maximumFileBytes, what: "a params or metrics file"))
    }

    static func text(_ bytes: [UInt8], path: String) throws -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw RegistryError.badInput(.malformedFile(path: path, problem: "it is not UTF-8 text"))
        }
        return text
    }

    static func parseJSON(_ text: String, path: String) throws -> JSONValue { try parseJSON(Array(text.utf8), path: path) }

    static func parseJSON(_ bytes: [UInt8], path: String) throws -> JSONValue {
        do { return try JSONValue.parse(bytes) } catch {
            throw RegistryError.badInput(.malformedFile(path: path, problem: "not valid JSON: \(error)"))
        }
    }

    static func parseYAML(_ text: String, path: String) throws -> JSONValue {
        do {
            guard let node = try Yams.compose(yaml: text) else { return .object([:]) }
            let limit = min(maximumValues, max(aliasExpansionFloor, text.utf8.count))
            var budget = Budget(values: limit, valueLimit: limit, bytes: max(text.utf8.count, maximumStringBytes))
            return try fromYAML(node, budget: &budget, depth: 0, key: "", path: path)
        } catch let e as RegistryError {
            throw e
        } catch {
            throw RegistryError.badInput(.malformedFile(path: path, problem: "not valid YAML: \(yamlProblem(error))"))
        }
    }

    /// `where` for a message: ` (line L, column C)` when the node knows its place.
    static func place(_ node: Node) -> String {
        node.mark.map { " (line \($0.line), column \($0.column))" } ?? ""
    }

    /// What a YAML file may still expand to: values, and bytes of text (keys and strings).
    struct Budget {
        var values: Int
        let valueLimit: Int
        var bytes: Int

        mutating func spend(text: String, path: String) throws {
            bytes -= text.utf8.count
            guard bytes >= 0 else {
                throw RegistryError.badInput(.malformedFile(path: path, problem: "its YAML aliases expand it to more text than the file holds"))
            }
        }
    }

    /// `key.name`, to name a value in errors (kept short: only messages use it).
    static func child(_ key: String, _ name: String) -> String {
        key.isEmpty ? name : key.utf8.count > maximumKeyBytes ? key : "\(key).\(name)"
    }

    static func fromYAML(_ node: Node, budget: inout Budget, depth: Int, key: String, path: String) throws -> JSONValue {
        budget.values -= 1
        guard budget.values >= 0 else {
            let limit = budget.valueLimit
            let why = limit == maximumValues ? "more than \(limit) values" : "more than \(limit) values once its YAML aliases are expanded"
            throw RegistryError.badInput(.malformedFile(path: path, problem: "it holds \(why)"))
        }
        switch node {
        case .scalar(let scalar):
            try budget.spend(text: scalar.string, path: path)
            if scalar.style != .plain { return try checked(.string(scalar.string), key: key, path: path) }
            let s = scalar.string
            if node.tag.description.hasSuffix(":null") || s == "~" || s == "null" || s == "" { return .null }
            return try checked(typedScalar(s), key: key, path: path)
        case .mapping(let mapping):
            guard depth < maximumDepth else { throw tooDeep(key, path) }
            var out = [String: JSONValue](minimumCapacity: mapping.count)
            for (k, v) in mapping {
                guard case .scalar(let scalar) = k else {
                    throw RegistryError.badInput(.malformedFile(path: path, problem: "a key\(place(k)) is a list or mapping; keys must be text"))
                }
                let name = scalar.string
                try budget.spend(text: name, path: path)
                let child = Self.child(key, name)
                guard out[name] == nil else {
                    throw RegistryError.badInput(.malformedFile(path: path, problem: "key '\(printable(child))'\(place(k)) appears twice in one mapping"))
                }
                out[name] = try fromYAML(v, budget: &budget, depth: depth + 1, key: child, path: path)
            }
            return .object(out)
        case .sequence(let seq):
            guard depth < maximumDepth else { throw tooDeep(key, path) }
            var out = [JSONValue]()
            out.reserveCapacity(seq.count)
            for item in seq { out.append(try fromYAML(item, budget: &budget, depth: depth + 1, key: key, path: path)) }
            return .array(out)
        case .alias:
            return .null
        }
    }

    /// Yams's error as one short phrase: `line 3, column 10: mapping values are not allowed in this context`.
    static func yamlProblem(_ error: Error) -> String {
        if let e = error as? YamlError, case .scanner(_, let problem, let mark, _) = e {
            return "line \(mark.line), column \(mark.column): \(problem)"
        }
        if let e = error as? YamlError, case .parser(_, let problem, let mark, _) = e {
            return "line \(mark.line), column \(mark.column): \(problem)"
        }
        if let e = error as? YamlError, case .duplicatedKeysInMapping(let keys, let context) = e {
            let named = keys.map { "'\(printable($0))'" }.joined(separator: ", ")
            return "key \(named) appears more than once in one mapping (first at line \(context.mark.line), column \(context.mark.column))"
        }
        var text = "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)"
        while text.hasSuffix(":") || text.hasSuffix(" ") { text.removeLast() }
        return text
    }

    static func parseTOML(_ text: String, path: String) throws -> JSONValue {
        let table: [String: TOMLValue]
        do {
            table = try TOMLReader.parse(text)
        } catch {
            throw RegistryError.badInput(.malformedFile(path: path, problem: "not valid TOML: \(error)"))
        }
        var budget = maximumValues
        return try fromTOML(.table(table), budget: &budget, depth: 0, key: "", path: path)
    }

    /// A TOML value as JSON (for `policy.toml`, where no limits apply): dates and times become
    /// text in their TOML form (`1979-05-27T07:32:00Z`, see `TOMLDateTime`).
    package static func fromTOML(_ value: TOMLValue) -> JSONValue {
        switch value {
        case .table(let table): return .object(table.mapValues { fromTOML($0) })
        case .array(let array): return .array(array.map { fromTOML($0) })
        case .boolean(let b): return .bool(b)
        case .integer(let i): return .int(i)
        case .float(let d): return .double(d)
        case .string(let s): return .string(s)
        case .dateTime(let d): return .string(d.description)
        }
    }

    /// A TOML params value as JSON, within the limits; `nan` and `inf` are refused (JSON has neither).
    static func fromTOML(_ value: TOMLValue, budget: inout Int, depth: Int, key: String, path: String) throws -> JSONValue {
        budget -= 1
        guard budget >= 0 else {
            throw RegistryError.badInput(.malformedFile(path: path, problem: "it holds more than \(maximumValues) values"))
        }
        switch value {
        case .table(let table):
            guard depth < maximumDepth else { throw tooDeep(key, path) }
            var out = [String: JSONValue](minimumCapacity: table.count)
            for (k, v) in table { out[k] = try fromTOML(v, budget: &budget, depth: depth + 1, key: child(key, k), path: path) }
            return .object(out)
        case .array(let array):
            guard depth < maximumDepth else { throw tooDeep(key, path) }
            var out = [JSONValue]()
            out.reserveCapacity(array.count)
            for item in array { out.append(try fromTOML(item, budget: &budget, depth: depth + 1, key: key, path: path)) }
            return .array(out)
        case .boolean(let b):
            return .bool(b)
        case .integer(let i):
            return .int(i)
        case .float(let d):
            guard d.isFinite else {
                throw RegistryError.badInput(.malformedFile(path: path, problem: "'\(printable(key))' is \(d), which JSON (and so a manifest) cannot hold: write it as text (\"\(d)\") or leave it out"))
            }
            return .double(d)
        case .string(let s):
            return try checked(.string(s), key: key, path: path)
        case .dateTime(let d):
            return try checked(.string(d.description), key: key, path: path)
        }
    }

    /// A text value within `maximumStringBytes`.
    static func checked(_ value: JSONValue, key: String, path: String) throws -> JSONValue {
        if case .string(let s) = value, s.utf8.count > maximumStringBytes {
            throw RegistryError.badInput(.malformedFile(path: path, problem: "the value of '\(printable(key))' is longer than \(maximumStringBytes >> 20) MiB, the most a text value may be"))
        }
        return value
    }

    static func tooDeep(_ key: String, _ path: String) -> RegistryError {
        .badInput(.malformedFile(path: path, problem: "'\(printable(key))' nests lists and mappings more than \(maximumDepth) deep"))
    }

    /// A key as it can be shown on one line (shortened when long).
    static func printable(_ key: String) -> String {
        let shown = ManifestPath.printable(key)
        return shown.count > 80 ? String(shown.prefix(80)) + "…" : shown
    }

    /// Nested objects become dotted keys; arrays and scalars stay values.
    public static func flatten(_ value: JSONValue, prefix: String = "") -> [String: JSONValue] {
        guard case .object(let o) = value else { return prefix.isEmpty ? [:] : [prefix: value] }
        var out = [String: JSONValue]()
        flatten(o, prefix: prefix, into: &out)
        return out
    }

    private static func flatten(_ o: [String: JSONValue], prefix: String, into out: inout [String: JSONValue]) {
        if o.isEmpty && !prefix.isEmpty { out[prefix] = .object([:]) }
        for (k, v) in o {
            let key = prefix.isEmpty ? k : "\(prefix).\(k)"
            if case .object(let inner) = v { flatten(inner, prefix: key, into: &out) } else { out[key] = v }
        }
    }

    /// Flattens a params or metrics file's value, checking the limits: values, depth, key and
    /// text length; two keys that flatten to the same dotted key (`a.b` and `a` → `b`) are refused.
    static func flattenChecked(_ value: JSONValue, path: String) throws -> [String: JSONValue] {
        guard case .object(let o) = value else { return [:] }
        var out = [String: JSONValue](minimumCapacity: o.count)
        var budget = maximumValues
        try flattenChecked(o, prefix: "", depth: 0, budget: &budget, into: &out, root: o, path: path)
        return out
    }

    private static func flattenChecked(_ o: [String: JSONValue], prefix: String, depth: Int, budget: inout Int,
                                       into out: inout [String: JSONValue], root: [String: JSONValue], path: String) throws {
        guard depth < maximumDepth else { throw tooDeep(prefix, path) }
        if o.isEmpty && !prefix.isEmpty { try put(prefix, .object([:]), into: &out, root: root, path: path) }
        for (k, v) in o {
            guard (prefix.isEmpty ? 0 : prefix.utf8.count + 1) + k.utf8.count <= maximumKeyBytes else {
                // Checked before the key is built: deep keys of long names would build long strings.
                let shown = printable(prefix.isEmpty ? k : prefix + "." + k.prefix(80))
                throw RegistryError.badInput(.malformedFile(path: path, problem: "key '\(shown)' is longer than \(maximumKeyBytes) bytes"))
            }
            let key = prefix.isEmpty ? k : "\(prefix).\(k)"
            budget -= 1
            if case .object(let inner) = v {
                try flattenChecked(inner, prefix: key, depth: depth + 1, budget: &budget, into: &out, root: root, path: path)
                continue
            }
            if case .array = v { try check(v, key: key, depth: depth + 1, budget: &budget, path: path); budget += 1 }
            else { _ = try checked(v, key: key, path: path) }
            guard budget >= 0 else {
                throw RegistryError.badInput(.malformedFile(path: path, problem: "it holds more than \(maximumValues) values"))
            }
            try put(key, v, into: &out, root: root, path: path)
        }
    }

    /// Adds one flattened key, refusing a key too long or one already there.
    private static func put(_ key: String, _ value: JSONValue, into out: inout [String: JSONValue],
                            root: [String: JSONValue], path: String) throws {
        guard key.utf8.count <= maximumKeyBytes else {
            throw RegistryError.badInput(.malformedFile(path: path, problem: "key '\(printable(key))' is longer than \(maximumKeyBytes) bytes"))
        }
        guard out.updateValue(value, forKey: key) == nil else {
            let sources = origins(of: key, in: root).map { "'\(printable($0))'" }
            throw RegistryError.badInput(.malformedFile(path: path, problem:
                "\(sources.count >= 2 ? "\(sources[0]) and \(sources[1])" : "two keys") both flatten to '\(printable(key))'; rename one"))
        }
    }

    /// The keys as written (nested ones shown as `a → b`) that flatten to `key`, sorted.
    static func origins(of key: String, in root: [String: JSONValue]) -> [String] {
        var found = [String]()
        func walk(_ o: [String: JSONValue], _ flat: String, _ shown: String) {
            for (k, v) in o {
                let f = flat.isEmpty ? k : "\(flat).\(k)"
                let s = shown.isEmpty ? k : "\(shown) → \(k)"
                guard key == f || key.hasPrefix(f + ".") || f.isEmpty else { continue }
                if case .object(let inner) = v, !inner.isEmpty { walk(inner, f, s) } else if f == key { found.append(s) }
            }
        }
        walk(root, "", "")
        return found.sorted()
    }

    /// Checks a value that stays whole (a list, and what it holds): depth, count, text length.
    /// `key` is the flattened key of the list, to name in errors.
    private static func check(_ value: JSONValue, key: String, depth: Int, budget: inout Int, path: String) throws {
        budget -= 1
        switch value {
        case .string(let s) where s.utf8.count > maximumStringBytes:
            _ = try checked(value, key: key, path: path)
        case .array(let items):
            guard depth < maximumDepth else { throw tooDeep(key, path) }
            for item in items { try check(item, key: key, depth: depth + 1, budget: &budget, path: path) }
        case .object(let o):
            guard depth < maximumDepth else { throw tooDeep(key, path) }
            for (k, v) in o {
                guard k.utf8.count <= maximumKeyBytes else {
                    throw RegistryError.badInput(.malformedFile(path: path, problem: "a key inside the value of '\(printable(key))' is longer than \(maximumKeyBytes) bytes"))
                }
                try check(v, key: key, depth: depth + 1, budget: &budget, path: path)
            }
        default:
            break
        }
    }

    /// Parses `KEY=VALUE`; the value is typed like YAML would type it (`0.01` a number, `true` a bool, `adam` a string).
    public static func parseAssignment(_ text: String) throws -> (String, JSONValue) {
        guard let eq = text.firstIndex(of: "="), eq != text.startIndex else {
            throw RegistryError.badInput(.invalidAssignment(text: text, problem: "is not KEY=VALUE"))
        }
        let key = String(text[..<eq]).trimmingCharacters(in: .whitespaces)
        let raw = String(text[text.index(after: eq)...])
        guard !key.isEmpty, !key.hasPrefix("."), !key.hasSuffix("."), !key.contains("..") else {
            throw RegistryError.badInput(.invalidAssignment(text: text, problem: "does not start with a valid key: use names such as lr or optimizer.lr"))
        }
        guard key.utf8.count <= maximumKeyBytes else {
            throw RegistryError.badInput(.invalidAssignment(text: printable(text), problem: "has a key longer than \(maximumKeyBytes) bytes"))
        }
        guard raw.utf8.count <= maximumStringBytes else {
            throw RegistryError.badInput(.invalidAssignment(text: printable(text), problem: "has a value longer than \(maximumStringBytes >> 20) MiB"))
        }
        return (key, typedScalar(raw))
    }

    /// Types a plain scalar by YAML 1.2's core schema (as DVC and modern YAML do): `true`/`false`,
    /// `null`/`~`, integers, floats; everything else (`yes`, `NO`, `1.2.3`) stays a string. An
    /// integer too large for 64 bits stays a string rather than losing digits. `'…'` or `"…"` quotes force a string.
    static func typedScalar(_ raw: String) -> JSONValue {
        if raw.count >= 2, let f = raw.first, f == raw.last, f == "'" || f == "\"" {
            return .string(String(raw.dropFirst().dropLast()))
        }
        switch raw {
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        case "null", "Null", "NULL", "~", "": return .null
        default: break
        }
        let body = raw.hasPrefix("-") || raw.hasPrefix("+") ? raw.dropFirst() : Substring(raw)
        if !body.isEmpty, body.allSatisfy({ $0.isASCII && $0.isNumber }) {
            if let i = Int64(raw) { return .int(i) }
            return .string(raw)
        }
        if raw.range(of: #"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$"#, options: .regularExpression) != nil,
           let d = Double(raw), d.isFinite {
            return .double(d)
        }
        return .string(raw)
    }

    /// Metrics must be numbers (or booleans): a metric that is text is almost always a mistake.
    public static func checkMetrics(_ metrics: [String: JSONValue]) throws {
        for (k, v) in metrics.sorted(by: { $0.key < $1.key }) {
            switch v {
            case .int, .double, .bool: continue
            default:
                throw RegistryError.badInput(.nonNumericMetric(name: k, value: v.canonical))
            }
        }
    }
}
