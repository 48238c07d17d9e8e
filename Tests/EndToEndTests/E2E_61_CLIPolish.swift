import MregTestSupport
import Foundation
import Testing

/// Issue 15's friendlier command line, through the built binary: man pages, completions of
/// store names, --json on the plumbing, search's unknown keys, sizes that agree, the demo.
@Suite("E2E 61: CLI polish")
struct CLIPolishTests {
    /// A store with `fraud` v1 (tag `best`, in staging) and v2 (in production), and `churn` v1.
    static func store(_ mreg: MregRunner, _ dir: String) throws {
        try writeFile("\(dir)/w.bin", randomBytes(4096, seed: 1))
        try mreg.run(["register", "fraud", "w.bin", "-M", "auc=0.9", "--tag", "best", "--stage", "staging"], cwd: dir).succeeded()
        try writeFile("\(dir)/w.bin", randomBytes(4096, seed: 2))
        try mreg.run(["register", "fraud", "w.bin", "-M", "auc=0.95", "--stage", "production"], cwd: dir).succeeded()
        try mreg.run(["register", "churn", "w.bin"], cwd: dir).succeeded()
    }

    static func json(_ r: RunResult) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(r.stdoutBytes))
    }

    /// `mreg ---completion SUBCOMMAND… -- ARGUMENT` for the word `word`, as the shell scripts call it.
    static func complete(_ mreg: MregRunner, _ dir: String, _ command: [String], _ argument: String, _ word: String) throws -> RunResult {
        try mreg.run(["---completion"] + command + ["--", argument, "1", "\(word.count)", "mreg", word], cwd: dir)
    }

    @Test func completionsNameWhatTheStoreHolds() throws {
        try withStore { mreg, dir in
            try Self.store(mreg, dir)
            try mreg.run(["remote", "add", "origin", "/nowhere/registry"], cwd: dir).succeeded()
            let before = snapshot("\(dir)/.mreg")
            let models = try Self.complete(mreg, dir, ["show"], "positional@0", "")
            #expect(models.status == 0 && models.stderr.isEmpty, "\(models)")
            #expect(Set(models.lines).isSuperset(of: ["fraud", "churn", "fraud@", "churn@"]), "\(models)")
            let revisions = try Self.complete(mreg, dir, ["show"], "positional@0", "fraud@")
            #expect(Set(revisions.lines) == ["fraud@2", "fraud@1", "fraud@staging", "fraud@production", "fraud@best"], "\(revisions)")
            let prefixed = try Self.complete(mreg, dir, ["diff"], "positional@0", "fraud@pro")
            #expect(prefixed.lines == ["fraud@production"], "\(prefixed)")
            let stages = try Self.complete(mreg, dir, ["promote"], "positional@1", "")
            #expect(Set(stages.lines) == ["development", "staging", "production", "archived"], "\(stages)")
            let tags = try Self.complete(mreg, dir, ["tag"], "positional@1", "")
            #expect(tags.lines == ["best"], "\(tags)")
            let remotes = try Self.complete(mreg, dir, ["remote", "remove"], "positional@0", "")
            #expect(remotes.lines == ["origin"], "\(remotes)")
            let transfer = try Self.complete(mreg, dir, ["push"], "positional@0", "")
            #expect(Set(transfer.lines) == ["origin", "fraud", "churn"], "\(transfer)")
            let models2 = try Self.complete(mreg, dir, ["log"], "positional@0", "ch")
            #expect(models2.lines == ["churn"], "\(models2)")
            #expect(differences(before, snapshot("\(dir)/.mreg")) == [])
            // The generated scripts call back into the binary for these arguments.
            let bash = try mreg.run(["--generate-completion-script", "bash"], cwd: dir).succeeded()
            #expect(bash.stdout.contains("---completion show -- positional@0"), "\(bash.stdout.prefix(300))")

            // In bash itself, whose COMP_WORDBREAKS splits `fraud@pro` at '@': the words bash gives.
            if let shell = which("bash") {
                try writeFile("\(dir)/mreg-completion.bash", bash.stdoutBytes)
                let folder = (mreg.binary as NSString).deletingLastPathComponent
                func reply(_ line: String, _ words: [String]) throws -> [String] {
                    let quoted = words.map { "'\($0)'" }.joined(separator: " ")
                    let script = """
                        source ./mreg-completion.bash
                        COMP_LINE='\(line)'; COMP_POINT=${#COMP_LINE}; COMP_WORDS=(\(quoted)); COMP_CWORD=\(words.count - 1)
                        _mreg_at mreg "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
                        printf '%s\\n' "${COMPREPLY[@]}"
                        """
                    let r = try mreg.runProgram(shell, ["-c", script], cwd: dir, env: ["PATH": folder + ":/usr/bin:/bin"])
                    #expect(r.status == 0, "\(r)")
                    return r.lines.filter { !$0.isEmpty }
                }
                #expect(try reply("mreg show fraud@pro", ["mreg", "show", "fraud", "@", "pro"]) == ["production"])
                #expect(Set(try reply("mreg show fraud@", ["mreg", "show", "fraud", "@"])).isSuperset(of: ["2", "staging", "best"]))
                #expect(Set(try reply("mreg promote fraud@2 ", ["mreg", "promote", "fraud", "@", "2", ""])) == ["development", "staging", "production", "archived"])
                #expect(try reply("mreg log ch", ["mreg", "log", "ch"]) == ["churn"])
            }
        }
        // Outside a store: nothing, silently.
        try withMreg { mreg, dir in
            let outside = try Self.complete(mreg, dir, ["show"], "positional@0", "fr")
            #expect(outside.status == 0 && outside.stdout.isEmpty && outside.stderr.isEmpty, "\(outside)")
            let stages = try Self.complete(mreg, dir, ["promote"], "positional@1", "")
            #expect(stages.status == 0 && stages.stdout.isEmpty && stages.stderr.isEmpty, "\(stages)")
        }
    }

    @Test func manPagesAreWrittenForEveryCommandAndRender() throws {
        try withMreg { mreg, dir in
            let out = "\(dir)/man/man1"
            let r = try mreg.run(["--generate-manual", out], cwd: dir).succeeded()
            let pages = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
            #expect(r.stdout.contains("wrote \(pages.count) man pages"))
            for page in ["mreg.1", "mreg-register.1", "mreg-remote-add.1", "mreg-policy-check.1", "mreg-import-hf.1", "mreg-cat-file.1"] {
                #expect(pages.contains(page), "\(page) missing from \(pages)")
            }
            #expect(!pages.contains("mreg-help.1"))
            // Every visible subcommand named by `mreg --help` has its page.
            let help = try mreg.run(["--help"], cwd: dir).succeeded()
            let names = help.lines.filter { $0.hasPrefix("  ") && !$0.hasPrefix("   ") }
                .compactMap { $0.split(separator: " ").first.map(String.init) }
                .filter { $0.range(of: "^[a-z][a-z-]*$", options: .regularExpression) != nil }
            #expect(names.count > 30, "\(help.stdout)")
            for name in names { #expect(pages.contains("mreg-\(name).1"), "no page for \(name)") }
            // Usage errors: no folder, or an option instead of one.
            #expect(try mreg.run(["--generate-manual"], cwd: dir).status == 64)
            // Rendered by man (or groff) without warnings.
            guard let groff = which("groff") else { return }
            for page in ["mreg.1", "mreg-register.1", "mreg-policy.1", "mreg-search.1"] {
                let rendered = try mreg.runProgram(groff, ["-man", "-Tutf8", "-ww", "-z", "\(out)/\(page)"], cwd: dir)
                #expect(rendered.status == 0 && rendered.stderr.isEmpty, "\(page): \(rendered)")
            }
            let text = try mreg.runProgram(groff, ["-man", "-Tascii", "\(out)/mreg-register.1"], cwd: dir, env: ["GROFF_NO_SGR": "1"])
            let plain = text.stdout.replacingOccurrences(of: "\u{8}.", with: "", options: .regularExpression)
            #expect(plain.contains("mreg register fraud-detector out/ -m \"more trees\""), "\(plain)")
            #expect(plain.contains("--params"))
        }
    }

    @Test func plumbingPrintsJSON() throws {
        try withStore { mreg, dir in
            try Self.store(mreg, dir)
            try mreg.run(["config", "core.compression", "0"], cwd: dir).succeeded()
            let list = try Self.json(try mreg.run(["config", "--list", "--json"], cwd: dir).succeeded()) as? [[String: String]]
            #expect(list?.contains { $0["key"] == "core.compression" && $0["value"] == "0" && $0["scope"] == "store" } == true, "\(String(describing: list))")
            let one = try Self.json(try mreg.run(["config", "core.compression", "--json"], cwd: dir).succeeded()) as? [String: String]
            #expect(one == ["key": "core.compression", "value": "0"])

            let id = try mreg.run(["rev-parse", "fraud@2"], cwd: dir).succeeded().output
            let parsed = try Self.json(try mreg.run(["rev-parse", "fraud@2", "fraud@best", "--json"], cwd: dir).succeeded()) as? [[String: String]]
            #expect(parsed?.first == ["name": "fraud@2", "id": id] && parsed?.count == 2)

            let header = try Self.json(try mreg.run(["cat-file", "-t", "fraud@2", "--json"], cwd: dir).succeeded()) as? [String: Any]
            #expect(header?["type"] as? String == "manifest" && header?["id"] as? String == id && (header?["size"] as? Int ?? 0) > 0)
            let content = try Self.json(try mreg.run(["cat-file", "-p", "fraud@2", "--json"], cwd: dir).succeeded()) as? [String: Any]
            #expect(content?["content"] is [String: Any], "\(String(describing: content))")

            try writeFile("\(dir)/x.txt", "hi\n")
            let plainID = try mreg.run(["hash-object", "x.txt"], cwd: dir).succeeded().output
            let hashed = try Self.json(try mreg.run(["hash-object", "x.txt", "--json"], cwd: dir).succeeded()) as? [[String: Any]]
            #expect(hashed?.first?["id"] as? String == plainID && hashed?.first?["file"] as? String == "x.txt"
                    && hashed?.first?["written"] as? Bool == false)

            let made = try Self.json(try mreg.run(["init", "other", "--json"], cwd: dir).succeeded()) as? [String: Any]
            #expect(made?["created"] as? Bool == true && (made?["path"] as? String)?.hasSuffix("other/.mreg") == true)

            // Bare `mreg policy` shows the policy, as `policy show` does.
            try writeFile("\(dir)/.mreg/policy.toml", "[stages.production]\nrequire = \"metrics.auc >= 0.9\"\n")
            let bare = try mreg.run(["policy"], cwd: dir).succeeded()
            #expect(bare.stdout == (try mreg.run(["policy", "show"], cwd: dir).succeeded().stdout) && bare.stdout.contains("[production]"))
            let policy = try Self.json(try mreg.run(["policy", "--json"], cwd: dir).succeeded()) as? [String: Any]
            #expect(policy?["exists"] as? Bool == true)

            // tag --list, for one model or all.
            let tags = try Self.json(try mreg.run(["tag", "--list", "--json"], cwd: dir).succeeded()) as? [[String: Any]]
            #expect(tags?.count == 1 && tags?.first?["model"] as? String == "fraud" && tags?.first?["tag"] as? String == "best"
                    && tags?.first?["version"] as? Int == 1)
            #expect(try mreg.run(["tag", "--list", "churn"], cwd: dir).succeeded().stdout.isEmpty)
            #expect(try mreg.run(["tag", "-l", "fraud"], cwd: dir).succeeded().stdout.contains("best"))
            #expect(try mreg.run(["tag", "--list", "fraud@1", "x"], cwd: dir).status == 64)
        }
    }

    @Test func aSearchForKeysNoVersionHasSaysSo() throws {
        try withStore { mreg, dir in
            try Self.store(mreg, dir)
            try mreg.run(["list"], cwd: dir).succeeded()  // the index is up to date before the snapshot
            let before = snapshot("\(dir)/.mreg")
            let r = try mreg.run(["search", "metrics.nonexistent > 1"], cwd: dir)
            #expect(r.status == 1 && r.stdout.isEmpty && r.stderrIsOneLine && r.stderr.contains("no version has metrics.nonexistent"), "\(r)")
            let both = try mreg.run(["search", "metrics.auc > 0.5 and params.nope = 1", "--json"], cwd: dir)
            #expect(both.status == 1 && both.stderr.contains("no version has params.nope") && !both.stderr.contains("metrics.auc"), "\(both)")
            #expect(both.output == "[\n\n]" || both.output.replacingOccurrences(of: " ", with: "").replacingOccurrences(of: "\n", with: "") == "[]", "\(both)")
            // Keys that exist but do not match: the plain answer, exit 0.
            let none = try mreg.run(["search", "metrics.auc > 0.99"], cwd: dir)
            #expect(none.status == 0 && none.stderr.contains("no version matches"), "\(none)")
            #expect(differences(before, snapshot("\(dir)/.mreg")) == [])
        }
    }

    @Test func anUnknownRevisionListsStagesAndTags() throws {
        try withStore { mreg, dir in
            try Self.store(mreg, dir)
            let r = try mreg.run(["show", "fraud@nosuch"], cwd: dir)
            #expect(r.status == 2 && r.stderrIsOneLine, "\(r)")
            #expect(r.stderr.contains("stages: production, staging") && r.stderr.contains("tags: best"), "\(r)")
        }
    }

    @Test func pushAndCloneCountTheSameBytes() throws {
        try withStore { mreg, dir in
            // Compressible files: stored bytes differ from the payload, so a mismatch would show.
            try writeFile("\(dir)/w.bin", [UInt8](repeating: 7, count: 200_000))
            try mreg.run(["register", "m", "w.bin"], cwd: dir).succeeded()
            let remote = "\(dir)/../remote"
            try mreg.run(["init", "-q", remote], cwd: dir).succeeded()
            try mreg.run(["remote", "add", "origin", remote], cwd: dir).succeeded()
            let pushed = try Self.json(try mreg.run(["push", "--json"], cwd: dir).succeeded()) as? [String: Any]
            let cloned = try Self.json(try mreg.run(["clone", remote, "\(dir)/../copy", "--json"], cwd: dir).succeeded()) as? [String: Any]
            let pushedBytes = try #require(pushed?["bytes"] as? Int)
            #expect(pushedBytes > 200_000, "payload bytes, not compressed ones: \(pushedBytes)")
            #expect(pushedBytes == cloned?["bytes"] as? Int, "push \(String(describing: pushed)) clone \(String(describing: cloned))")
        }
        // Incompressible files: what is new to the store exceeds the files only with a reason.
        try withStore { mreg, dir in
            try writeFile("\(dir)/w.bin", randomBytes(100_000, seed: 9))
            let r = try mreg.run(["register", "m", "w.bin"], cwd: dir).succeeded()
            #expect(r.stdout.contains("more than the files, with the version's metadata"), "\(r)")
        }
    }

    @Test func theDemoPrintsCommandsAsTyped() throws {
        let script = "\(MregRunner.packageRoot)/Scripts/demo.sh"
        try withMreg { mreg, dir in
            let r = try mreg.runProgram("/bin/bash", [script], cwd: dir, env: ["MREG": mreg.binary, "TMPDIR": dir])
            #expect(r.status == 0, "\(r)")
            #expect(r.stderr.contains("$ mreg search \"metrics.auc >= 0.92 and params.optimizer.name = 'adam'\"\n"), "\(r.stderr)")
            #expect(r.stderr.contains("$ mreg promote fraud-detector@1 staging --reason 'baseline for shadow test'\n"))
        }
    }
}
