import MregTestSupport
import Foundation
import Testing
import MregStore
@testable import MregSupport
@testable import MregRegistry

/// Reading a Python environment's metadata, and the manifest's `environment` key.
@Suite struct EnvironmentCaptureTests {
    @Test func namesAreNormalizedAsPEP503Does() {
        #expect(PythonEnvironment.normalize("Scikit_Learn") == "scikit-learn")
        #expect(PythonEnvironment.normalize("zope.interface") == "zope-interface")
        #expect(PythonEnvironment.normalize("a-_.b") == "a-b")
    }

    @Test func onlyTheHeadersOfABoundedPrefixAreRead() throws {
        try withTemporaryDirectory { dir in
            // Name and Version first, then a body far larger than what is read.
            let big = "Metadata-Version: 2.1\nName: Big\nVersion: 1.2\n\n" + String(repeating: "x", count: 1 << 20)
            try writeFile("\(dir)/big.dist-info/METADATA", big)
            let found = PythonEnvironment.nameAndVersion("\(dir)/big.dist-info/METADATA")
            #expect(found?.0 == "Big" && found?.1 == "1.2")
            // Headers that end before a Version are broken, even when the body says one.
            try writeFile("\(dir)/b.dist-info/METADATA", "Name: b\n\nVersion: 9\n")
            #expect(PythonEnvironment.nameAndVersion("\(dir)/b.dist-info/METADATA") == nil)
            // CRLF headers, and a folder where the file should be.
            try writeFile("\(dir)/c.egg-info", "Name: c\r\nVersion: 0.3\r\n")
            #expect(PythonEnvironment.nameAndVersion("\(dir)/c.egg-info")?.1 == "0.3")
            try FileManager.default.createDirectory(atPath: "\(dir)/d.dist-info/METADATA", withIntermediateDirectories: true)
            #expect(PythonEnvironment.nameAndVersion("\(dir)/d.dist-info/METADATA") == nil)
        }
    }

    @Test func versionsAreReadFromPyvenvCfgCondaMetaAndPatchlevel() throws {
        #expect(PythonEnvironment.venvVersion("home = /usr/bin\nversion = 3.12.1\n") == "3.12.1")
        #expect(PythonEnvironment.venvVersion("home = /x\nversion_info = 3.12.4.final.0\n") == "3.12.4")
        #expect(PythonEnvironment.venvVersion("home = /x\n") == nil)
        try withTemporaryDirectory { dir in
            try writeFile("\(dir)/conda-meta/pythonnet-3.0.json", "{}")
            try writeFile("\(dir)/conda-meta/python-3.9.18-h1a28f6b_0.json", "{}")
            #expect(PythonEnvironment.condaVersion(dir) == "3.9.18")
            try writeFile("\(dir)/include/python3.9/patchlevel.h", "#define PY_MINOR_VERSION 9\n#define PY_VERSION \"3.9.18\"\n")
            #expect(PythonEnvironment.patchLevel(dir) == "3.9.18")
            // No version anywhere but the lib/python3.9 folder: that is the version.
            try EnvironmentCaptureTests.dist("\(dir)/lib/python3.9/site-packages", "Jax", "0.4.30")
            let env = PythonEnvironment.read(kind: .system, prefix: dir, version: nil)
            #expect(env.version == "3.9" && env.packages == ["jax": "0.4.30"] && env.frameworkVersions == ["jax": "0.4.30"])
        }
    }

    @Test func pyenvShimsAreFollowedWithoutRunningThem() throws {
        try withTemporaryDirectory { dir in
            try writeFile("\(dir)/pyenv/shims/python3", "#!/usr/bin/env bash\nexec pyenv exec python3 \"$@\"\n")
            try writeFile("\(dir)/pyenv/versions/3.12.3/bin/python3", "")
            try writeFile("\(dir)/pyenv/version", "3.12.3\n")
            try writeFile("\(dir)/project/.python-version", "system\n")
            let shim = "\(dir)/pyenv/shims/python3"
            #expect(PythonEnvironment.pyenvTarget(shim, environment: ["PYENV_ROOT": "\(dir)/pyenv"], directory: dir) == "\(dir)/pyenv/versions/3.12.3/bin/python3")
            #expect(PythonEnvironment.pyenvTarget(shim, environment: [:], directory: "\(dir)/project") == nil)  // pyenv's "system"
            #expect(PythonEnvironment.pyenvTarget(shim, environment: ["PYENV_VERSION": "3.12.3:3.11"], directory: "\(dir)/project") != nil)
        }
    }

    @Test func theEnvironmentKeyIsOmittedWhenAbsentAndNotPartOfTheContent() throws {
        let plain = Manifest(model: "m", message: "x", params: ["lr": 0.1])
        var captured = plain
        captured.environment = .object(["python": .object(["version": "3.11.7"]), "packages": .object(["torch": "2.3.1"]),
                                        "files": .array([.object(["path": "requirements.txt", "size": 6, "digest": "sha256:ab"])])])
        #expect(!String(decoding: plain.encoded.bytes, as: UTF8.self).contains("environment"))
        #expect(plain.encoded.bytes == plain.json.canonicalBytes)
        #expect(captured.encoded.bytes == captured.json.canonicalBytes)
        #expect(captured.encoded.contentKey == plain.encoded.contentKey && captured.contentKey == plain.contentKey)
        #expect(try Manifest(json: JSONValue.parse(captured.encoded.bytes)) == captured)
        #expect(throws: RegistryError.self) { try Manifest(json: JSONValue.parse(Array(#"{"schema":"mreg.manifest/1","model":"m","environment":3}"#.utf8))) }
        let fields = ManifestFields(captured)
        #expect(fields.environment["python"] == "3.11.7" && fields.environment["packages.torch"] == "2.3.1")
        #expect(ManifestFields(plain).environment.isEmpty)
    }

    static func dist(_ site: String, _ name: String, _ version: String) throws {
        try writeFile("\(site)/\(name)-\(version).dist-info/METADATA", "Metadata-Version: 2.1\nName: \(name)\nVersion: \(version)\n")
    }
}
