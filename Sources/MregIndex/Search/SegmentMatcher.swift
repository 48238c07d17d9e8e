import MregStore
import MregSupport
import MregRegistry
import MregFilter
/// A search expression compiled against one index segment: keys and constants resolved
/// to the segment's string ids, model-level conditions folded to constants (so a query on
/// one model skips every other segment), and results on strings memoized per string id.
///
/// The index's fast path for the filter language: its answers are exactly
/// `FilterEvaluator`'s over the same rows (same `ValueTest`, same rules for missing values
/// and sets), which the filter-language tests check.
struct SegmentMatcher {
    typealias RowTest = (Int) -> Bool

    let segment: IndexSegment
    /// nil when the expression is constant for the whole segment.
    let test: RowTest?
    /// The value when `test` is nil.
    let constant: Bool
    /// Whether removed versions are searched too (the query names `removed`).
    let includesRemoved: Bool

    init(_ expression: FilterExpression, segment: IndexSegment) {
        self.segment = segment
        includesRemoved = expression.fields.contains(.removed)
        switch Self.compile(expression, segment) {
        case .constant(let b): test = nil; constant = b
        case .test(let t): test = t; constant = false
        }
    }

    /// The rows that match, in row order.
    func matchingRows() -> [Int] {
        let rows = searchedRows
        if let test { return rows.filter(test) }
        return constant ? rows : []
    }

    /// The rows searched: every row when the query names `removed`, else the live ones.
    var searchedRows: [Int] {
        includesRemoved ? Array(0..<segment.rowCount) : (0..<segment.rowCount).filter { !segment.isRemoved($0) }
    }

    private enum Compiled {
        case constant(Bool)
        case test(RowTest)
    }

    private static func compile(_ e: FilterExpression, _ s: IndexSegment) -> Compiled {
        switch e {
        case .all:
            return .constant(true)
        case .not(let inner):
            switch compile(inner, s) {
            case .constant(let b): return .constant(!b)
            case .test(let t): return .test { !t($0) }
            }
        case .and(let a, let b):
            let left = compile(a, s)
            if case .constant(false) = left { return left }
            let right = compile(b, s)
            switch (left, right) {
            case (_, .constant(false)): return right
            case (.constant(true), _): return right
            case (_, .constant(true)): return left
            case (.test(let x), .test(let y)): return .test { x($0) && y($0) }
            default: return .constant(false)
            }
        case .or(let a, let b):
            let left = compile(a, s)
            if case .constant(true) = left { return left }
            let right = compile(b, s)
            switch (left, right) {
            case (_, .constant(true)): return right
            case (.constant(false), _): return right
            case (_, .constant(false)): return left
            case (.test(let x), .test(let y)): return .test { x($0) || y($0) }
            default: return .constant(true)
            }
        case .condition(let c):
            return condition(c, s)
        }
    }

    private static func condition(_ c: FilterExpression.Condition, _ s: IndexSegment) -> Compiled {
        let test = ValueTest(op: c.op, literals: c.values, versions: c.field.comparesAsVersion)
        switch c.field {
        case .model:
            switch c.op {
            case .isNull: return .constant(false)
            case .isNotNull: return .constant(true)
            default:
                var name = s.model
                return .constant(name.withUTF8 { test.text(UnsafeRawBufferPointer($0)) })
            }
        case .version:
            if c.op == .isNull || c.op == .isNotNull { return .constant(c.op == .isNotNull) }
            return .test { row in let v = s.version(row); return test.number(Double(v), exact: v) }
        case .created:
            if c.op == .isNull || c.op == .isNotNull { return .constant(c.op == .isNotNull) }
            if c.op.isLike {
                let memo = StringMemo(s, test)
                return .test { memo.test(s.createdText($0)) }
            }
            return .test { test.time(s.created($0)) }
        case .author, .message:
            if c.op == .isNull || c.op == .isNotNull { return .constant(c.op == .isNotNull) }
            let memo = StringMemo(s, test)
            let isAuthor = c.field == .author
            return .test { memo.test(isAuthor ? s.author($0) : s.message($0)) }
        case .removed:
            if c.op == .isNull || c.op == .isNotNull { return .constant(c.op == .isNotNull) }
            return .test { test.bool(s.isRemoved($0)) }
        case .parameters:
            return .test { row in
                guard let p = s.parameters(row) else { return c.op == .isNull }
                return test.number(Double(p), exact: p)
            }
        case .param(let key), .metric(let key), .environment(let key):
            let ns: IndexSegment.Namespace = {
                switch c.field {
                case .param: return .param
                case .metric: return .metric
                default: return .environment
                }
            }()
            guard let keyID = s.find(key) else { return .constant(c.op == .isNull) }
            let one = FieldTest(s, c.op, test)
            return .test { row in
                guard let f = s.field(row, ns, keyID) else { return c.op == .isNull }
                return one.single(f)
            }
        case .card(let key):
            return card(c, key, test, s)
        case .stage, .tag, .format:
            return multiValued(c, s)
        }
    }

    /// One field's value against a condition's test, string results memoized.
    private struct FieldTest {
        let segment: IndexSegment
        let op: FilterExpression.Operator
        let test: ValueTest
        let memo: StringMemo

        init(_ segment: IndexSegment, _ op: FilterExpression.Operator, _ test: ValueTest) {
            self.segment = segment
            self.op = op
            self.test = test
            memo = StringMemo(segment, test)
        }

        /// A field that is the whole value: a null is missing.
        @inline(__always) func single(_ f: Int) -> Bool {
            switch segment.fieldKind(f) {
            case .null: return op == .isNull
            case _ where op == .isNull: return false
            case _ where op == .isNotNull: return true
            default: return item(f)
            }
        }

        /// A field's value through the test (a null satisfies nothing).
        @inline(__always) func item(_ f: Int) -> Bool {
            let bits = segment.fieldBits(f)
            switch segment.fieldKind(f) {
            case .null: return false
            case .string, .json: return memo.test(UInt32(truncatingIfNeeded: bits))
            case .int: let i = Int64(bitPattern: bits); return test.number(Double(i), exact: i)
            case .double: return test.number(Double(bitPattern: bits), exact: nil)
            case .bool: return test.bool(bits != 0)
            }
        }
    }

    /// A model-card field: one value (like a param), or a list, which is a set (like tags).
    private static func card(_ c: FilterExpression.Condition, _ key: String, _ test: ValueTest, _ s: IndexSegment) -> Compiled {
        guard let keyID = s.find(key) else { return .constant(c.op == .isNull) }
        let one = FieldTest(s, c.op, test)
        let negated = c.op.positive != nil
        let items = FieldTest(s, c.op.positive ?? c.op, ValueTest(op: c.op.positive ?? c.op, literals: c.values))
        let scalar = IndexSegment.Namespace.card.rawValue, item = IndexSegment.Namespace.cardItem.rawValue
        return .test { row in
            var isList = false
            var any = false
            for f in s.fields(row) where s.fieldKey(f) == keyID {
                let ns = s.fieldNamespace(f)
                if ns == scalar { return one.single(f) }
                guard ns == item else { continue }
                isList = true
                if c.op == .isNull || c.op == .isNotNull { break }
                if items.item(f) { any = true; break }
            }
            switch c.op {
            case .isNull: return !isList
            case .isNotNull: return isList
            default: return isList && (negated ? !any : any)
            }
        }
    }

    /// Stages, tags and formats: a positive operator holds when any value satisfies it;
    /// a negated one (`!=`, `NOT IN`, `NOT LIKE`) when none satisfies the positive form.
    private static func multiValued(_ c: FilterExpression.Condition, _ s: IndexSegment) -> Compiled {
        let negated = c.op.positive != nil
        let positive = ValueTest(op: c.op.positive ?? c.op, literals: c.values)
        let memo = StringMemo(s, positive)
        if c.field == .format {
            return .test { row in
                var any = false
                var has = false
                for f in s.fields(row) where s.fieldNamespace(f) == IndexSegment.Namespace.format.rawValue {
                    has = true
                    if c.op == .isNull || c.op == .isNotNull { break }
                    if memo.test(s.fieldKey(f)) { any = true; break }
                }
                switch c.op {
                case .isNull: return !has
                case .isNotNull: return has
                default: return negated ? !any : any
                }
            }
        }
        // Stages and tags belong to the model: find the versions they select once.
        let count = c.field == .stage ? s.stageCount : s.tagCount
        var selected = Set<Int64>()
        var holding = Set<Int64>()
        for i in 0..<count {
            let (name, version) = c.field == .stage ? s.stage(i) : s.tag(i)
            holding.insert(version)
            if c.op != .isNull && c.op != .isNotNull && memo.test(name) { selected.insert(version) }
        }
        switch c.op {
        case .isNull: return holding.isEmpty ? .constant(true) : .test { !holding.contains(s.version($0)) }
        case .isNotNull: return holding.isEmpty ? .constant(false) : .test { holding.contains(s.version($0)) }
        default:
            if selected.isEmpty { return .constant(negated) }
            return .test { row in selected.contains(s.version(row)) != negated }
        }
    }
}
