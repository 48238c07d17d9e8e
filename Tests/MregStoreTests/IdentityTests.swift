import Foundation
import MregTestSupport
import Testing
@testable import MregStore

@Suite("Identity")
struct IdentityTests {
    /// An environment in which git finds no config of its own: HOME is `home`, no system
    /// file, no repository; the user's mreg config is `home/mregconfig`.
    static func bare(_ home: String) -> [String: String] {
        ["HOME": home, "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "GIT_CONFIG_NOSYSTEM": "1",
         "GIT_DIR": "\(home)/no-repository", "MREG_CONFIG_GLOBAL": "\(home)/mregconfig"]
    }

    @Test func noneConfiguredIsNoIdentityNotTheOperatingSystemUser() throws {
        try withTemporaryDirectory { tmp in
            let env = Self.bare(tmp)
            let (repo, _) = try Repository.initialize(at: "\(tmp)/s", environment: env)
            #expect(Identity.resolve(repository: repo, environment: env) == nil)
            #expect(Identity.resolve(repository: nil, environment: env) == nil)
            // Half an identity, or blank values, are none either.
            #expect(Identity.resolve(repository: repo, environment: env.merging(["MREG_USER_NAME": "Ada"]) { $1 }) == nil)
            #expect(Identity.resolve(repository: repo, environment: env.merging(["MREG_USER_NAME": " ", "MREG_USER_EMAIL": ""]) { $1 }) == nil)
        }
    }

    @Test func environmentThenStoreThenUserConfigPartByPart() throws {
        try withTemporaryDirectory { tmp in
            let env = Self.bare(tmp)
            try writeFile("\(tmp)/mregconfig", "[user]\n\tname = Global\n\temail = global@example.com\n")
            var (repo, _) = try Repository.initialize(at: "\(tmp)/s", environment: env)
            #expect(Identity.resolve(repository: repo, environment: env) == Identity(name: "Global", email: "global@example.com"))
            try repo.setConfig("user.name", "Store")
            #expect(Identity.resolve(repository: repo, environment: env) == Identity(name: "Store", email: "global@example.com"))
            let withEnv = env.merging(["MREG_USER_EMAIL": "env@example.com"]) { $1 }
            #expect(Identity.resolve(repository: repo, environment: withEnv) == Identity(name: "Store", email: "env@example.com"))
        }
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/git"), "needs git"))
    func gitsConfigComesLast() throws {
        try withTemporaryDirectory { tmp in
            let env = Self.bare(tmp)
            try writeFile("\(tmp)/.gitconfig", "[user]\n\tname = Git User\n\temail = git@example.com\n")
            let (repo, _) = try Repository.initialize(at: "\(tmp)/s", environment: env)
            #expect(Identity.resolve(repository: repo, environment: env) == Identity(name: "Git User", email: "git@example.com"))
            let named = env.merging(["MREG_USER_NAME": "Ada"]) { $1 }
            #expect(Identity.resolve(repository: repo, environment: named) == Identity(name: "Ada", email: "git@example.com"))
        }
    }
}
