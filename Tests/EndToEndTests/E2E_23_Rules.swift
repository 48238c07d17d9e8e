import Foundation
import MregTestSupport
import Testing

/// Business rules live in the library, so every entry point agrees (issue 10, item 8).
@Suite struct RulesTests {
    @Test func policyCheckAndPromoteAgreeOnABareModelName() throws {
        try withStore { mreg, dir in
            try LifecycleTests.twoVersions(mreg, dir)
            let before = snapshot("\(dir)/.mreg")
            let promote = try mreg.run(["promote", "fraud", "production"], cwd: dir)
            let check = try mreg.run(["policy", "check", "fraud", "production"], cwd: dir)
            #expect(promote.status != 0 && check.status != 0)
            #expect(promote.stderr.contains("say which version to promote") && promote.stderr.contains("its latest is v2"))
            #expect(check.stderr.contains("say which version to promote"))
            #expect(differences(before, snapshot("\(dir)/.mreg")).isEmpty)
            try mreg.run(["policy", "check", "fraud@latest", "production"], cwd: dir).succeeded()
        }
    }

    @Test func stageListsAreCheckedWhenSet() throws {
        try withStore { mreg, dir in
            let before = try readFile("\(dir)/.mreg/config")
            for bad in ["Dev,QA", "dev,,qa", "dev,qa,", "dev,dev", " ", "1st,qa", "dev,latest", "v3,prod"] {
                let r = try mreg.run(["config", "registry.stages", bad], cwd: dir)
                #expect(r.status != 0, "registry.stages '\(bad)' was accepted")
                #expect(r.stderr.split(separator: "\n").count == 1)
            }
            #expect(try readFile("\(dir)/.mreg/config") == before)
            try mreg.run(["config", "registry.stages", "dev, qa,prod"], cwd: dir).succeeded()
        }
    }

    @Test func aNewModelCloseToAnExistingOneIsNamedInJSONToo() throws {
        try withStore { mreg, dir in
            try RegisterTests.trainingRun(dir)
            try mreg.run(["register", "fraud-detector", "out"], cwd: dir).succeeded()
            try writeFile("\(dir)/out/extra.txt", "x")
            let typo = try mreg.run(["register", "fraud-detectr", "out"], cwd: dir).succeeded()
            #expect(typo.stderr.contains("did you mean 'fraud-detector'"))
            let other = try mreg.run(["register", "churn", "out"], cwd: dir).succeeded()
            #expect(!other.stderr.contains("did you mean"))
        }
    }

    @Test func demoteWithAVersionRefusesWhenTheStageHoldsAnother() throws {
        try withStore { mreg, dir in
            try LifecycleTests.twoVersions(mreg, dir)
            try mreg.run(["promote", "fraud@2", "staging"], cwd: dir).succeeded()
            let before = snapshot("\(dir)/.mreg")
            let wrong = try mreg.run(["demote", "fraud@1", "staging"], cwd: dir)
            #expect(wrong.status == 3 && wrong.stderr.contains("staging holds fraud v2, not v1"), "\(wrong)")
            let missing = try mreg.run(["demote", "fraud@9", "staging"], cwd: dir)
            #expect(missing.status == 2, "\(missing)")
            #expect(differences(before, snapshot("\(dir)/.mreg")).isEmpty)
            let right = try mreg.run(["demote", "fraud@2", "staging"], cwd: dir).succeeded()
            #expect(right.stdout.contains("fraud v2 demoted from staging"))
        }
    }
}
