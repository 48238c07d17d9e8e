import MregTestSupport
import Foundation
import Testing
@testable import MregSupport
@testable import MregRegistry

/// A params file is bounded once YAML aliases are expanded ("billion laughs").
@Suite struct ParamsLimitsTests {
    static let bomb = """
        a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
        b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
        c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
        d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
        e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
        f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
        g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
        """

    @Test func anAliasBombIsRefusedQuickly() {
        let start = Date()
        #expect(throws: RegistryError.self) { try ParamsLoader.parseYAML(Self.bomb, path: "p.yaml") }
        #expect(Date().timeIntervalSince(start) < 5)
    }

    @Test func aliasesWithinTheLimitExpand() throws {
        let value = try ParamsLoader.parseYAML("base: &b {lr: 0.01}\nrun: *b\n", path: "p.yaml")
        #expect(value["run"]?["lr"] == .double(0.01))
    }
}
