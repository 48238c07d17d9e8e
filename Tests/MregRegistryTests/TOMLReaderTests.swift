import MregTestSupport
import Foundation
import Testing
@testable import MregSupport
@testable import MregRegistry

/// Known answers for `TOMLReader`: every value type, the table rules, and every class of error
/// (each refused with a line and column, never an abort), plus the inputs that crashed toml++.
@Suite struct TOMLReaderTests {
    static func parse(_ text: String) throws -> [String: TOMLValue] { try TOMLReader.parse(text) }

    static func value(_ text: String) throws -> TOMLValue? { try parse("v = " + text)["v"] }

    static func dt(_ text: String) throws -> String? {
        guard case .dateTime(let d)? = try value(text) else { return nil }
        return d.description
    }

    static func error(_ text: String) -> TOMLError? {
        do { _ = try TOMLReader.parse(Array(text.utf8)); return nil } catch { return error }
    }

    @Test func stringsAndEscapes() throws {
        #expect(try Self.value(#""a\tb\n\"q\" \\ \u00E9 \U0001F600 \b\f\r""#) == .string("a\tb\n\"q\" \\ é 😀 \u{8}\u{C}\r"))
        #expect(try Self.value("'C:\\path\\x'") == .string("C:\\path\\x"))
        #expect(try Self.value("\"\"\"\nline1\r\nline2\"\"\"") == .string("line1\nline2"))
        #expect(try Self.value("\"\"\"a \\\n    b \\  \n\n  c\"\"\"") == .string("a b c"))
        #expect(try Self.value("\"\"\"q\"\"\"\"\"") == .string("q\"\""))
        #expect(try Self.value("'''\nx'y''z'''''") == .string("x'y''z''"))
        #expect(try Self.value("\"tab\there\"") == .string("tab\there"))
        #expect(try Self.value("\"\\u0000\"") == .string("\u{0}"))
    }

    @Test func integers() throws {
        #expect(try Self.value("+99") == .integer(99))
        #expect(try Self.value("-17") == .integer(-17))
        #expect(try Self.value("1_000_000") == .integer(1_000_000))
        #expect(try Self.value("0xDEAD_beef") == .integer(0xDEADBEEF))
        #expect(try Self.value("0o755") == .integer(0o755))
        #expect(try Self.value("0b1101") == .integer(13))
        #expect(try Self.value("9223372036854775807") == .integer(.max))
        #expect(try Self.value("-9223372036854775808") == .integer(.min))
        #expect(try Self.value("0x7FFFFFFFFFFFFFFF") == .integer(.max))
        #expect(try Self.value("-0") == .integer(0))
    }

    @Test func floatsAndBooleans() throws {
        #expect(try Self.value("3.1415") == .float(3.1415))
        #expect(try Self.value("-0.01") == .float(-0.01))
        #expect(try Self.value("5e+22") == .float(5e22))
        #expect(try Self.value("1E06") == .float(1e6))
        #expect(try Self.value("-2E-2") == .float(-0.02))
        #expect(try Self.value("6.626e-34") == .float(6.626e-34))
        #expect(try Self.value("224_617.445_991") == .float(224617.445991))
        #expect(try Self.value("inf") == .float(.infinity))
        #expect(try Self.value("-inf") == .float(-.infinity))
        guard case .float(let n)? = try Self.value("+nan") else { Issue.record("nan"); return }
        #expect(n.isNaN)
        #expect(try Self.value("true") == .boolean(true))
        #expect(try Self.value("false") == .boolean(false))
    }

    /// Dates and times in the form mreg stored them with toml++ (T separator, trimmed fraction, Z for +00:00).
    @Test func datesAndTimes() throws {
        #expect(try Self.dt("1979-05-27T07:32:00Z") == "1979-05-27T07:32:00Z")
        #expect(try Self.dt("1979-05-27 07:32:00-07:00") == "1979-05-27T07:32:00-07:00")
        #expect(try Self.dt("1979-05-27t00:32:00.999999+00:00") == "1979-05-27T00:32:00.999999Z")
        #expect(try Self.dt("1979-05-27T07:32:00.5000z") == "1979-05-27T07:32:00.5Z")
        #expect(try Self.dt("1979-05-27T07:32:00") == "1979-05-27T07:32:00")
        #expect(try Self.dt("1979-05-27") == "1979-05-27")
        #expect(try Self.dt("07:32:00.1234567891") == "07:32:00.123456789")
        #expect(try Self.dt("00:00:00.000") == "00:00:00")
        #expect(try Self.dt("2024-02-29") == "2024-02-29")
        #expect(try Self.dt("2000-02-29T23:59:59+23:59") == "2000-02-29T23:59:59+23:59")
        #expect(try Self.dt("1979-05-27T07:32:00-00:30") == "1979-05-27T07:32:00-00:30")
        let d = try #require(try Self.value("[1979-05-27 07:32:00 , 1979-05-27 ]"))
        #expect(d == .array([.dateTime(TOMLDateTime(date: .init(year: 1979, month: 5, day: 27), time: .init(hour: 7, minute: 32, second: 0, nanosecond: 0))),
                             .dateTime(TOMLDateTime(date: .init(year: 1979, month: 5, day: 27), time: nil))]))
    }

    @Test func keysTablesAndArrays() throws {
        let doc = try Self.parse("""
            \u{FEFF}# comment
            bare_key-1 = 1
            "quoted key" = 2
            'lit.key' = 3
            a . b."c d" = 4
            1234 = 5
            3.14 = 6
            "" = 7
            mixed = [1, "two", 3.0, [4], { five = 5 }, ]
            nested = [ # comment
              [1, 2],
              [],
            ]
            inline = { x = 1, y.z = 2 }
            [t.u]
            v = 1
            [t]
            w = 2
            [[aot]]
            n = 1
            [aot.sub]
            k = 1
            [[aot]]
            n = 2
            [aot.sub]
            k = 2
            [fruit]
            apple.color = "red"
            [fruit.apple.texture]
            smooth = true
            """)
        #expect(doc["bare_key-1"] == .integer(1))
        #expect(doc["quoted key"] == .integer(2))
        #expect(doc["lit.key"] == .integer(3))
        #expect(doc["a"] == .table(["b": .table(["c d": .integer(4)])]))
        #expect(doc["1234"] == .integer(5))
        #expect(doc["3"] == .table(["14": .integer(6)]))
        #expect(doc[""] == .integer(7))
        #expect(doc["mixed"] == .array([.integer(1), .string("two"), .float(3), .array([.integer(4)]), .table(["five": .integer(5)])]))
        #expect(doc["nested"] == .array([.array([.integer(1), .integer(2)]), .array([])]))
        #expect(doc["inline"] == .table(["x": .integer(1), "y": .table(["z": .integer(2)])]))
        #expect(doc["t"] == .table(["u": .table(["v": .integer(1)]), "w": .integer(2)]))
        #expect(doc["aot"] == .array([.table(["n": .integer(1), "sub": .table(["k": .integer(1)])]),
                                      .table(["n": .integer(2), "sub": .table(["k": .integer(2)])])]))
        #expect(doc["fruit"] == .table(["apple": .table(["color": .string("red"), "texture": .table(["smooth": .boolean(true)])])]))
        #expect(try Self.parse("a = 1\r\n[b]\r\nc = 'x' # c\r\n") == ["a": .integer(1), "b": .table(["c": .string("x")])])
        #expect(try Self.parse("") == [:])
    }

    /// Every class of error: the message names the problem, and the line and column point at it.
    @Test(arguments: [
        // Syntax and layout.
        ("a = 1\nb", 2, 2, "expected '='"), ("a = ", 1, 5, "expected a value"), ("a = 1 2", 1, 7, "expected the end of the line"),
        ("= 1", 1, 1, "expected a key"), ("a = 1\r", 1, 6, "expected the end of the line"), ("a.= 1", 1, 3, "expected a key"),
        ("[a", 1, 3, "expected ']'"), ("[[a]", 1, 4, "expected ']]'"), ("[a]]", 1, 4, "expected the end of the line"), ("[]", 1, 2, "expected a key"),
        ("a = [1 2]", 1, 8, "expected ',' or ']'"), ("a = [1,,2]", 1, 8, "expected a value"), ("a = [1", 1, 5, "not closed"),
        ("a = {b = 1,}", 1, 12, "no ',' may follow"), ("a = {b = 1\n}", 1, 11, "one line"), ("a = {", 1, 6, "expected a key"),
        ("a = 1 # \u{7}", 1, 9, "control character U+0007"), ("\u{FEFF}\u{FEFF}a = 1", 1, 2, "expected a key"),
        ("a = b", 1, 5, "expected a value"), ("a = tru", 1, 5, "expected a value"), ("é = 1", 1, 1, "expected a key"),
        // Strings.
        ("a = \"x", 1, 5, "not closed"), ("a = \"x\ny\"", 1, 5, "not closed on its line"), ("a = \"\\x\"", 1, 6, "\\x is not an escape"),
        ("a = \"\\uD800\"", 1, 6, "not a Unicode scalar"), ("a = \"\\U00110000\"", 1, 6, "not a Unicode scalar"), ("a = \"\\u12\"", 1, 10, "4 hexadecimal digits"),
        ("a = \"\u{1}\"", 1, 6, "control character U+0001"), ("a = '\u{7F}'", 1, 6, "control character U+007F"), ("a = '''x", 1, 5, "not closed"),
        ("a = \"\"\"x\\ y\"\"\"", 1, 11, "only spaces may follow"), ("a = \"\"\"a\rb\"\"\"", 1, 9, "carriage return"), ("a = 'x\r'", 1, 5, "not closed on its line"),
        ("a = \"\"\"\"\"\"\"\"\"", 1, 13, "expected the end of the line"), ("a = \"\"\"\"\"\"\"", 0, 0, ""), ("\"\"\"a\"\"\" = 1", 1, 3, "expected '='"),
        // Numbers.
        ("a = 012", 1, 5, "may not start with 0"), ("a = 1__0", 1, 5, "not a valid number"), ("a = _1", 1, 5, "expected a value"), ("a = 1_", 1, 5, "not a valid number"),
        ("a = 0x", 1, 5, "hexadecimal"), ("a = 0xG", 1, 5, "hexadecimal"), ("a = 0o8", 1, 5, "octal"), ("a = 0b2", 1, 5, "binary"), ("a = +0x1", 1, 5, "not a valid number"),
        ("a = 0X1", 1, 5, "not a valid number"), ("a = 9223372036854775808", 1, 5, "does not fit in 64 bits"), ("a = -9223372036854775809", 1, 5, "64 bits"),
        ("a = 0x8000000000000000", 1, 5, "64 bits"), ("a = 1.", 1, 5, "not a valid float"), ("a = .5", 1, 5, "expected a value"), ("a = 1e", 1, 5, "exponent"),
        ("a = 1._5", 1, 5, "not a valid float"), ("a = 1e_5", 1, 5, "exponent"), ("a = Inf", 1, 5, "expected a value"), ("a = --1", 1, 5, "not a valid number"), ("a = 1.2.3", 1, 5, "not a valid number"),
        // Dates and times.
        ("a = 1979-13-01", 1, 5, "month 13"), ("a = 1979-02-29", 1, 5, "has no day 29"), ("a = 1900-02-29", 1, 5, "has no day 29"), ("a = 1979-04-31", 1, 5, "has no day 31"),
        ("a = 1979-00-10", 1, 5, "month 0"), ("a = 1979-01-00", 1, 5, "no day 0"), ("a = 24:00:00", 1, 5, "out of range"), ("a = 12:60:00", 1, 5, "out of range"),
        ("a = 12:00:60", 1, 5, "out of range"), ("a = 12:00", 1, 10, "seconds are required"), ("a = 1979-05-27T", 1, 16, "2-digit hour"), ("a = 1979-05-27T07:32:00+24:00", 1, 5, "offset"),
        ("a = 1979-05-27T07:32:00+05", 1, 27, "+HH:MM"), ("a = 1979-05-27T07:32:00.", 1, 25, "digits after the '.'"), ("a = 1979-5-27", 1, 11, "2-digit month"),
        ("a = 07:32:00Z", 1, 13, "expected the end of the line"), ("a = 1979-05-27 0", 1, 17, "2-digit hour"), ("a = 1979-05-27 07:32", 1, 21, "seconds are required"),
        // Tables and keys defined twice, or added to when complete.
        ("a = 1\na = 2", 2, 1, "defined twice"), ("[a]\n[a]", 2, 1, "defined twice"), ("[a]\nb = 1\n[a.b]", 3, 1, "already a value"),
        ("a = {}\n[a]", 2, 1, "already a value"), ("a = {b = 1}\na.c = 2", 2, 1, "already a value"), ("a = {b = 1}\n[a.c]", 2, 1, "already a value"),
        ("a = []\n[[a]]", 2, 1, "already a value"), ("a = [{}]\n[a.b]", 2, 1, "already a value"), ("[a]\n[[a]]", 2, 1, "already a table"), ("[[a]]\n[a]", 2, 1, "array of tables"),
        ("[a.b]\n[a]\nb.c = 1", 3, 1, "its own [header]"), ("[fruit]\napple.color = 1\n[fruit.apple]", 3, 1, "made by dotted keys"),
        ("a.b = 1\n[x]\n[a]", 3, 1, "made by dotted keys"), ("[[a]]\nb.c = 1\n[a.b]", 3, 1, "made by dotted keys"), ("[[t.a]]\n[t]\na.y = 1\n", 3, 1, "array of tables: dotted keys"),
        ("v = {a = 1, a = 2}", 1, 13, "defined twice in this inline table"), ("v = {a = {b = 1}, a.c = 2}", 1, 19, "already a value"), ("a.b = 1\na.b.c = 2", 2, 1, "already a value"),
        ("[t]\na = 1\n[t.a]\n", 3, 1, "already a value"), ("[[t]]\n[t.a]\n[t.a]", 3, 1, "defined twice"),
        // Encoding.
        ("a = \"\u{FFFD}\"", 0, 0, ""),
    ] as [(String, Int, Int, String)])
    func errorsNameTheProblemAndPlace(_ text: String, _ line: Int, _ column: Int, _ needle: String) throws {
        if line == 0 { #expect(Self.error(text) == nil); return }
        let e = try #require(Self.error(text), "accepted: \(text.debugDescription)")
        #expect(e.line == line && e.column == column, "\(text.debugDescription): \(e)")
        #expect(e.message.contains(needle), "\(text.debugDescription): \(e)")
        #expect(!e.description.contains("\n") && e.description.hasPrefix("line \(line), column \(column): "), "\(e)")
    }

    @Test func badUTF8IsRefusedWithItsPlace() throws {
        for (bytes, column) in [([0x61, 0x3D, 0x22, 0xFF, 0x22] as [UInt8], 4), ([0x61, 0x3D, 0x22, 0xC0, 0xAF, 0x22], 4),
                                ([0x61, 0x3D, 0x22, 0xED, 0xA0, 0x80, 0x22], 4), ([0x61, 0x3D, 0x22, 0xE2, 0x82], 4), ([0x61, 0x3D, 0x22, 0xF4, 0x90, 0x80, 0x80], 4)] {
            let e = try #require(throws: TOMLError.self) { try TOMLReader.parse(bytes) }
            #expect(e.line == 1 && e.column == column && e.message.contains("UTF-8"), "\(bytes): \(e)")
        }
    }

    /// Nesting past `maximumDepth` is refused (arrays, inline tables, headers, dotted keys, arrays of
    /// tables), however deep the input goes, without overflowing the stack; 100 levels are fine.
    @Test func nestingIsBounded() throws {
        let deep = 1_000_000
        for text in [
            "a = " + String(repeating: "[", count: deep), "a = " + String(repeating: "{b=", count: deep),
            "[" + String(repeating: "a.", count: 100) + "a]", String(repeating: "a.", count: 20_000) + "a = 1",
            "x = { " + String(repeating: "a.", count: 100) + "a = 1 }", "[[a]]\n[a.b]\n[" + String(repeating: "a.", count: 99) + "a]",
            String(repeating: "[", count: deep) + "a",
        ] {
            let e = try #require(throws: TOMLError.self) { try TOMLReader.parse(text) }
            #expect(e.line == 1 || e.line == 3, "\(e)")
        }
        let ok = "a = " + String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        var v = try #require(try TOMLReader.parse(ok)["a"])
        for _ in 1..<100 { guard case .array(let items) = v, let first = items.first else { Issue.record("shape"); return }; v = first }
        #expect(v == .array([]))
        #expect(throws: TOMLError.self) { try TOMLReader.parse("a = " + String(repeating: "[", count: 101) + String(repeating: "]", count: 101)) }
        #expect(try TOMLReader.parse("[" + Array(repeating: "a", count: 100).joined(separator: ".") + "]").count == 1)
    }

    /// What made toml++ abort (kept from the precheck's tests and `make fuzz`), now refused with a line and column.
    @Test(arguments: ["[=]\nx = 1", "[.a]\nx = 1", "[é]\nx = 1", "[[é]]\nx = 1", "x = 1\n  [ =]",
                      "a = 1979-05-27t:", "when = 1979-05-27TH\u{1F}07:32:00Z", "w = [1979-05-27T+7:66]",
                      "\r\n[\n", "a = 1\r\n[=]\r\nb = 2", "\u{FEFF}[=]", "\u{FEFF}  [é]\nx = 1", "\u{FEFF}\r\n[=]",
                      "e=[}", "e = [1,\n# c\n}", "e = { a = [ } }", "e = [\u{2028}}", "e = { a = 1 ]",
                      "n= 1959-04-le 0\n", "d = [1979-05-27 0]", "d = 0000-00-00 1#", "d = 1979-05-27 0",
                      "n=1959-_04-le 0\n", "n = 1_9_5_9-04-27 1,"])
    func inputsThatAbortedTOMLPlusPlusAreRefused(_ text: String) throws {
        let e = try #require(throws: TOMLError.self) { try TOMLReader.parse(text) }
        #expect(e.line >= 1 && e.column >= 1)
        #expect(throws: RegistryError.self) { try ParamsLoader.parseTOML(text, path: "p.toml") }
    }

    @Test(arguments: ["[a.b.\"c d\".'e']\nx = 1.5", "x = [\n  [+1, 0.5],\n  [2.5, 3.5],\n]",
                      "s = \"\"\"\n[=]\n\"\"\"", "t = '''\n[.a]\n'''", "# [=]\nx = 1 # [é]",
                      "v = [" + (0..<200).map { "\($0).5" }.joined(separator: ", ") + "]",
                      "d = 2026-03-01T12:00:00.5Z", "[\"é\"]\nx = 1", "d = 1979-05-27 07:32:00", "d = 1979-05-27t07:32:00",
                      "d = 1979-05-27", "1979-05-27a = 1", "[a]\r\nb = 1\r\n[c.d]\r\ne = 'x'\r\n",
                      "e = [ { a = [1, 2] }, { b = { c = [] } } ]", "e = [\n  [1, 2],\n  { x = '}' },\n]",
                      "d = 1979-05-27 07:32:00\nn = [1979-05-27 07:32:00Z, 2000-01-01]"])
    func ordinaryTOMLIsRead(_ text: String) throws {
        #expect(try !TOMLReader.parse(text).isEmpty)
    }

    /// Params files map TOML to JSON as they did with toml++: dates and times become their TOML text.
    @Test func paramsMapDatesToTextAndKeepNumbers() throws {
        let v = try ParamsLoader.parseTOML("i = 0x10\nf = 1e3\nd = 1979-05-27 07:32:00.500+00:00\nt = 07:32:00\nl = 1979-05-27\nb = [true]\n", path: "p.toml")
        #expect(v == .object(["i": .int(16), "f": .double(1000), "d": .string("1979-05-27T07:32:00.5Z"), "t": .string("07:32:00"),
                              "l": .string("1979-05-27"), "b": .array([.bool(true)])]))
        #expect(throws: RegistryError.self) { try ParamsLoader.parseTOML("a = 1\na = 2", path: "p.toml") }
        do {
            _ = try ParamsLoader.parseTOML("a = [1\n", path: "p.toml")
            Issue.record("accepted")
        } catch {
            #expect("\(error)".contains("not valid TOML: line 1, column 5: this list is not closed"), "\(error)")
        }
    }
}
