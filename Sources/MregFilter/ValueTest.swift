import MregSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One condition's operator and values, applied to a single text, number, boolean or time
/// value: the value semantics of the filter language, shared by `FilterEvaluator` and the
/// index's compiled matcher.
///
/// Types follow what people mean rather than SQL's strictness: a quoted number
/// (`params.lr = '0.01'`, as MLflow users write) compares as a number with a numeric
/// value, and a number compares with a text value that reads as a number. Text compares
/// by its UTF-8 bytes. A value and a literal that cannot be compared are unequal.
package struct ValueTest {
    /// The operator (for `!=`, `NOT IN`, `NOT LIKE`: the negated one, still applied here).
    package let op: FilterExpression.Operator
    package let literals: [FilterExpression.Literal]
    private let strings: [[UInt8]?]
    private let numbers: [(Double, Int64?)?]
    private let pattern: LikePattern?
    /// Text values and text literals compare in version order (`PackageVersion.compare`) when both read as versions.
    private let versions: Bool

    package init(op: FilterExpression.Operator, literals: [FilterExpression.Literal], versions: Bool = false) {
        self.op = op
        self.literals = literals
        self.versions = versions
        strings = literals.map { lit in
            if case .string(let s) = lit { return Array(s.utf8) }
            return nil
        }
        numbers = literals.map { lit in
            switch lit {
            case .number(let d, let exact): return (d, exact)
            case .string(let s): return Self.numeric(s)
            default: return nil
            }
        }
        switch op {
        case .like, .notLike, .ilike, .notIlike:
            if case .string(let p) = literals.first {
                pattern = LikePattern(p, caseInsensitive: op == .ilike || op == .notIlike)
            } else {
                pattern = nil
            }
        default:
            pattern = nil
        }
    }

    /// A text as a number, when it reads as one (`'0.01'`, `'10'`, `'1e-3'`).
    package static func numeric(_ s: String) -> (Double, Int64?)? {
        guard let first = s.utf8.first, (0x30...0x39).contains(first) || first == 0x2d || first == 0x2b || first == 0x2e,
              let d = Double(s), d.isFinite else { return nil }
        return (d, Int64(s))
    }

    // MARK: comparing

    /// Sign of `a - b` for two numbers (exactly when both are whole).
    @inline(__always) package static func compare(_ a: (Double, Int64?), _ b: (Double, Int64?)) -> Int {
        if let x = a.1, let y = b.1 { return x < y ? -1 : (x > y ? 1 : 0) }
        return a.0 < b.0 ? -1 : (a.0 > b.0 ? 1 : 0)
    }

    @inline(__always) private func ordered(_ c: Int?) -> Bool {
        guard let c else { return false }
        switch op {
        case .less: return c < 0
        case .lessOrEqual: return c <= 0
        case .greater: return c > 0
        case .greaterOrEqual: return c >= 0
        default: return false
        }
    }

    /// Applies the operator given how the value compares with literal `k` (nil: not comparable).
    private func apply(_ compareTo: (Int) -> Int?, likeText: () -> Bool) -> Bool {
        switch op {
        case .equal, .in: return literals.indices.contains { compareTo($0) == 0 }
        case .notEqual, .notIn: return !literals.indices.contains { compareTo($0) == 0 }
        case .less, .lessOrEqual, .greater, .greaterOrEqual: return ordered(compareTo(0))
        case .like, .ilike: return likeText()
        case .notLike, .notIlike: return !likeText()
        case .isNull: return false
        case .isNotNull: return true
        }
    }

    /// Byte-wise comparison of two UTF-8 texts (memcmp order, then length): the order of the index's strings.
    @inline(__always) package static func compareBytes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
        let n = min(a.count, b.count)
        if n > 0, let x = a.baseAddress, let y = b.baseAddress {
            let c = memcmp(x, y, n)
            if c != 0 { return Int(c) }
        }
        return a.count - b.count
    }

    /// Any value a field resolver gives (a null satisfies no operator).
    package func value(_ v: FieldValue) -> Bool {
        switch v {
        case .null: return false
        case .text(var s): return s.withUTF8 { text(UnsafeRawBufferPointer($0)) }
        case .number(let d, let exact): return number(d, exact: exact)
        case .bool(let b): return bool(b)
        case .time(let t, var s):
            if op.isLike { return s.withUTF8 { text(UnsafeRawBufferPointer($0)) } }
            return time(t)
        }
    }

    /// A text value (UTF-8 bytes).
    package func text(_ v: UnsafeRawBufferPointer) -> Bool {
        var parsed: (Double, Int64?)??
        return apply({ k in
            if let bytes = strings[k] {
                if versions, case .string(let literal) = literals[k],
                   let c = PackageVersion.compare(String(decoding: v, as: UTF8.self), literal) {
                    return c
                }
                return bytes.withUnsafeBytes { Self.compareBytes(v, $0) }
            }
            if versions, case .number(let d, let exact) = literals[k],
               let c = PackageVersion.compare(String(decoding: v, as: UTF8.self), exact.map { String($0) } ?? JSONValue.format(d)) {
                return c  // `environment.python >= 3.9` unquoted: the number as written, in version order.
            }
            if let n = numbers[k] {
                if parsed == nil { parsed = .some(Self.numeric(String(decoding: v, as: UTF8.self))) }
                guard let value = parsed! else { return nil }
                return Self.compare(value, n)
            }
            if case .bool(let b) = literals[k] {
                return String(decoding: v, as: UTF8.self) == (b ? "true" : "false") ? 0 : nil
            }
            return nil
        }, likeText: { pattern?.matches(v) ?? false })
    }

    /// A numeric value (`exact` when it is an integer).
    package func number(_ d: Double, exact: Int64?) -> Bool {
        apply({ k in
            guard let n = numbers[k] else { return nil }
            return Self.compare((d, exact), n)
        }, likeText: {
            pattern?.matches(exact.map { String($0) } ?? JSONValue.format(d)) ?? false
        })
    }

    /// A boolean value.
    package func bool(_ b: Bool) -> Bool {
        let text = b ? "true" : "false"
        return apply({ k in
            switch literals[k] {
            case .bool(let l): return l == b ? 0 : nil
            case .string(let s): return text.utf8.lexicographicallyPrecedes(s.utf8) ? -1 : (text.utf8.elementsEqual(s.utf8) ? 0 : 1)
            default: return nil
            }
        }, likeText: { pattern?.matches(text) ?? false })
    }

    /// A time in seconds since the epoch, against date literals (each a span of seconds).
    package func time(_ t: Int64) -> Bool {
        apply({ k in
            guard case .date(let from, let to, _) = literals[k] else { return nil }
            return t < from ? -1 : (t > to ? 1 : 0)
        }, likeText: { false })
    }
}
