import MregTestSupport
import Foundation
import Testing
@testable import MregSupport
@testable import MregRegistry

/// TOML that makes the bundled toml++ abort (an assertion) or overflow its stack is refused
/// before it reaches it, with a line and column; ordinary TOML passes through untouched.
@Suite struct TOMLPrecheckTests {
    @Test(arguments: ["[=]\nx = 1", "[.a]\nx = 1", "[é]\nx = 1", "[[é]]\nx = 1", "x = 1\n  [ =]",
                      String(repeating: "a.", count: 20_000) + "a = 1",
                      "[" + String(repeating: "a.", count: 100) + "a]",
                      "x = { " + String(repeating: "a.", count: 100) + "a = 1 }",
                      // Found by `make fuzz` (toml++ asserts a digit after the 'T' of a date-time).
                      "a = 1979-05-27t:", "when = 1979-05-27TH\u{1F}07:32:00Z", "w = [1979-05-27T+7:66]",
                      // A header after a CRLF line ("\r\n" is one Character; the scan splits on scalars).
                      "\r\n[\n", "a = 1\r\n[=]\r\nb = 2",
                      // A header after a byte order mark (toml++ skips one at the start).
                      "\u{FEFF}[=]", "\u{FEFF}  [é]\nx = 1", "\u{FEFF}\r\n[=]",
                      // '}' where an array expects a value (toml++ asserts), and any closer that does not match.
                      "e=[}", "e = [1,\n# c\n}", "e = { a = [ } }", "e = [\u{2028}}", "e = { a = 1 ]",
                      // A date, a space and one digit (toml++ reads past the value and asserts).
                      "n= 1959-04-le 0\n", "d = [1979-05-27 0]", "d = 0000-00-00 1#", "d = 1979-05-27 0",
                      "n=1959-_04-le 0\n", "n = 1_9_5_9-04-27 1,"])
    func hostileTOMLIsRefusedBeforeTheParser(_ text: String) {
        #expect(throws: TOMLPrecheck.Problem.self) { try TOMLPrecheck.check(text) }
        #expect(throws: RegistryError.self) { try ParamsLoader.parseTOML(text, path: "p.toml") }
    }

    @Test(arguments: ["[a.b.\"c d\".'e']\nx = 1.5", "x = [\n  [+1, .5],\n  [2.5, 3.5],\n]",
                      "s = \"\"\"\n[=]\n\"\"\"", "t = '''\n[.a]\n'''", "# [=]\nx = 1 # [é]",
                      "v = [" + (0..<200).map { "\($0).5" }.joined(separator: ", ") + "]",
                      "d = 2026-03-01T12:00:00.5Z", "[\"é\"]\nx = 1", "d = 1979-05-27 07:32:00", "d = 1979-05-27t07:32:00",
                      "d = 1979-05-27", "1979-05-27a = 1", "[a]\r\nb = 1\r\n[c.d]\r\ne = 'x'\r\n",
                      "e = [ { a = [1, 2] }, { b = { c = [] } } ]", "e = [\n  [1, 2],\n  { x = '}' },\n]",
                      "d = 1979-05-27 07:32:00\nn = [1979-05-27 07:32:00Z, 2000-01-01]"])
    func ordinaryTOMLPasses(_ text: String) throws {
        try TOMLPrecheck.check(text)
    }
}
