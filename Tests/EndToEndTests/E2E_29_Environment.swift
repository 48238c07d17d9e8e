import Foundation
import MregTestSupport
import Testing

/// `register` recording the software environment (a real virtualenv, a conda-like prefix, none),
/// and `show`, `diff --only environment`, `search environment.…` and `export --environment` reading it.
@Suite struct EnvironmentTests {
    /// A `*.dist-info` folder with a METADATA holding `name` and `version` (as pip writes them).
    static func distInfo(_ site: String, _ name: String, _ version: String) throws {
        try writeFile("\(site)/\(name)-\(version).dist-info/METADATA",
                      "Metadata-Version: 2.1\nName: \(name)\nVersion: \(version)\nSummary: test\n\nLong description\nVersion: 0.0.0\n")
        try writeFile("\(site)/\(name)-\(version).dist-info/RECORD", "")
    }

    static func json(_ r: RunResult) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(r.stdoutBytes)) as? [String: Any])
    }

    /// The `environment` object of `show REV --json`, or nil.
    static func environment(_ mreg: MregRunner, _ rev: String, cwd: String) throws -> [String: Any]? {
        try json(try mreg.run(["show", rev, "--json"], cwd: cwd).succeeded())["environment"] as? [String: Any]
    }

    /// A virtualenv made by `python3 -m venv` (without pip), its site-packages, and its Python version.
    static func makeVenv(_ path: String, mreg: MregRunner) throws -> (site: String, version: String) {
        let python = try #require(which("python3"), "python3 is needed to make a virtualenv")
        try mreg.runProgram(python, ["-m", "venv", "--without-pip", path]).succeeded()
        let lib = try #require(try FileManager.default.contentsOfDirectory(atPath: "\(path)/lib").first { $0.hasPrefix("python3") })
        let cfg = try String(contentsOfFile: "\(path)/pyvenv.cfg", encoding: .utf8)
        let line = try #require(cfg.split(separator: "\n").first { $0.hasPrefix("version") })
        let version = try #require(line.split(separator: "=").last).trimmingCharacters(in: .whitespaces)
        return ("\(path)/lib/\(lib)/site-packages", version)
    }

    @Test func aVirtualenvIsRecordedShownDiffedSearchedAndItsFilesExported() throws {
        try withStore { mreg, dir in
            let (site, version) = try Self.makeVenv("\(dir)/venv", mreg: mreg)
            try Self.distInfo(site, "torch", "2.3.1")
            try Self.distInfo(site, "numpy", "1.26.4")
            try Self.distInfo(site, "My_Tool.Kit", "0.1")
            try writeFile("\(site)/legacy.egg-info", "Metadata-Version: 1.0\nName: legacy\nVersion: 3.0\n")
            try writeFile("\(site)/broken-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: broken\n")
            try writeFile("\(site)/gone-2.0.dist-info/RECORD", "")
            try writeFile("\(dir)/requirements.txt", "torch==2.3.1\nnumpy==1.26.4\n")
            try writeFile("\(dir)/uv.lock", "version = 1\n")
            try writeFile("\(dir)/out/model.bin", randomBytes(1024))
            let env: [String: String?] = ["VIRTUAL_ENV": "\(dir)/venv", "CONDA_PREFIX": nil]
            let reg = try mreg.run(["register", "m", "out", "-p", "lr=0.1"], cwd: dir, env: env).succeeded()
            #expect(reg.stdout.contains("environment: python \(version) (venv), 4 packages; numpy 1.26.4, torch 2.3.1; requirements.txt, uv.lock"), "\(reg)")
            // Two broken distributions, one warning naming the first.
            let warnings = reg.stderr.split(separator: "\n").filter { $0.contains("Python distribution metadata") }
            #expect(warnings.count == 1 && warnings[0].contains("broken-1.0.dist-info") && warnings[0].contains("1 more"), "\(reg)")

            let e = try #require(try Self.environment(mreg, "m@1", cwd: dir))
            let python = try #require(e["python"] as? [String: Any])
            #expect(python["version"] as? String == version && python["kind"] as? String == "venv")
            #expect(e["packages"] as? [String: String] == ["torch": "2.3.1", "numpy": "1.26.4", "my-tool-kit": "0.1", "legacy": "3.0"])
            #expect(e["frameworks"] as? [String: String] == ["torch": "2.3.1", "numpy": "1.26.4"])
            let system = try #require(e["system"] as? [String: Any])
            #expect((system["cores"] as? Int ?? 0) >= 1 && (system["memory"] as? Int ?? 0) > 0 && system["arch"] as? String != nil)
            let files = try #require(e["files"] as? [[String: Any]])
            #expect(files.map { $0["path"] as? String } == ["requirements.txt", "uv.lock"])
            let human = try mreg.run(["show", "m"], cwd: dir).succeeded().stdout
            #expect(human.contains("Environment") && human.contains("python \(version) (venv)") && human.contains("torch 2.3.1"), "\(human)")

            // A dependency upgrade: torch 2.4.0, numpy gone, pandas new, requirements changed.
            try FileManager.default.removeItem(atPath: "\(site)/torch-2.3.1.dist-info")
            try FileManager.default.removeItem(atPath: "\(site)/numpy-1.26.4.dist-info")
            try Self.distInfo(site, "torch", "2.4.0")
            try Self.distInfo(site, "pandas", "2.2.2")
            try writeFile("\(dir)/requirements.txt", "torch==2.4.0\npandas\n")
            try mreg.run(["register", "m", "out", "-p", "lr=0.2"], cwd: dir, env: env).succeeded()
            let diff = try Self.json(try mreg.run(["diff", "m@1", "m@2", "--only", "environment", "--json"], cwd: dir).succeeded())
            let changes = try #require(diff["environment"] as? [String: [String: Any]])
            #expect(changes["packages.torch"]?["old"] as? String == "2.3.1" && changes["packages.torch"]?["new"] as? String == "2.4.0")
            #expect(changes["packages.numpy"]?["old"] as? String == "1.26.4" && changes["packages.numpy"]?["new"] is NSNull)
            #expect(changes["packages.pandas"]?["old"] is NSNull && changes["packages.pandas"]?["new"] as? String == "2.2.2")
            #expect(changes["files.requirements.txt"] != nil && changes["files.uv.lock"] == nil && changes["packages.legacy"] == nil)
            #expect(diff["params"] == nil && diff["identical"] as? Bool == false)
            let text = try mreg.run(["diff", "m@1", "m@2", "--only", "environment"], cwd: dir).succeeded().stdout
            #expect(text.contains("environment") && text.contains("packages.torch") && !text.contains("lr"), "\(text)")

            let hits = try mreg.run(["search", "environment.packages.torch = '2.4.0'", "--json"], cwd: dir).succeeded()
            let found = try #require(try JSONSerialization.jsonObject(with: Data(hits.stdoutBytes)) as? [[String: Any]])
            #expect(found.map { $0["version"] as? Int } == [2], "\(hits)")
            let both = try mreg.run(["search", "environment.python = '\(version)' and environment.packages.`my-tool-kit` IS NOT NULL", "--json"], cwd: dir).succeeded()
            let all = try #require(try JSONSerialization.jsonObject(with: Data(both.stdoutBytes)) as? [[String: Any]])
            #expect(Set(all.compactMap { $0["version"] as? Int }) == [1, 2], "\(both)")

            // The dependency files come back with export --environment, also after a gc.
            try mreg.run(["gc", "--prune=now"], cwd: dir).succeeded()
            try mreg.run(["export", "m@1", "deps", "--environment"], cwd: dir).succeeded()
            #expect(try String(contentsOfFile: "\(dir)/deps/requirements.txt", encoding: .utf8) == "torch==2.3.1\nnumpy==1.26.4\n")
            #expect(FileManager.default.fileExists(atPath: "\(dir)/deps/uv.lock") && !FileManager.default.fileExists(atPath: "\(dir)/deps/model.bin"))
            try mreg.run(["fsck"], cwd: dir).succeeded()
        }
    }

    @Test func aCondaPrefixAndAFakeGPUAreRecorded() throws {
        try withStore { mreg, dir in
            let prefix = "\(dir)/conda"
            try writeFile("\(prefix)/conda-meta/python-3.10.14-h955ad1f_0.json", "{}")
            try Self.distInfo("\(prefix)/lib/python3.10/site-packages", "xgboost", "2.0.3")
            try Self.distInfo("\(prefix)/lib/python3.10/site-packages", "scikit_learn", "1.5.0")
            // An nvidia-smi that answers as the real one does.
            try writeFile("\(dir)/bin/nvidia-smi", """
                #!/bin/sh
                if [ -n "$1" ]; then echo "NVIDIA A100-SXM4-80GB, 81920, 550.54.15"; echo "NVIDIA A100-SXM4-80GB, 81920, 550.54.15"; exit 0; fi
                echo "| NVIDIA-SMI 550.54.15    Driver Version: 550.54.15    CUDA Version: 12.4     |"

                """)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: "\(dir)/bin/nvidia-smi")
            try writeFile("\(dir)/out/model.bin", randomBytes(64))
            let path = "\(dir)/bin:" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
            let reg = try mreg.run(["register", "m", "out"], cwd: dir, env: ["CONDA_PREFIX": prefix, "VIRTUAL_ENV": nil, "PATH": path]).succeeded()
            #expect(reg.stdout.contains("python 3.10.14 (conda), 2 packages; scikit-learn 1.5.0, xgboost 2.0.3; 2× NVIDIA A100-SXM4-80GB (driver 550.54.15, CUDA 12.4)"), "\(reg)")
            let e = try #require(try Self.environment(mreg, "m", cwd: dir))
            let nvidia = try #require(e["nvidia"] as? [String: Any])
            #expect(nvidia["cuda"] as? String == "12.4" && (nvidia["gpus"] as? [[String: Any]])?.first?["memory_mib"] as? Int == 81920)
            let hits = try mreg.run(["search", "environment.cuda = '12.4' and environment.gpus = 2 and environment.python_kind = 'conda'", "--json"], cwd: dir).succeeded()
            #expect((try JSONSerialization.jsonObject(with: Data(hits.stdoutBytes)) as? [Any])?.count == 1, "\(hits)")
        }
    }

    @Test func envNoneRecordsNothingAndTheSameFilesFromAnotherEnvironmentAreTheSameVersion() throws {
        try withStore { mreg, dir in
            try writeFile("\(dir)/out/model.bin", randomBytes(64))
            try writeFile("\(dir)/requirements.txt", "numpy\n")
            let reg = try mreg.run(["register", "m", "out", "--env", "none", "--json"], cwd: dir).succeeded()
            let manifest = try #require(try Self.json(reg)["manifest"] as? String)
            // No environment key at all: a manifest made before environments existed has the same id.
            let raw = try mreg.run(["cat-file", "-p", manifest], cwd: dir).succeeded().stdout
            #expect(!raw.contains("environment") && !raw.contains("requirements"))
            #expect(try Self.environment(mreg, "m", cwd: dir) == nil)
            let again = try mreg.run(["register", "m", "out"], cwd: dir).succeeded()
            #expect(again.stdout.contains("already registered"), "\(again)")
            #expect(try Self.environment(mreg, "m", cwd: dir) == nil)
            // Nothing to export.
            let export = try mreg.run(["export", "m", "deps", "--environment"], cwd: dir)
            #expect(export.status == 2 && export.stderrIsOneLine && export.stderr.contains("--env none"), "\(export)")
        }
    }

    @Test func aMissingInterpreterIsRefusedAndChangesNothing() throws {
        try withStore { mreg, dir in
            try writeFile("\(dir)/out/model.bin", randomBytes(64))
            let before = snapshot("\(dir)/.mreg")
            let r = try mreg.run(["register", "m", "out", "--python", "\(dir)/nope/bin/python"], cwd: dir)
            #expect(r.status == 64 && r.stderrIsOneLine && r.stderr.contains("nope/bin/python") && r.stderr.contains("--env none"), "\(r)")
            let bad = try mreg.run(["register", "m", "out", "--env", "some"], cwd: dir)
            #expect(bad.status == 64 && bad.stderr.contains("auto"), "\(bad)")
            #expect(differences(before, snapshot("\(dir)/.mreg")).isEmpty)
        }
    }

    @Test func packageAndPythonVersionsCompareAsVersionsAndKeysReadAsShowSpellsThem() throws {
        try withStore { mreg, dir in
            let (site, version) = try Self.makeVenv("\(dir)/venv", mreg: mreg)
            try Self.distInfo(site, "six", "1.16.0")
            try Self.distInfo(site, "PyYAML", "6.0.1")
            try Self.distInfo(site, "torch", "2.3.1+cu121")
            try writeFile("\(dir)/out/model.bin", randomBytes(64))
            let env: [String: String?] = ["VIRTUAL_ENV": "\(dir)/venv", "CONDA_PREFIX": nil]
            try mreg.run(["register", "m", "out"], cwd: dir, env: env).succeeded()
            func count(_ query: String) throws -> Int {
                let r = try mreg.run(["search", query, "--json"], cwd: dir).succeeded()
                return try #require(try JSONSerialization.jsonObject(with: Data(r.stdoutBytes)) as? [Any]).count
            }
            // Text order would put '1.16.0' before '1.9' and '3.11' before '3.9'.
            #expect(try count("environment.packages.six >= '1.9'") == 1)
            #expect(try count("environment.packages.six < '1.9'") == 0)
            #expect(try count("environment.python >= '3.9'") == (version.hasPrefix("3.") ? 1 : 0))
            #expect(try count("environment.python > 3.0") == 1)
            // A local label is ignored against a version without one, as pip's ==2.3.1.
            #expect(try count("environment.packages.torch = '2.3.1'") == 1)
            #expect(try count("environment.packages.torch < '2.10'") == 1)
            // Names as written (PEP 503), and the keys as show --json spells them.
            #expect(try count("environment.packages.PyYAML IS NOT NULL") == 1)
            #expect(try count("environment.python.version = '\(version)'") == 1)
            #expect(try count("environment.system.arch IS NOT NULL") == 1)
            let unknown = try mreg.run(["search", "environment.pythn = '3.11'"], cwd: dir)
            #expect(unknown.status == 64 && unknown.stderrIsOneLine && unknown.stderr.contains("unknown environment field") && unknown.stderr.contains("packages.NAME"), "\(unknown)")

            // The same files again from a changed environment: nothing recorded, and it says why.
            try Self.distInfo(site, "six", "1.17.0")
            try FileManager.default.removeItem(atPath: "\(site)/six-1.16.0.dist-info")
            let again = try mreg.run(["register", "m", "out"], cwd: dir, env: env).succeeded()
            #expect(again.stdout.contains("already registered") && again.stderr.contains("environment differs from v1") && again.stderr.contains("packages.six"), "\(again)")
        }
    }

    @Test func aProgramThatIsNotPythonIsRefused() throws {
        try withStore { mreg, dir in
            try writeFile("\(dir)/out/model.bin", randomBytes(64))
            let truth = try #require(which("true"))
            let before = snapshot("\(dir)/.mreg")
            let r = try mreg.run(["register", "m", "out", "--python", truth], cwd: dir)
            #expect(r.status == 64 && r.stderrIsOneLine && r.stderr.contains("Python interpreter"), "\(r)")
            #expect(differences(before, snapshot("\(dir)/.mreg")).isEmpty)
        }
    }
}
