import MregStore
import MregSupport
import MregRegistry
/// Evaluating a gate against one version.
extension GateExpression {
    /// The values a gate can look at: one version's metrics, params, model card and file formats.
    public struct Subject: Sendable {
        public var metrics: [String: JSONValue]
        public var params: [String: JSONValue]
        public var card: [String: JSONValue]
        public var formats: [String]

        public init(metrics: [String: JSONValue] = [:], params: [String: JSONValue] = [:],
                    card: [String: JSONValue] = [:], formats: [String] = []) {
            self.metrics = metrics
            self.params = params
            self.card = card
            self.formats = formats
        }

        public init(manifest: Manifest) {
            self.init(metrics: manifest.metrics, params: manifest.params, card: manifest.card.objectValue ?? [:],
                      formats: Array(Set(manifest.files.compactMap(\.format))).sorted())
        }

        /// The field's values (several for `format` and list-valued card fields), or nil when it is absent.
        public func values(of field: Field) -> [JSONValue]? {
            switch field {
            case .metric(let n): return metrics[n].map { [$0] }
            case .param(let n): return params[n].map { [$0] }
            case .card(let n):
                guard let v = card[n], v != .null else { return nil }
                return v.arrayValue ?? [v]
            case .format: return formats.map { .string($0) }
            }
        }

        /// The field's value as a person reads it: `0.93`, `[safetensors, json]`, `absent`.
        public func display(_ field: Field) -> String {
            guard let values = values(of: field) else { return "absent" }
            if case .format = field { return "[" + values.map(\.displayText).joined(separator: ", ") + "]" }
            if case .card(let n) = field, card[n]?.arrayValue != nil { return "[" + values.map(\.displayText).joined(separator: ", ") + "]" }
            return values.first?.displayText ?? "absent"
        }
    }

    /// Whether the subject satisfies the expression.
    ///
    /// A comparison with an absent field is false (whatever the operator, as in MLflow's search).
    /// For a field with several values (`format`, list-valued card fields) `!=` holds when no value
    /// equals the constant, and every other operator when some value satisfies it.
    public func evaluate(_ subject: Subject) -> Bool {
        Self.evaluate(root, subject)
    }

    /// The comparisons that were false, each with the field's actual value:
    /// `metrics.auc >= 0.90 is false (metrics.auc = 0.85)`.
    public func falseComparisons(_ subject: Subject) -> [String] {
        comparisons.filter { !Self.compare($0, subject) }.map { c in
            "\(c.text) is false (\(c.field) = \(subject.display(c.field)))"
        }
    }

    /// The fields the expression reads with their values: `metrics.auc = 0.93, format = [safetensors]`.
    public func fieldValues(_ subject: Subject) -> String {
        var seen = [String]()
        var parts = [String]()
        for c in comparisons where !seen.contains(c.field.description) {
            seen.append(c.field.description)
            parts.append("\(c.field) = \(subject.display(c.field))")
        }
        return parts.joined(separator: ", ")
    }

    static func evaluate(_ node: Node, _ subject: Subject) -> Bool {
        switch node {
        case .and(let a, let b): return evaluate(a, subject) && evaluate(b, subject)
        case .or(let a, let b): return evaluate(a, subject) || evaluate(b, subject)
        case .not(let a): return !evaluate(a, subject)
        case .comparison(let c): return compare(c, subject)
        }
    }

    static func compare(_ c: Comparison, _ subject: Subject) -> Bool {
        guard let values = subject.values(of: c.field) else { return false }
        if c.op == .notEqual {
            return !values.contains { holds($0, .equal, c.value) }
        }
        return values.contains { holds($0, c.op, c.value) }
    }

    /// One value against a constant. Numbers compare as numbers (a string that reads as a
    /// number too), strings as strings, booleans only with `=` and `!=`.
    static func holds(_ value: JSONValue, _ op: Operator, _ literal: Literal) -> Bool {
        switch literal {
        case .number(let n):
            let v: Double?
            switch value {
            case .int, .double: v = value.doubleValue
            case .string(let s): v = Double(s.trimmingCharacters(in: .whitespaces))
            default: v = nil
            }
            guard let v else { return false }
            return order(v, n, op)
        case .string(let s):
            switch value {
            case .string(let text): return order(text, s, op)
            case .int, .double:
                if let n = Double(s), let v = value.doubleValue { return order(v, n, op) }
                return op == .equal ? value.displayText == s : false
            case .bool(let b):
                guard op == .equal else { return false }
                return s.lowercased() == (b ? "true" : "false")
            default: return false
            }
        case .bool(let b):
            guard op == .equal else { return false }
            switch value {
            case .bool(let v): return v == b
            case .string(let s): return s.lowercased() == (b ? "true" : "false")
            default: return false
            }
        }
    }

    static func order<T: Comparable>(_ a: T, _ b: T, _ op: Operator) -> Bool {
        switch op {
        case .equal: return a == b
        case .notEqual: return a != b
        case .less: return a < b
        case .lessOrEqual: return a <= b
        case .greater: return a > b
        case .greaterOrEqual: return a >= b
        }
    }
}
