/// Numbers: integers (decimal, `0x`, `0o`, `0b`, `_` between digits, 64-bit) and floats
/// (fraction, exponent, `inf`, `nan`, signed or not).
extension TOMLReader {
    /// The number at `pos`: its characters are read up to the first that cannot be part of one,
    /// then checked against TOML's grammar as a whole.
    mutating func number() throws(TOMLError) -> TOMLValue {
        let start = pos
        while let b = peek(), Self.isBareKey(b) || b == Self.dot || b == UInt8(ascii: "+") { pos += 1 }
        let token = bytes[start..<pos]
        var text: String { String(decoding: token, as: UTF8.self) }
        func bad(_ why: String) -> TOMLError {
            fail("'\(text.count > 40 ? text.prefix(40) + "…" : text)' is not a valid \(why)", at: start)
        }
        guard !token.isEmpty else { throw fail("expected a value, found \(found())") }
        if token.count <= 4, let last = token.last, last == UInt8(ascii: "f") || last == UInt8(ascii: "n") {
            switch text {
            case "inf", "+inf": return .float(.infinity)
            case "-inf": return .float(-.infinity)
            case "nan", "+nan": return .float(.nan)
            case "-nan": return .float(-.nan)
            default: break
            }
        }
        if token.count >= 2, token[start] == UInt8(ascii: "0"), let radix = Self.radix(token[start + 1]) {
            let digits = token[(start + 2)...]
            guard Self.separated(digits, radix: radix), let value = Self.integer(digits, radix: radix, negative: false) else {
                throw Self.separated(digits, radix: radix)
                    ? fail("'\(text)' does not fit in 64 bits (TOML integers run from -2^63 to 2^63-1)", at: start)
                    : bad("\(radix == 16 ? "hexadecimal" : radix == 8 ? "octal" : "binary") integer (digits with single '_' between them)")
            }
            return .integer(value)
        }
        // Decimal: sign, integer part, then an optional fraction and exponent.
        var i = start
        let end = pos
        let negative = token.first == UInt8(ascii: "-")
        if negative || token.first == UInt8(ascii: "+") { i += 1 }
        let intStart = i
        while i < end, Self.isDigit(token[i]) || token[i] == UInt8(ascii: "_") { i += 1 }
        let intPart = token[intStart..<i]
        guard Self.separated(intPart, radix: 10) else {
            if Self.isLetter(token.first) || token.count > 1 && Self.isLetter(token[start + 1]) && !Self.isDigit(token[start]) {
                throw fail("expected a value (text in quotes, a number, true or false, a date, [a list] or {a table}), found '\(text.count > 40 ? text.prefix(40) + "…" : text)'", at: start)
            }
            throw bad("number (digits with single '_' between them)")
        }
        guard intPart.count == 1 || intPart.first != UInt8(ascii: "0") else {
            throw bad("number: a number may not start with 0 (write 0o17 for octal)")
        }
        var isFloat = false
        if i < end, token[i] == Self.dot {
            isFloat = true
            let f = i + 1
            i += 1
            while i < end, Self.isDigit(token[i]) || token[i] == UInt8(ascii: "_") { i += 1 }
            guard Self.separated(token[f..<i], radix: 10) else { throw bad("float (a '.' needs digits on both sides)") }
        }
        if i < end, token[i] == UInt8(ascii: "e") || token[i] == UInt8(ascii: "E") {
            isFloat = true
            i += 1
            if i < end, token[i] == UInt8(ascii: "+") || token[i] == UInt8(ascii: "-") { i += 1 }
            let e = i
            while i < end, Self.isDigit(token[i]) || token[i] == UInt8(ascii: "_") { i += 1 }
            guard Self.separated(token[e..<i], radix: 10) else { throw bad("float (an exponent needs digits)") }
        }
        guard i == end else { throw bad("number") }
        if isFloat {
            let d: Double?
            if token.contains(UInt8(ascii: "_")) {
                d = Double(String(decoding: token.filter { $0 != UInt8(ascii: "_") }, as: UTF8.self))
            } else {
                d = Double(Substring(text))
            }
            guard let d else { throw bad("float") }
            return .float(d)
        }
        guard let value = Self.integer(intPart, radix: 10, negative: negative) else {
            throw fail("'\(text)' does not fit in 64 bits (TOML integers run from -2^63 to 2^63-1): write it as a float or in quotes", at: start)
        }
        return .integer(value)
    }

    static func isLetter(_ b: UInt8?) -> Bool {
        guard let b else { return false }
        return (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
    }

    static func radix(_ b: UInt8) -> Int? {
        switch b {
        case UInt8(ascii: "x"): 16
        case UInt8(ascii: "o"): 8
        case UInt8(ascii: "b"): 2
        default: nil
        }
    }

    static func digitValue(_ b: UInt8, radix: Int) -> Int? {
        guard let v = hexValue(b).map(Int.init), v < radix else { return nil }
        return v
    }

    /// Digits of `radix`, at least one, with single `_` only between two digits.
    static func separated(_ s: ArraySlice<UInt8>, radix: Int) -> Bool {
        guard let first = s.first, let last = s.last, digitValue(first, radix: radix) != nil, digitValue(last, radix: radix) != nil else { return false }
        var previousUnderscore = false
        for b in s {
            if b == UInt8(ascii: "_") {
                if previousUnderscore { return false }
                previousUnderscore = true
            } else {
                guard digitValue(b, radix: radix) != nil else { return false }
                previousUnderscore = false
            }
        }
        return true
    }

    /// The value of checked digits, or nil when it does not fit in an Int64.
    static func integer(_ s: ArraySlice<UInt8>, radix: Int, negative: Bool) -> Int64? {
        var value: Int64 = 0
        for b in s where b != UInt8(ascii: "_") {
            guard let d = digitValue(b, radix: radix) else { return nil }
            // Accumulated as a negative number, which reaches -2^63.
            let (m, o1) = value.multipliedReportingOverflow(by: Int64(radix))
            let (v, o2) = m.subtractingReportingOverflow(Int64(d))
            guard !o1, !o2 else { return nil }
            value = v
        }
        if negative { return value }
        return value == .min ? nil : -value
    }
}
