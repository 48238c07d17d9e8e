import Foundation
import MregStore
import MregRegistry

/// The scratch space targets work in: a temporary folder holding an empty object store and
/// the files inputs are written to, and a small registry (built on first use) to resolve
/// revisions, search and judge gates against.
///
/// Not thread-safe: one context per thread (the libFuzzer binary has one, each test its own).
public final class FuzzContext {
    /// The temporary folder, removed by `remove()`.
    public let directory: String
    /// An empty object store where the object target plants its input.
    let objects: ObjectStore
    private var builtFixture: FuzzFixture?
    private var fixtureError: String?

    /// Makes a fresh temporary folder under `$TMPDIR` (or `/tmp`).
    public init() throws {
        let base = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array("\(base)/mreg-fuzz-XXXXXX".utf8CString)
        let made: String? = template.withUnsafeMutableBufferPointer { buffer in
            guard let start = buffer.baseAddress, let result = mkdtemp(start) else { return nil }
            return String(cString: result)
        }
        guard let made else { throw FuzzSetupError("cannot make a temporary folder under \(base) (errno \(errno))") }
        directory = made
        try FileManager.default.createDirectory(atPath: "\(made)/objects", withIntermediateDirectories: true)
        objects = ObjectStore(directory: "\(made)/objects", compression: .auto)
    }

    /// Deletes the temporary folder and everything in it.
    public func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The registry fixture, built the first time it is asked for.
    ///
    /// A failure to build it is a broken test set-up, not a finding: it stops the process
    /// with the reason.
    func fixture() -> FuzzFixture {
        if let builtFixture { return builtFixture }
        do {
            let made = try FuzzFixture(directory: "\(directory)/fixture")
            builtFixture = made
            return made
        } catch {
            fatalError("fuzz set-up: cannot build the registry fixture: \(error)")
        }
    }

    /// Writes `bytes` to `name` inside the folder (replacing it) and returns its path,
    /// or nil when the file cannot be written (then the input is skipped).
    func file(_ name: String, _ bytes: [UInt8]) -> String? {
        let path = "\(directory)/\(name)"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { return nil }
            written += n
        }
        return path
    }
}
