import Foundation
import MregTestSupport
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

@Suite struct ResignOnPullTests {
    @Test(.enabled(if: which("ssh-keygen") != nil, "needs ssh-keygen"))
    func pullSignsReplayedPromotionsAgain() throws {
        try withMreg { mreg, work in
            let keygen = which("ssh-keygen")!
            for who in ["alice", "bob"] {
                try mreg.runProgram(keygen, ["-q", "-t", "ed25519", "-N", "", "-f", "\(work)/\(who)-key"], cwd: work).succeeded()
            }
            let shared = "\(work)/shared"
            try mreg.run(["init", "-q", shared], cwd: work).succeeded()
            let signers = try ["alice", "bob"].map { who in
                "\(who)@example.com " + String(decoding: try readFile("\(work)/\(who)-key.pub"), as: UTF8.self)
            }.joined()
            try writeFile("\(shared)/.mreg/allowed_signers", signers)
            try writeFile("\(shared)/.mreg/policy.toml", """
                [stages.production]
                signed = true
                [signing]
                allowed_signers = "allowed_signers"
                """)
            var env = [String: [String: String?]]()
            for who in ["alice", "bob"] {
                try mreg.run(["clone", "-q", shared, "\(work)/\(who)"], cwd: work).succeeded()
                try mreg.run(["config", "user.signingKey", "\(work)/\(who)-key"], cwd: "\(work)/\(who)").succeeded()
                env[who] = ["MREG_USER_NAME": who, "MREG_USER_EMAIL": "\(who)@example.com"]
            }
            // Both promote, signed; bob pushes first.
            for who in ["bob", "alice"] {
                let dir = "\(work)/\(who)"
                try writeFile("\(dir)/w.bin", "\(who)'s weights")
                try mreg.run(["register", "m", "w.bin"], cwd: dir, env: env[who]!).succeeded()
                try mreg.run(["promote", "m@1", "production", "--sign"], cwd: dir, env: env[who]!).succeeded()
            }
            try mreg.run(["push"], cwd: "\(work)/bob", env: env["bob"]!).succeeded()
            #expect(try mreg.run(["push"], cwd: "\(work)/alice", env: env["alice"]!).status == 3)  // refused: not a fast-forward
            // Both moved production: a conflict, which alice resolves by replaying hers over bob's.
            #expect(try mreg.run(["pull"], cwd: "\(work)/alice", env: env["alice"]!).status == 3)
            let pull = try mreg.run(["pull", "--ours"], cwd: "\(work)/alice", env: env["alice"]!).succeeded()
            #expect(pull.stdout.contains("signed again"), "\(pull)")
            try mreg.run(["push"], cwd: "\(work)/alice", env: env["alice"]!).succeeded()
            let verify = try mreg.run(["verify", "m"], cwd: shared)
            #expect(verify.status == 0, "\(verify)")
            let log = try RegisterTests.json(try mreg.run(["log", "m", "--stage", "production", "--json"], cwd: shared).succeeded()) as! [[String: Any]]
            #expect(log.map { $0["signer"] as? String } == ["alice@example.com", "bob@example.com"])
        }
    }
}
