/// Reads a TOML 1.0.0 document into `TOMLValue`s, refusing anything the specification does not
/// allow with a `TOMLError` that names the line and column.
///
/// Hand-written on purpose: the only Swift TOML package available (TOMLKit) wraps the C++ toml++,
/// which aborts the whole process on some malformed inputs (an assertion, five found by `make fuzz`),
/// and a precheck in front of it did not converge. A reader mreg owns can be bounded instead:
///
/// - nesting (arrays, inline tables, table-header and dotted-key parts, arrays of tables) is at
///   most `maximumDepth` levels, and recursion only follows that nesting, so hostile input cannot
///   overflow the stack;
/// - each byte is looked at a bounded number of times, so time is linear in the input;
/// - the input must be UTF-8 (checked first), one byte order mark at the very start is skipped,
///   CRLF counts as a newline (and becomes LF inside multi-line strings), other control characters
///   are refused except tab.
///
/// Choices where TOML 1.0 leaves room: seconds run 00–59 (no leap second, as in toml++ and
/// Python's `tomllib`); fractional seconds keep nanoseconds; two keys that Swift's `String`
/// considers equal (canonically equivalent Unicode, `é` and `e` + U+0301) are one key, so a
/// table holding both is refused as a duplicate.
public struct TOMLReader {
    /// The deepest nesting of tables and arrays (the document's own table is level 0).
    public static let maximumDepth = 100

    let bytes: [UInt8]
    var pos = 0
    /// The table the last `[header]` opened (the root before any).
    var current: Node
    let root: Node
    /// Counts `[header]`s, to tell tables made by dotted keys under an earlier header (closed) from the current one's.
    var section = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        root = Node(depth: 0)
        current = root
    }

    /// Reads a document given as UTF-8 bytes.
    public static func parse(_ bytes: some Collection<UInt8>) throws(TOMLError) -> [String: TOMLValue] {
        var reader = TOMLReader(Array(bytes))
        try reader.checkUTF8()
        try reader.document()
        return reader.root.tableValue()
    }

    /// Reads a document given as text.
    public static func parse(_ text: String) throws(TOMLError) -> [String: TOMLValue] {
        try parse(Array(text.utf8))
    }

    // MARK: - Bytes

    static let tab: UInt8 = 0x09, lf: UInt8 = 0x0A, cr: UInt8 = 0x0D, space: UInt8 = 0x20
    static let quote: UInt8 = 0x22, hash: UInt8 = 0x23, apostrophe: UInt8 = 0x27, comma: UInt8 = 0x2C
    static let dot: UInt8 = 0x2E, equals: UInt8 = 0x3D, backslash: UInt8 = 0x5C
    static let openBracket: UInt8 = 0x5B, closeBracket: UInt8 = 0x5D, openBrace: UInt8 = 0x7B, closeBrace: UInt8 = 0x7D

    var atEnd: Bool { pos >= bytes.count }
    /// The byte at `pos + ahead`, or nil past the end.
    func peek(_ ahead: Int = 0) -> UInt8? { pos + ahead < bytes.count ? bytes[pos + ahead] : nil }

    static func isBareKey(_ b: UInt8) -> Bool {
        (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x2D || b == 0x5F
    }

    static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    /// A control character TOML refuses in strings and comments (all but tab; newlines are handled apart).
    static func isControl(_ b: UInt8) -> Bool { (b < 0x20 && b != tab) || b == 0x7F }

    // MARK: - Errors

    /// An error at byte offset `offset`, with its line and column.
    func fail(_ message: String, at offset: Int? = nil) -> TOMLError {
        let end = min(offset ?? pos, bytes.count)
        var line = 1, column = 1
        for i in 0..<end {
            let b = bytes[i]
            if b == Self.lf { line += 1; column = 1 } else if b & 0xC0 != 0x80 { column += 1 }
        }
        return TOMLError(line: line, column: column, message: message)
    }

    /// What is at `offset`, for a message: `'x'`, `U+0007`, `the end of the line`, `the end of the file`.
    func found(at offset: Int? = nil) -> String {
        let at = offset ?? pos
        guard at < bytes.count else { return "the end of the file" }
        let b = bytes[at]
        if b == Self.lf || (b == Self.cr && at + 1 < bytes.count && bytes[at + 1] == Self.lf) { return "the end of the line" }
        if b >= 0x21 && b < 0x7F { return "'\(Character(Unicode.Scalar(b)))'" }
        if b == Self.space { return "a space" }
        var iterator = bytes[at...].makeIterator()
        var decoder = UTF8()
        if case .scalarValue(let s) = decoder.decode(&iterator) {
            if s.properties.generalCategory == .control || s.properties.isWhitespace || s.value >= 0xE000 && s.value < 0xF900 {
                return "U+" + String(s.value, radix: 16, uppercase: true).leftPadded(4)
            }
            return "'\(Character(s))'"
        }
        return "byte 0x" + String(b, radix: 16, uppercase: true)
    }

    /// Refuses bytes that are not UTF-8 (overlong forms, surrogates and values past U+10FFFF included).
    func checkUTF8() throws(TOMLError) {
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if b < 0x80 { i += 1; continue }
            let length: Int, low: UInt8, high: UInt8
            switch b {
            case 0xC2...0xDF: length = 2; low = 0x80; high = 0xBF
            case 0xE0: length = 3; low = 0xA0; high = 0xBF
            case 0xE1...0xEC, 0xEE...0xEF: length = 3; low = 0x80; high = 0xBF
            case 0xED: length = 3; low = 0x80; high = 0x9F
            case 0xF0: length = 4; low = 0x90; high = 0xBF
            case 0xF1...0xF3: length = 4; low = 0x80; high = 0xBF
            case 0xF4: length = 4; low = 0x80; high = 0x8F
            default: throw fail("byte 0x\(String(b, radix: 16, uppercase: true)) is not UTF-8: save the file as UTF-8", at: i)
            }
            guard i + length <= n, bytes[i + 1] >= low, bytes[i + 1] <= high,
                  (2..<length).allSatisfy({ bytes[i + $0] & 0xC0 == 0x80 }) else {
                throw fail("invalid UTF-8 sequence: save the file as UTF-8", at: i)
            }
            i += length
        }
    }

    // MARK: - Layout

    mutating func skipWhitespace() {
        while pos < bytes.count, bytes[pos] == Self.space || bytes[pos] == Self.tab { pos += 1 }
    }

    /// Consumes a newline (LF or CRLF) when there is one.
    mutating func newline() -> Bool {
        guard let b = peek() else { return false }
        if b == Self.lf { pos += 1; return true }
        if b == Self.cr && peek(1) == Self.lf { pos += 2; return true }
        return false
    }

    /// Skips a comment, when one starts here, up to (not including) the newline that ends it.
    mutating func skipComment() throws(TOMLError) {
        guard peek() == Self.hash else { return }
        pos += 1
        while pos < bytes.count {
            let b = bytes[pos]
            if b == Self.lf || (b == Self.cr && peek(1) == Self.lf) { return }
            if Self.isControl(b) { throw fail("control character \(found()) is not allowed in a comment") }
            pos += 1
        }
    }

    /// Skips what may separate the items of an array: spaces, tabs, newlines and comments.
    mutating func skipArraySpace() throws(TOMLError) {
        while true {
            skipWhitespace()
            if newline() { continue }
            if peek() == Self.hash { try skipComment(); continue }
            return
        }
    }

    // MARK: - Document

    mutating func document() throws(TOMLError) {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { pos = 3 }
        while true {
            skipWhitespace()
            guard let b = peek() else { return }
            if newline() { continue }
            if Self.isBareKey(b) || b == Self.quote || b == Self.apostrophe {
                try keyValue(into: current, depth: current.depth, inline: false)
                skipWhitespace()
            } else if b == Self.openBracket {
                try header()
                skipWhitespace()
            } else if b != Self.hash {
                throw fail("expected a key, a [table] header or a comment, found \(found())")
            }
            try skipComment()
            guard !atEnd else { return }
            guard newline() else {
                throw fail("expected the end of the line, found \(found()): put one key = value or [table] per line")
            }
        }
    }

    /// `[a.b]` or `[[a.b]]`.
    mutating func header() throws(TOMLError) {
        let start = pos
        pos += 1
        let isArray = peek() == Self.openBracket
        if isArray { pos += 1 }
        skipWhitespace()
        let key = try self.key()
        if isArray {
            guard peek() == Self.closeBracket, peek(1) == Self.closeBracket else {
                throw fail("expected ']]' to close the [[array of tables]] header, found \(found())")
            }
            pos += 2
            current = try openArrayTable(key, at: start)
        } else {
            guard peek() == Self.closeBracket else {
                throw fail("expected ']' to close the [table] header, found \(found())")
            }
            pos += 1
            current = try openTable(key, at: start)
        }
    }

    /// A key, bare or quoted, with dotted parts; spaces after it are skipped.
    mutating func key() throws(TOMLError) -> [String] {
        var parts = [try keyPart()]
        skipWhitespace()
        while peek() == Self.dot {
            pos += 1
            skipWhitespace()
            guard parts.count < Self.maximumDepth else {
                throw fail("this key has more than \(Self.maximumDepth) dotted parts")
            }
            parts.append(try keyPart())
            skipWhitespace()
        }
        return parts
    }

    mutating func keyPart() throws(TOMLError) -> String {
        guard let b = peek() else { throw fail("expected a key, found the end of the file") }
        if b == Self.quote { return try basicString(multiline: false) }
        if b == Self.apostrophe { return try literalString(multiline: false) }
        let start = pos
        while let c = peek(), Self.isBareKey(c) { pos += 1 }
        guard pos > start else {
            throw fail("expected a key (letters, digits, '-', '_', or a quoted name), found \(found())")
        }
        return String(decoding: bytes[start..<pos], as: UTF8.self)
    }

    /// `key = value`, added to `table` (whose nesting depth is `depth`).
    mutating func keyValue(into table: Node, depth: Int, inline: Bool) throws(TOMLError) {
        let start = pos
        let key = try self.key()
        guard peek() == Self.equals else {
            throw fail("expected '=' after the key, found \(found())")
        }
        pos += 1
        skipWhitespace()
        let value = try self.value(depth: depth + key.count)
        try insert(value, at: key, into: table, inline: inline, keyAt: start)
    }

    // MARK: - Values

    /// A value; `depth` is the nesting it has if it is an array or inline table.
    mutating func value(depth: Int) throws(TOMLError) -> TOMLValue {
        guard let b = peek() else { throw fail("expected a value, found the end of the file") }
        switch b {
        case Self.quote:
            return .string(try basicString(multiline: true))
        case Self.apostrophe:
            return .string(try literalString(multiline: true))
        case Self.openBracket:
            return try array(depth: depth)
        case Self.openBrace:
            return try inlineTable(depth: depth)
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            let isTrue = b == UInt8(ascii: "t")
            guard isTrue ? peek(1) == UInt8(ascii: "r") && peek(2) == UInt8(ascii: "u") && peek(3) == UInt8(ascii: "e")
                         : peek(1) == UInt8(ascii: "a") && peek(2) == UInt8(ascii: "l") && peek(3) == UInt8(ascii: "s") && peek(4) == UInt8(ascii: "e")
            else { return try number() }
            pos += isTrue ? 4 : 5
            return .boolean(isTrue)
        default:
            if Self.isDigit(b) && isDateOrTime() { return .dateTime(try dateTime()) }
            guard Self.isDigit(b) || b == UInt8(ascii: "+") || b == UInt8(ascii: "-") || b == UInt8(ascii: "i") || b == UInt8(ascii: "n") else {
                throw fail("expected a value (text in quotes, a number, true or false, a date, [a list] or {a table}), found \(found())")
            }
            return try number()
        }
    }

    /// `[ value, value, ]`: newlines and comments may come between items, and a comma after the last.
    mutating func array(depth: Int) throws(TOMLError) -> TOMLValue {
        guard depth <= Self.maximumDepth else {
            throw fail("lists and tables nest more than \(Self.maximumDepth) deep here")
        }
        let start = pos
        pos += 1
        var items: [TOMLValue] = []
        while true {
            try skipArraySpace()
            if peek() == Self.closeBracket { pos += 1; return .array(items) }
            guard !atEnd else { throw fail("this list is not closed: add ']'", at: start) }
            items.append(try value(depth: depth + 1))
            try skipArraySpace()
            switch peek() {
            case Self.comma: pos += 1
            case Self.closeBracket: pos += 1; return .array(items)
            case nil: throw fail("this list is not closed: add ']'", at: start)
            default: throw fail("expected ',' or ']' after a list item, found \(found())")
            }
        }
    }

    /// `{ key = value, key = value }`, on one line, no comma after the last.
    mutating func inlineTable(depth: Int) throws(TOMLError) -> TOMLValue {
        guard depth <= Self.maximumDepth else {
            throw fail("lists and tables nest more than \(Self.maximumDepth) deep here")
        }
        pos += 1
        let table = Node(depth: depth)
        skipWhitespace()
        if peek() == Self.closeBrace { pos += 1; return .table([:]) }
        while true {
            guard let b = peek(), Self.isBareKey(b) || b == Self.quote || b == Self.apostrophe else {
                throw fail("expected a key in the inline table, found \(found())\(peek() == Self.closeBrace ? " (no ',' may follow the last value)" : "")")
            }
            try keyValue(into: table, depth: depth, inline: true)
            skipWhitespace()
            switch peek() {
            case Self.comma: pos += 1; skipWhitespace()
            case Self.closeBrace: pos += 1; return .table(table.tableValue())
            default: throw fail("expected ',' or '}' in the inline table, found \(found()) (an inline table stays on one line)")
            }
        }
    }
}

fileprivate extension String {
    /// Left-padded with zeros to `width` characters.
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
