import Foundation
import MregTestSupport
import Testing
@testable import MregStore


/// An object store under `dir/objects` (no fsync: tests need speed, not durability).
func makeObjectStore(in dir: String, compression: CompressionPolicy = .auto) -> ObjectStore {
    ObjectStore(directory: "\(dir)/objects", compression: compression, fsyncObjects: false)
}

/// Every file below `dir`, relative, sorted.
func filesBelow(_ dir: String) -> [String] {
    guard let e = FileManager.default.enumerator(atPath: dir) else { return [] }
    var out = [String]()
    while let rel = e.nextObject() as? String {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: "\(dir)/\(rel)", isDirectory: &isDir), !isDir.boolValue { out.append(rel) }
    }
    return out.sorted()
}

func readBytes(_ path: String) throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw TestSetupError("cannot read '\(path)'")
    }
    return Array(data)
}

func writeBytes(_ bytes: [UInt8], to path: String) throws {
    try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
        throw TestSetupError("cannot write '\(path)'")
    }
}

/// Deterministic pseudo-random bytes (xorshift), incompressible for zlib.
func randomBytes(_ count: Int, seed: UInt64 = 0x9E37_79B9_7F4A_7C15) -> [UInt8] {
    var state = seed | 1
    var out = [UInt8](repeating: 0, count: count)
    out.withUnsafeMutableBytes { raw in
        var i = 0
        while i < count {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            var word = state
            let n = min(8, count - i)
            withUnsafeBytes(of: &word) { raw.baseAddress!.advanced(by: i).copyMemory(from: $0.baseAddress!, byteCount: n) }
            i += n
        }
    }
    return out
}

/// Text-like bytes that zlib compresses well.
func textBytes(lines: Int) -> [UInt8] {
    var s = ""
    for i in 0..<lines { s += "line \(i): the quick brown fox jumps over the lazy dog\n" }
    return Array(s.utf8)
}

/// A StoreError's code, or nil when `body` did not throw a StoreError.
func storeErrorCode(_ body: () throws -> Void) -> StoreError.Code? {
    do { try body() } catch let e as StoreError { return e.code } catch { return nil }
    return nil
}
