import Foundation
import MregStore
import MregSupport
import MregRegistry
import MregFilter

/// Git-style hooks: executables in `.mreg/hooks/` run around registry changes.
///
/// Each hook gets the event as one line of JSON on stdin (the `log --json` shape; post-hooks
/// also get its `id`), runs in the folder holding `.mreg`, and sees `MREG_DIR` (the store),
/// `MREG_HOOK`, `MREG_MODEL`, `MREG_VERSION`, `MREG_STAGE` (promotions), `MREG_MANIFEST`
/// and, for post-hooks, `MREG_EVENT`. A pre-hook that exits non-zero stops the command;
/// a post-hook's failure is only reported. A hook file that is not executable is skipped
/// with a warning, as git does.
public struct Hooks: Sendable {
    public enum Name: String, Sendable, CaseIterable {
        case preRegister = "pre-register", postRegister = "post-register"
        case prePromote = "pre-promote", postPromote = "post-promote"
    }

    /// How a hook ended.
    public struct Outcome: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String

        public var succeeded: Bool { status == 0 }

        /// What the hook said, on one line: its stderr (else stdout) lines joined with ` / `.
        public var message: String {
            for text in [stderr, stdout] {
                let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                if !lines.isEmpty {
                    let joined = lines.joined(separator: " / ")
                    return joined.count > 400 ? String(joined.prefix(400)) + "…" : joined
                }
            }
            return "exit status \(status)"
        }
    }

    /// The `.mreg` folder.
    public var root: String
    public var directory: String { "\(root)/hooks" }

    public init(root: String) { self.root = root }

    public func path(_ name: Name) -> String { "\(directory)/\(name.rawValue)" }

    /// Runs a hook if it exists.
    ///
    /// - Returns: nil when there is no such hook; `warnings` gets a note when the file exists but
    ///   is not executable.
    /// - Throws: `RegistryError.refused(.hookNotRunnable)` when the hook cannot be started.
    public func run(_ name: Name, event: Event, id: ObjectID? = nil, warnings: inout [String]) throws -> Outcome? {
        let file = path(name)
        guard FileManager.default.fileExists(atPath: file) else { return nil }
        guard FileManager.default.isExecutableFile(atPath: file) else {
            warnings.append("the '\(name.rawValue)' hook was ignored because it is not executable (chmod +x \(file))")
            return nil
        }
        var json = event.json.objectValue ?? [:]
        json["schema"] = nil
        if let id { json["id"] = .string(id.hex) }
        var env = ProcessInfo.processInfo.environment
        env["MREG_DIR"] = root
        env["MREG_HOOK"] = name.rawValue
        env["MREG_MODEL"] = event.model
        env["MREG_ACTION"] = event.action.rawValue
        env["MREG_VERSION"] = event.version.map(String.init)
        env["MREG_STAGE"] = event.stage
        env["MREG_MANIFEST"] = event.manifest?.hex
        env["MREG_EVENT"] = id?.hex
        return try Self.execute(file, input: Array((JSONValue.object(json).canonical + "\n").utf8), environment: env,
                                directory: (root as NSString).deletingLastPathComponent)
    }

    /// Runs `file` with `input` on stdin, collecting both outputs (see `ProcessRunner`:
    /// no pipe can fill up, and a hook that exits without reading its input is no error).
    static func execute(_ file: String, input: [UInt8], environment: [String: String], directory: String) throws -> Outcome {
        let output: ProcessRunner.Output
        do {
            output = try ProcessRunner.run(file, directory: directory, environment: environment, input: input)
        } catch {
            throw RegistryError.refused(.hookNotRunnable(path: file, reason: error.reason))
        }
        return Outcome(status: output.status, stdout: output.stdout, stderr: output.stderr)
    }
}
