import Foundation
import TOMLKit
import Yams

/// Reads params and metrics from YAML, JSON or TOML files and `KEY=VALUE` flags,
/// flattening nested keys to dotted paths (`optimizer.lr`) and keeping value types.
public enum ParamsLoader {
    /// Loads and flattens a file; the format comes from the extension, else is sniffed.
    public static func load(file path: String) throws -> [String: JSONValue] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RegistryError(.badInput, "cannot read params/metrics file '\(path)': no such file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw RegistryError(.badInput, "'\(path)' is not UTF-8 text")
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
            throw RegistryError(.badInput, "'\(path)' must hold a mapping of names to values, not a single value or list")
        }
        return flatten(value)
    }

    static func parseJSON(_ text: String, path: String) throws -> JSONValue {
        do { return try JSONValue.parse(text) } catch {
            throw RegistryError(.badInput, "'\(path)' is not valid JSON: \(error)")
        }
    }

    static func parseYAML(_ text: String, path: String) throws -> JSONValue {
        do {
            guard let node = try Yams.compose(yaml: text) else { return .object([:]) }
            return try fromYAML(node)
        } catch let e as RegistryError {
            throw e
        } catch {
            let detail = "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)"
            throw RegistryError(.badInput, "'\(path)' is not valid YAML: \(detail)")
        }
    }

    static func fromYAML(_ node: Node) throws -> JSONValue {
        switch node {
        case .scalar(let scalar):
            if scalar.style != .plain { return .string(scalar.string) }
            let s = scalar.string
            if let tag = Optional(node.tag.description) {
                if tag.hasSuffix(":null") || s == "~" || s == "null" || s == "" { return .null }
            }
            if let b = Bool.construct(from: scalar) { return .bool(b) }
            if let i = Int.construct(from: scalar) { return .int(Int64(i)) }
            if let d = Double.construct(from: scalar), s.contains(where: { $0.isNumber }) { return .double(d) }
            return .string(s)
        case .mapping(let mapping):
            var out = [String: JSONValue]()
            for (k, v) in mapping { out[k.string ?? "\(k)"] = try fromYAML(v) }
            return .object(out)
        case .sequence(let seq):
            return .array(try seq.map(fromYAML))
        case .alias:
            return .null
        }
    }

    static func parseTOML(_ text: String, path: String) throws -> JSONValue {
        do {
            let table = try TOMLTable(string: text)
            return fromTOML(table)
        } catch {
            throw RegistryError(.badInput, "'\(path)' is not valid TOML: \("\(error)".split(separator: "\n").first ?? "")")
        }
    }

    static func fromTOML(_ value: TOMLValueConvertible) -> JSONValue {
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
            throw RegistryError(.badInput, "'\(text)' is not KEY=VALUE")
        }
        let key = String(text[..<eq]).trimmingCharacters(in: .whitespaces)
        let raw = String(text[text.index(after: eq)...])
        guard !key.isEmpty, !key.hasPrefix("."), !key.hasSuffix("."), !key.contains("..") else {
            throw RegistryError(.badInput, "'\(key)' is not a valid key: use names such as lr or optimizer.lr")
        }
        return (key, typedScalar(raw))
    }

    static func typedScalar(_ raw: String) -> JSONValue {
        switch raw.lowercased() {
        case "true": return .bool(true)
        case "false": return .bool(false)
        case "null": return .null
        default: break
        }
        if let i = Int64(raw) { return .int(i) }
        if let d = Double(raw), d.isFinite, raw.contains(where: { $0.isNumber }), !raw.hasPrefix("0x") { return .double(d) }
        return .string(raw)
    }
}
