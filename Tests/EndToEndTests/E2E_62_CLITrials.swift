import MregTestSupport
import Foundation
import Testing

/// Small command-line fixes from issue 15's trials, through the built binary: an --order-by key
/// no version has, a metric compared with text, did-you-mean for a swapped pair of letters,
/// a bare `---completion`, and diff colours that follow the policy's `better = "lower"`.
@Suite("E2E 62: CLI trial fixes")
struct CLITrialFixTests {
    /// `fraud` v1 (auc 0.9, loss 0.5, optimizer adam) and v2 (auc 0.95, loss 0.3, optimizer sgd).
    static func store(_ mreg: MregRunner, _ dir: String) throws {
        try writeFile("\(dir)/w.bin", randomBytes(4096, seed: 1))
        try mreg.run(["register", "fraud", "w.bin", "-M", "auc=0.9", "-M", "loss=0.5", "-p", "optimizer=adam"], cwd: dir).succeeded()
        try writeFile("\(dir)/w.bin", randomBytes(4096, seed: 2))
        try mreg.run(["register", "fraud", "w.bin", "-M", "auc=0.95", "-M", "loss=0.3", "-p", "optimizer=sgd"], cwd: dir).succeeded()
        try mreg.run(["list"], cwd: dir).succeeded()  // the index is up to date before any snapshot
    }

    @Test func anOrderByKeyNoVersionHasIsATypo() throws {
        try withStore { mreg, dir in
            try Self.store(mreg, dir)
            let before = snapshot("\(dir)/.mreg")
            let r = try mreg.run(["search", "--order-by", "metrics.nope"], cwd: dir)
            #expect(r.status == 1 && r.stdout.isEmpty && r.stderrIsOneLine, "\(r)")
            #expect(r.stderr.contains("--order-by: no version has metrics.nope (searched 2;"), "\(r)")
            let json = try mreg.run(["search", "params.optimizer = 'adam'", "--order-by", "metrics.nope DESC", "--json"], cwd: dir)
            #expect(json.status == 1 && json.stdout.filter { !$0.isWhitespace } == "[]", "\(json)")
            // A key some version has orders as before.
            let ok = try mreg.run(["search", "--order-by", "metrics.loss"], cwd: dir).succeeded()
            #expect(ok.lines.count == 3 && ok.lines[1].contains("v2") && ok.lines[2].contains("v1"), "\(ok)")
            #expect(differences(before, snapshot("\(dir)/.mreg")) == [])
        }
    }

    @Test func aMetricComparedWithTextIsAUsageError() throws {
        try withStore { mreg, dir in
            try Self.store(mreg, dir)
            for query in ["metrics.auc > \"abc\"", "metrics.auc = 'high'", "metrics.auc IN (0.9, 'x')"] {
                let r = try mreg.run(["search", query], cwd: dir)
                #expect(r.status == 64 && r.stdout.isEmpty && r.stderrIsOneLine, "\(r)")
                #expect(r.stderr.contains("compares a number with text and never holds") && r.stderr.contains("as in metrics.auc"), "\(r)")
            }
            #expect(try mreg.run(["search", "metrics.auc > \"abc\""], cwd: dir).stderr.contains("metrics.auc > \"abc\""))
            // Text that reads as a number, text on a text field, and a LIKE pattern still work.
            let quoted = try mreg.run(["search", "metrics.auc > '0.92'"], cwd: dir).succeeded()
            #expect(quoted.lines.count == 2 && quoted.lines[1].contains("v2"), "\(quoted)")
            let adam = try mreg.run(["search", "params.optimizer == 'adam'"], cwd: dir).succeeded()
            #expect(adam.lines.count == 2 && adam.lines[1].contains("v1"), "\(adam)")
            let like = try mreg.run(["search", "metrics.auc LIKE '0.9%'"], cwd: dir).succeeded()
            #expect(like.lines.count == 3, "\(like)")
        }
    }

    @Test func everyCommandThatNamesAModelSuggestsTheOneMeant() throws {
        try withStore { mreg, dir in
            try Self.store(mreg, dir)
            for command in [["show", "fruad"], ["list", "fruad"], ["log", "fruad"], ["diff", "fruad@1", "fraud@2"], ["verify", "fruad"],
                            ["promote", "fruad@1", "staging"], ["export", "fruad@1", "out"]] {
                let r = try mreg.run(command, cwd: dir)
                #expect(r.status == 2 && r.stderrIsOneLine && r.stderr.contains("did you mean 'fraud'?"), "\(r)")
            }
        }
    }

    @Test func aBareCompletionRequestCompletesNothing() throws {
        try withStore { mreg, dir in
            for args in [["---completion"], ["---completion", "show"], ["---completion", "nosuch", "--", "x"],
                         ["---completion", "show", "--", "positional@9", "0", "0"]] {
                let r = try mreg.run(args, cwd: dir)
                #expect(r.status == 0 && r.stdout.isEmpty && r.stderr.isEmpty, "\(r)")
            }
        }
    }

    @Test func diffColoursFollowTheBetterDirection() throws {
        guard let script = which("script") else { return }  // a terminal is needed for colour
        try withStore { mreg, dir in
            try Self.store(mreg, dir)
            func diff(_ env: [String: String?] = ["NO_COLOR": nil]) throws -> String {
                // script(1) gives mreg a terminal, so it colours as it would for a person.
                let r = try mreg.runProgram(script, ["-qec", "'\(mreg.binary)' diff fraud@1 fraud@2", "/dev/null"], cwd: dir,
                                            env: env.merging(["TERM": "xterm"]) { a, _ in a })
                #expect(r.status == 0, "\(r)")
                return r.stdout
            }
            let green = "\u{1b}[32m", red = "\u{1b}[31m"
            let plain = try diff()
            #expect(plain.contains(green + "+0.05") && plain.contains(red + "-0.2"), "\(plain)")
            try writeFile("\(dir)/.mreg/policy.toml", Array("""
                [stages.production]
                no_regression = ["auc", { metric = "loss", better = "lower" }]
                """.utf8))
            let judged = try diff()
            #expect(judged.contains(green + "+0.05") && judged.contains(green + "-0.2") && !judged.contains(red), "\(judged)")
            let none = try diff(["NO_COLOR": "1"])
            #expect(!none.contains("\u{1b}["), "\(none)")
            // --html carries the same judgement.
            let html = try mreg.run(["diff", "fraud@1", "fraud@2", "--html"], cwd: dir).succeeded()
            #expect(html.stdout.contains("class=\"num better\">-0.2 ▼") && !html.stdout.contains("num worse"), "\(html.stdout.suffix(2000))")
        }
    }
}
