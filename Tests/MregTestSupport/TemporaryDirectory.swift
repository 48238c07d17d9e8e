import Foundation

/// An error of the test helpers themselves (not of the code under test).
public struct TestSupportError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Runs `body` with a fresh empty folder (symlinks resolved) that is removed afterwards.
public func withTemporaryDirectory<R>(prefix: String = "mreg-test", _ body: (String) throws -> R) throws -> R {
    let base = NSTemporaryDirectory().hasSuffix("/") ? String(NSTemporaryDirectory().dropLast()) : NSTemporaryDirectory()
    var template = Array("\(base)/\(prefix)-XXXXXX".utf8CString)
    let dir = try template.withUnsafeMutableBufferPointer { buffer -> String in
        guard let start = buffer.baseAddress, let made = mkdtemp(start) else {
            throw TestSupportError("mkdtemp failed (errno \(errno))")
        }
        return String(decoding: UnsafeRawBufferPointer(start: made, count: strlen(made)), as: UTF8.self)
    }
    defer { try? FileManager.default.removeItem(atPath: dir) }
    return try body(URL(fileURLWithPath: dir).resolvingSymlinksInPath().path)
}
