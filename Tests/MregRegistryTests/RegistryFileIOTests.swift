import MregTestSupport
import Foundation
import Testing
@testable import MregRegistry
@testable import MregStore

/// The registry's file I/O over the store's `OpenFile`: failures stay `RegistryError.io`, worded as before.
@Suite struct RegistryFileIOTests {
    /// The `IOFailure` an error carries, if it is `RegistryError.io`.
    private func ioFailure(_ body: () throws -> Void) -> RegistryError.IOFailure? {
        do { try body() } catch RegistryError.io(let failure) { return failure } catch { return nil }
        return nil
    }

    @Test func digestOfAMissingFileIsAReadFailure() throws {
        try withTemporaryDirectory { dir in
            let failure = try #require(ioFailure { _ = try FileDigest.sha256(path: "\(dir)/missing") })
            #expect(failure.operation == "read")
            #expect(failure.path == "\(dir)/missing")
            #expect(failure.errno == ENOENT)
        }
    }

    @Test func digestReadsTheWholeFile() throws {
        try withTemporaryDirectory { dir in
            try writeFile("\(dir)/abc", "abc")
            #expect(try FileDigest.sha256(path: "\(dir)/abc")
                    == "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        }
    }

    @Test func headerOfAMissingFileIsAnOpenFailure() throws {
        try withTemporaryDirectory { dir in
            let failure = try #require(ioFailure { _ = try SafetensorsHeader.read(path: "\(dir)/w.safetensors") })
            #expect(failure.operation == "open")
            #expect(failure.errno == ENOENT)
        }
    }

    @Test func headerOfAFolderIsRefusedAsNotARegularFile() throws {
        _ = try withTemporaryDirectory { dir in
            #expect {
                _ = try GGUFHeader.read(path: dir)
            } throws: { error in
                guard case RegistryError.badInput(.unusablePath(_, let path, let problem)) = error else { return false }
                return path == dir && problem == "not a regular file"
            }
        }
    }

    @Test func mappingKeepsTheCallersWordingAndPassesOtherErrorsThrough() throws {
        let mapped = ioFailure {
            try RegistryError.mappingStoreIO(operation: "write", path: "model.bin") {
                throw StoreError.io(operation: "resize", path: "/tmp/staging/0", errno: .noSpace)
            }
        }
        #expect(mapped == RegistryError.IOFailure("write", "model.bin", errno: ENOSPC))
        #expect(ioFailure { try RegistryError.mappingStoreIO { throw RegistryError.notFound(.init(.input, "x")) } } == nil)
    }
}
