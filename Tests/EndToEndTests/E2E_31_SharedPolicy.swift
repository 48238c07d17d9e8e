import Foundation
import Testing

/// A shared store's policy travels to clones and pulls, and guards pushes.
@Suite struct SharedPolicyTests {
    @Test func theSharedStoresPolicyGovernsPushAndIsAdoptedByPull() throws {
        try withMreg { mreg, work in
            let shared = "\(work)/shared", alice = "\(work)/alice"
            try mreg.run(["init", "-q", shared], cwd: work).succeeded()
            try writeFile("\(shared)/.mreg/policy.toml", """
                [stages.production]
                from = ["staging"]
                require_reason = true
                """)
            try mreg.run(["init", "-q", alice], cwd: work).succeeded()
            try mreg.run(["remote", "add", "origin", shared], cwd: alice).succeeded()
            try writeFile("\(alice)/w.bin", "weights")
            try mreg.run(["register", "m", "w.bin"], cwd: alice).succeeded()
            // Alice has no policy yet: her promotion is not judged by the team's rules.
            try mreg.run(["promote", "m@1", "production"], cwd: alice).succeeded()
            let before = snapshot("\(shared)/.mreg/refs")
            let push = try mreg.run(["push"], cwd: alice)
            #expect(push.status != 0, "\(push)")
            #expect((push.stdout + push.stderr).contains("not judged under the remote's policy"), "\(push)")
            #expect(differences(before, snapshot("\(shared)/.mreg/refs")).isEmpty)

            // A fresh clone gets the policy, and then promotions are judged by it.
            try mreg.run(["clone", "-q", shared, "\(work)/bob"], cwd: work).succeeded()
            #expect(try readFile("\(work)/bob/.mreg/policy.toml") == readFile("\(shared)/.mreg/policy.toml"))
            try writeFile("\(work)/bob/w.bin", "bob's weights")
            try mreg.run(["register", "m", "w.bin"], cwd: "\(work)/bob").succeeded()
            let refused = try mreg.run(["promote", "m@1", "production", "--reason", "x"], cwd: "\(work)/bob")
            #expect(refused.status != 0 && refused.stderr.contains("staging"), "\(refused)")
            try mreg.run(["promote", "m@1", "staging"], cwd: "\(work)/bob").succeeded()
            try mreg.run(["promote", "m@1", "production", "--reason", "passed review"], cwd: "\(work)/bob").succeeded()
            try mreg.run(["push"], cwd: "\(work)/bob").succeeded()
            #expect(try mreg.run(["show", "m@production", "--json"], cwd: shared).succeeded().stdout.contains("\"version\": 1"))
        }
    }
}
