import MregSupport
import Foundation
import TOMLKit
import Yams

/// Reads params and metrics from YAML, JSON or TOML files and `KEY=VALUE` flags,
/// flattening nested keys to dotted paths (`optimizer.lr`) and keeping value types.
public enum ParamsLoader {
    /// Loads and flattens a file; the format comes from the extension, else is sniffed.
    public static func load(file path: String) throws -> [String: JSONValue] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RegistryError.notFound(.init(.paramsFile, path))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw RegistryError.badInput(.malformedFile(path: path, problem: "it is not UTF-8 text"))
        }
        let ext = (path as NSString).pathExtension.lowercased()
        let value: JSONValue
        switch ext {
        case "json":
            value = try parseJSON(text, path: path)
        case "toml":
            value = try parseTOML(text, path: path)
        case "yaml", "yml":
            value = try parseYAML(text, path: path)
        default:
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.hasPrefix("{") { value = try parseJSON(text, path: path) }
            else if let v = try? parseTOML(text, path: path) { value = v }
            else { value = try parseYAML(text, path: path) }
        }
        guard case .object = value else {
            throw RegistryError.badInput(.malformedFile(path: path, problem: "it must hold a mapping of names to values, not a single value or list"))
        }
        return flatten(value)
    }

    static func parseJSON(_ text: String, path: String) throws -> JSONValue {
        do { return try JSONValue.parse(text) } catch {
            throw RegistryError.badInput(.malformedFile(path: path, problem: "not valid JSON: \(error)"))
        }
    }

    static func parseYAML(_ text: String, path: String) throws -> JSONValue {
        do {
            guard let node = try Yams.compose(yaml: text) else { return .object([:]) }
            var budget = maximumValues
            return try fromYAML(node, budget: &budget, path: path)
        } catch let e as RegistryError {
            throw e
        } catch {
            throw RegistryError.badInput(.malformedFile(path: path, problem: "not valid YAML: \(yamlProblem(error))"))
        }
    }

    /// The most values (scalars, lists and maps) one params or metrics file may hold once
    /// YAML aliases are expanded: a few hundred bytes of nested aliases ("billion laughs")
    /// would otherwise expand to gigabytes.
    public static let maximumValues = 100_000

    static func fromYAML(_ node: Node, budget: inout Int, path: String) throws -> JSONValue {
        budget -= 1
        guard budget >= 0 else {
            throw RegistryError.badInput(.malformedFile(path: path, problem: "it holds more than \(maximumValues) values once its YAML aliases are expanded"))
        }
        switch node {
        case .scalar(let scalar):
            if scalar.style != .plain { return .string(scalar.string) }
            let s = scalar.string
            if let tag = Optional(node.tag.description) {
                if tag.hasSuffix(":null") || s == "~" || s == "null" || s == "" { return .null }
            }
            return typedScalar(s)
        case .mapping(let mapping):
            var out = [String: JSONValue]()
            for (k, v) in mapping { out[k.string ?? "\(k)"] = try fromYAML(v, budget: &budget, path: path) }
            return .object(out)
        case .sequence(let seq):
            var out = [JSONValue]()
            for item in seq { out.append(try fromYAML(item, budget: &budget, path: path)) }
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
        var text = "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)"
        while text.hasSuffix(":") || text.hasSuffix(" ") { text.removeLast() }
        return text
    }

    static func parseTOML(_ text: String, path: String) throws -> JSONValue {
        do {
            try TOMLPrecheck.check(text)
        } catch {
            throw RegistryError.badInput(.malformedFile(path: path, problem: "not valid TOML: \(error)"))
        }
        do {
            let table = try TOMLTable(string: text)
            return fromTOML(table)
        } catch {
            throw RegistryError.badInput(.malformedFile(path: path, problem: "not valid TOML: \("\(error)".split(separator: "\n").first ?? "")"))
        }
    }

    package static func fromTOML(_ value: TOMLValueConvertible) -> JSONValue {
        if let table = value.table {
            var out = [String: JSONValue]()
            for (k, v) in table { out[k] = fromTOML(v) }
            return .object(out)
        }
        if let array = value.array { return .array(array.map { fromTOML($0) }) }
        if let b = value.bool { return .bool(b) }
        if let i = value.int { return .int(Int64(i)) }
        if let d = value.double { return .double(d) }
        if let s = value.string { return .string(s) }
        return .string(value.debugDescription)
    }

    /// Nested objects become dotted keys; arrays and scalars stay values.
    public static func flatten(_ value: JSONValue, prefix: String = "") -> [String: JSONValue] {
        guard case .object(let o) = value else { return prefix.isEmpty ? [:] : [prefix: value] }
        var out = [String: JSONValue]()
        if o.isEmpty && !prefix.isEmpty { out[prefix] = .object([:]) }
        for (k, v) in o {
            let key = prefix.isEmpty ? k : "\(prefix).\(k)"
            if case .object = v { out.merge(flatten(v, prefix: key)) { _, b in b } }
            else { out[key] = v }
        }
        return out
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
