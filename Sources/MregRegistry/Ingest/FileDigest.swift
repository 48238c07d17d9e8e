import MregSupport
import Crypto
import Foundation
import MregStore
import SystemPackage

/// Streaming `sha256:` digests of files on disk.
public enum FileDigest {
    public static func sha256(path: String) throws -> String {
        try RegistryError.mappingStoreIO(operation: "read", path: path) {
            let file = try OpenFile.forReading(FilePath(path))
            defer { file.close() }
            var hasher = SHA256()
            var buffer = [UInt8](repeating: 0, count: 1 << 20)
            while true {
                let n = try buffer.withUnsafeMutableBytes { try file.read(into: $0) }
                if n == 0 { break }
                buffer.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[..<n])) }
            }
            return "sha256:" + hasher.finalize().map { String(format: "%02x", $0) }.joined()
        }
    }
}
