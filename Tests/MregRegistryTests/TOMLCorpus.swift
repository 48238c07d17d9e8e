import Foundation

/// Several hundred TOML documents, valid and invalid, covering the TOML 1.0 specification: every
/// value form in three places (a key, a list, an inline table), the key and table rules, layout,
/// encodings, and every prefix of a few rich documents. For `TOMLReaderDifferentialTests`.
enum TOMLCorpus {
    /// Values, valid and not (the reference reader decides which).
    static let values: [String] = [
        // Strings.
        #""a""#, #""""#, #""\u00e9 \U0001F600""#, #""\ud800""#, #""\uDFFF""#, #""\U00110000""#, #""\x41""#, #""\e""#, #""\u12""#,
        #""\b\t\n\f\r\"\\""#, #""a\ b""#, "'lit\\'", "'a''", "'it''s'", "\"\"\"x\"\"\"", "\"\"\"\nx\n\"\"\"", "\"\"\"\r\nx\r\n\"\"\"",
        "\"\"\"a\\\n  b\"\"\"", "\"\"\"a\\   \n\n  b\"\"\"", "\"\"\"a\\ b\"\"\"", "\"\"\"a\\\r\n b\"\"\"", "'''a'''''", "'''a''''''", "\"\"\"\"\"\"\"",
        "\"\"\"\"\"\"", "''''''", "\"\"\"a\"\"\"\"\"", "\"\"\"a\"\"\"\"\"\"", "\"\"\"a\\\"\"\"\"", "\"\ttab\"", "\"\u{7}\"", "'\u{7F}'",
        "\"a\r\nb\"", "'''a\rb'''", "\"\"\"a\rb\"\"\"", "\"é\u{2028}\"", "'''\n'''", "\"\"\"\n\n\"\"\"", "\"\\u0000\"", "\"unclosed", "'unclosed",
        "\"\"\"unclosed", "'''unclosed\n", "\"a\" \"b\"", "\"\\", "\"\\U0010FFFF\"", "\"\\uFFFF\"",
        // Integers.
        "0", "+0", "-0", "00", "01", "-01", "1_000", "1__0", "_1", "1_", "0_0", "0x1F", "0x1f", "0X1F", "0x_1", "0x1_F", "0x1__F", "-0x1", "+0x1",
        "0o17", "0o8", "0o_1", "0b101", "0b", "0b2", "0x", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
        "-9223372036854775809", "0x7FFFFFFFFFFFFFFF", "0xFFFFFFFFFFFFFFFF", "0b" + String(repeating: "1", count: 63), "0b1" + String(repeating: "0", count: 63),
        "0o777777777777777777777", "0o1000000000000000000000", "12345678901234567890123", "+", "-", "1-2", "1+2", "0xG",
        // Floats.
        "1.0", "1.", ".1", "1.e5", "1e5", "1E+5", "1e-05", "1e_5", "1e5_", "1_0.0_1", "0.0", "-0.0", "+1.5", "00.5", "0e0", "01e1", "0.1e01",
        "1e400", "-1e400", "3.14e-1000", "1_2_3.4_5e6_7", "1.2.3", "1e2e3", "1.5e", "1.5e+", "1._5", "1_.5", "1e1.5", "6.02e23", "0.1",
        "inf", "+inf", "-inf", "nan", "+nan", "-nan", "infinity", "Inf", "NaN", "-in", "nanx", "inf_", "1_e5",
        // Booleans.
        "true", "false", "True", "FALSE", "tru", "truex", "falsey", "t",
        // Dates and times.
        "1979-05-27", "1979-05-27T07:32:00", "1979-05-27 07:32:00", "1979-05-27t07:32:00z", "1979-05-27T07:32:00Z",
        "1979-05-27T07:32:00+01:30", "1979-05-27T07:32:00-00:00", "1979-05-27T07:32:00-23:59", "1979-05-27T07:32:00.123",
        "1979-05-27T07:32:00.1234567891", "1979-05-27T07:32:00.999999999Z", "1979-05-27T07:32:00.", "1979-05-27T07:32", "1979-05-27T7:32:00",
        "1979-5-27", "1979-05-7", "79-05-27", "19790-05-27", "2020-02-29", "2021-02-29", "1900-02-29", "2000-02-29", "2021-04-31",
        "2021-06-30", "2021-13-01", "2021-00-01", "2021-01-32", "2021-01-00", "07:32:00", "07:32:00.5", "00:00:00.000001", "24:00:00",
        "23:60:00", "23:59:60", "23:59:59", "7:32:00", "07:32", "07:32:00Z", "07:32:00+01:00", "1979-05-27T07:32:00+24:00",
        "1979-05-27T07:32:00+23:60", "1979-05-27T07:32:00+0100", "1979-05-27T07:32:00+1:00", "1979-05-27T", "1979-05-27 07:32:00 Z",
        "1979-05-27_07:32:00", "1979-05-27T07:32:00ZZ", "1979-05-27 7", "1979-05-27  07:32:00", "1979-05-27T07:32:00.5-08:00",
        // Arrays.
        "[]", "[ ]", "[1,]", "[,]", "[1,,2]", "[1 2]", "[\n1,\n2\n]", "[ # c\n 1 # c\n , 2 ]", "[1, \"a\", [true], {a=1}]", "[[]]",
        "[[1],[2,]]", "[{},{}]", "[", "[1", "]", "[}", "[1,\n# c\n]", "[\r\n1\r\n]", "[1\r2]", "[ 'a', \"\"\"b\"\"\", '''c''' ]",
        "[1979-05-27 , 07:32:00]", "[inf,-nan]", "[ [ [ 1 ] ] ]", "[{a = [{b = 1}]}]",
        // Inline tables.
        "{}", "{ }", "{a=1}", "{a=1,}", "{a=1,b=2}", "{a.b=1, a.c=2}", "{a=1, a=2}", "{a={}, a.b=1}", "{a.b=1, a=2}", "{a.b=1, a.b.c=2}",
        "{\na=1}", "{a=1\n}", "{a=[\n1\n]}", "{ \"q k\" = 1, 'l' = 2 }", "{a=1 b=2}", "{=1}", "{a}", "{a=}", "{,}", "{a=1,,b=2}",
        "{ a = { b = { c = 1 } } }", "{ a.\"b\".c = 1 }", "{a=\"\"\"\nx\"\"\"}", "{ a = 1 } x", "{a = 1 # c\n}",
    ]

    /// Whole documents: keys, headers, the rules on defining things once, layout and encodings.
    static let documents: [String] = [
        "", "\n", "# only a comment", "a = 1", "a = 1\n", "a=1", "a\t=\t1\t#\tc", "  a = 1  ", "a = 1 # comment \u{7}", "a = 1 # \u{7F}",
        "a = 1 # é ✓", "a = 1 #\t tab", "a = 1\r\n", "a = 1\r", "a = 1\rb = 2", "\u{FEFF}a = 1", "a = 1\n\u{FEFF}b = 2", "\u{0}", "a = 1\u{0}",
        "bare_key-1 = 1", "1234 = 1", "-_ = 1", "é = 1", "\"é\" = 1", "'é' = 1", "\"\" = 1", "'' = 1", "= 1", "a", "a =", "a = ",
        "a b = 1", "a.b = 1", "a . b = 1", "a.\"b.c\".'d' = 1", "3.14159 = 'pi'", "a. = 1", ".a = 1", "a..b = 1", "\"\"\"a\"\"\" = 1",
        "'''a''' = 1", "\"a\nb\" = 1", "a = 1\na = 2", "a = 1\n\"a\" = 2", "a = 1\n'a' = 2", "a.b = 1\na.c = 2", "a.b = 1\na = 2",
        "a = 1\na.b = 2", "a.b.c = 1\na.b = 2", "a.b = 1\na.b.c = 2", "a = {}\na.b = 1", "a = []\na.b = 1",
        "[a]", "[a]\n[a]", "[a.b]\n[a]", "[a]\n[a.b]", "[a]\nb = 1\n[a.b]", "[a]\nb.c = 1\n[a.b]", "[a]\nb.c = 1\n[a.b.d]",
        "[a.b.c]\n[a]\nb.d = 1", "[a.b.c]\n[a]\nb.d = 1\n[a.b]", "[a.b]\n[a]\nb.c = 1", "a.b = 1\n[a]", "a.b = 1\n[a.c]",
        "[ a ]", "[ a . b ]", "[\"a b\".'c']", "[a b]", "[a.]", "[.a]", "[]", "[=]", "[a]b = 1", "[a] # c\nb = 1", "[a]]", "[[a]", "[ [a]]",
        "[[a] ]", "[[ a ]]", "[[a]]\n[[a]]", "[[a]]\nb = 1\n[[a]]\nb = 2", "[a]\n[[a]]", "[[a]]\n[a]", "a = []\n[[a]]", "a = [{}]\n[[a]]",
        "a = [{}]\n[a.b]", "a = {}\n[a]", "a = {b = 1}\n[a.c]", "a = 1\n[a]", "a = 1\n[[a]]", "[[a]]\n[a.b]\nc = 1\n[[a]]\n[a.b]\nc = 2",
        "[[a]]\n[a.b]\n[a.b]", "[[a.b]]\n[a]\n", "[[a.b]]\n[[a]]", "[[a]]\n[[a.b]]\n[[a.b]]\n[[a]]\n[[a.b]]", "[[a]]\nb.c = 1\n[a.b]",
        "[[a]]\nb.c = 1\n[[a]]\nb.c = 2", "[[a]]\n[x]\n[a.y]", "[fruit]\napple.color = 'red'\napple.taste.sweet = true\n[fruit.apple.texture]\nsmooth = true",
        "[fruit]\napple.color = 'red'\n[fruit.apple]", "[product]\ntype = { name = 'Nail' }\n[product.type.sub]", "[product]\ntype.name = 'Nail'\ntype = { edible = false }",
        "[a]\nb = 1\n\n[c]\nd = 2\n[a.e]\nf = 3", "[x.y.z.w]\n[x]", "[x]\n[x.y.z.w]\n[x.y]", "[t]\na = 1\n[t.a]\n",
        "a = 1 b = 2", "a = 1, b = 2", "a = \"x\" y", "[a] [b]", "a = 1\n  \t\n\n# c\n\nb = 2", "a = '''\n'''  # c",
        "k = \"\"\"\nThe quick brown \\\n\n\n  fox jumps over \\\n    the lazy dog.\"\"\"",
        "str = 'C:\\Users\\nodejs\\templates'\nregex = '<\\i\\c*\\s*>'\nquoted = 'Tom \"Dubs\" Preston-Werner'",
        "[servers]\n\n  [servers.alpha]\n  ip = \"10.0.0.1\"\n  role = \"frontend\"\n\n  [servers.beta]\n  ip = \"10.0.0.2\"",
        "points = [ { x = 1, y = 2, z = 3 },\n           { x = 7, y = 8, z = 9 },\n           { x = 2, y = 4, z = 8 } ]",
        "[[products]]\nname = \"Hammer\"\nsku = 738594937\n\n[[products]]  # empty table within the array\n\n[[products]]\nname = \"Nail\"\ncolor = \"gray\"",
        "[[fruits]]\nname = \"apple\"\n[fruits.physical]\ncolor = \"red\"\n[[fruits.varieties]]\nname = \"red delicious\"\n[[fruits]]\nname = \"banana\"\n[[fruits.varieties]]\nname = \"plantain\"",
        "[[fruits]]\n[[fruits.varieties]]\n[fruits.varieties]", "[fruit.physical]\ncolor = 'red'\n[[fruit]]", "[[fruits]]\n[fruits.physical]\n[[fruits.physical]]",
    ]

    /// Rich documents whose every prefix is a test (most are invalid: cut strings, headers, dates, UTF-8).
    static let prefixed: [String] = [
        "[a.\"b c\"]\nx = [1, 2.5, 'é', { y = 1979-05-27T07:32:00.5+01:00 }] # c\r\n[[d]]\ne = \"\"\"\\u00e9\n\"\"\"",
        "s = '''\n  lit'''\nt = \"\\U0001F600\\t\"\nn = -0x1 \nf = -6.5e-3\nd = 07:32:00.25\n",
        "a.b = { c = [true, false], d = 0b1_0 }\n[[x.y]]\nz = +inf\n",
    ]

    /// Every document, as bytes.
    static func all() -> [[UInt8]] {
        var out: [[UInt8]] = []
        for v in values {
            out.append(Array("v = \(v)\n".utf8))
            out.append(Array("a = [\(v)]\n".utf8))
            out.append(Array("t = { v = \(v) }\n".utf8))
        }
        for d in documents { out.append(Array(d.utf8)) }
        for d in prefixed {
            let bytes = Array(d.utf8)
            for n in 0...bytes.count { out.append(Array(bytes[0..<n])) }
        }
        // Invalid UTF-8, overlong forms, surrogates, and a byte order mark in the middle.
        for bad: [UInt8] in [[0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0xEF, 0xBB, 0xBF], [0xC3, 0xA9]] {
            out.append(Array("a = \"".utf8) + bad + Array("\"\n".utf8))
            out.append(Array("# ".utf8) + bad + [0x0A])
        }
        return out
    }
}
