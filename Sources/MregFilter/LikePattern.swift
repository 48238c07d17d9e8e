import MregSupport
/// A SQL `LIKE` pattern: `%` matches any run of characters, `_` exactly one, and `\`
/// makes the next character literal (`'50\%'`). The whole value must match.
/// `ILIKE` ignores case. Matching runs on UTF-8 bytes, so it needs no `String`.
package struct LikePattern: Sendable {
    private enum Element: Equatable {
        case byte(UInt8)
        case one
        case any
    }

    private let elements: [Element]
    package let caseInsensitive: Bool

    package init(_ pattern: String, caseInsensitive: Bool) {
        self.caseInsensitive = caseInsensitive
        let text = caseInsensitive ? pattern.lowercased() : pattern
        var out = [Element]()
        var escaped = false
        for b in text.utf8 {
            if escaped {
                out.append(.byte(b))
                escaped = false
            } else if b == UInt8(ascii: "\\") {
                escaped = true
            } else if b == UInt8(ascii: "%") {
                if out.last != .any { out.append(.any) }
            } else if b == UInt8(ascii: "_") {
                out.append(.one)
            } else {
                out.append(.byte(b))
            }
        }
        if escaped { out.append(.byte(UInt8(ascii: "\\"))) }
        elements = out
    }

    package func matches(_ value: String) -> Bool {
        var copy = value
        return copy.withUTF8 { matches(UnsafeRawBufferPointer($0)) }
    }

    package func matches(_ value: UnsafeRawBufferPointer) -> Bool {
        if caseInsensitive && value.contains(where: { $0 >= 0x80 }) {
            var lowered = String(decoding: value, as: UTF8.self).lowercased()
            return lowered.withUTF8 { match(UnsafeRawBufferPointer($0)) }
        }
        return match(value)
    }

    @inline(__always) private static func charLength(_ lead: UInt8) -> Int {
        switch lead {
        case 0xF0...: return 4
        case 0xE0...: return 3
        case 0xC0...: return 2
        default: return 1
        }
    }

    private func match(_ v: UnsafeRawBufferPointer) -> Bool {
        let n = v.count
        var p = 0, i = 0
        var starP = -1, starI = 0
        let fold = caseInsensitive
        while i < n {
            if p < elements.count {
                switch elements[p] {
                case .byte(let b):
                    var c = v[i]
                    if fold && c >= 0x41 && c <= 0x5a { c |= 0x20 }
                    if c == b { p += 1; i += 1; continue }
                case .one:
                    i = min(n, i + Self.charLength(v[i]))
                    p += 1
                    continue
                case .any:
                    starP = p
                    starI = i
                    p += 1
                    continue
                }
            }
            guard starP >= 0 else { return false }
            starI = min(n, starI + Self.charLength(v[starI]))
            i = starI
            p = starP + 1
        }
        while p < elements.count && elements[p] == .any { p += 1 }
        return p == elements.count
    }
}
