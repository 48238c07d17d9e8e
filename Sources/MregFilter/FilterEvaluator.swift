import MregSupport
/// The one evaluator of the filter language: a filter against one subject's fields.
///
/// The rules (the index's compiled matcher, `SegmentMatcher`, follows them exactly):
/// - a missing field (absent, or null) satisfies only `IS NULL`;
/// - one value satisfies a condition as `ValueTest` says (`!=`, `NOT IN`, `NOT LIKE` hold
///   when the value is not equal to / not in / not like the literals);
/// - a set satisfies a positive operator when some value does, a negated one when no value
///   satisfies its positive form, `IS NULL` when it is empty.
public struct FilterEvaluator: Sendable {
    public let expression: FilterExpression

    public init(_ expression: FilterExpression) {
        self.expression = expression
    }

    /// Whether the subject satisfies the filter.
    public func matches(_ subject: some FieldResolver) -> Bool {
        Self.evaluate(expression, subject)
    }

    static func evaluate(_ e: FilterExpression, _ subject: some FieldResolver) -> Bool {
        switch e {
        case .all: return true
        case .and(let a, let b): return evaluate(a, subject) && evaluate(b, subject)
        case .or(let a, let b): return evaluate(a, subject) || evaluate(b, subject)
        case .not(let a): return !evaluate(a, subject)
        case .condition(let c): return holds(c, subject.resolve(c.field))
        }
    }

    /// Whether a field's values satisfy one condition.
    public static func holds(_ c: FilterExpression.Condition, _ values: FieldValues) -> Bool {
        switch values {
        case .missing, .one(.null):
            return c.op == .isNull
        case .one(let v):
            switch c.op {
            case .isNull: return false
            case .isNotNull: return true
            default: return ValueTest(op: c.op, literals: c.values, versions: c.field.comparesAsVersion).value(v)
            }
        case .set(let items):
            switch c.op {
            case .isNull: return items.isEmpty
            case .isNotNull: return !items.isEmpty
            default:
                let positive = ValueTest(op: c.op.positive ?? c.op, literals: c.values)
                let any = items.contains { positive.value($0) }
                return c.op.positive == nil ? any : !any
            }
        }
    }
}
