import Crypto
import MregStore

extension Registry {
    /// Hands `emit` the bytes of one file of a version, never a byte that has not been verified.
    ///
    /// A single blob of up to 64 MiB is read into memory, verified against its id and the
    /// manifest's size and `sha256:` digest, then emitted. A chunked file (or a larger blob) is
    /// read twice: a first pass verifies every object and the whole file's size and digest,
    /// writing nothing; the second emits each object only once it has been verified again by
    /// its id (see `ObjectStore.withVerifiedPayload`). So a damaged or mismatched file emits
    /// nothing at all.
    ///
    /// - Parameter version: names the version (`fraud@v3`) in errors.
    public func writeVerified(_ file: ManifestFile, version: String? = nil,
                              _ emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        let reader = try store.openReader(file.object)
        if reader.header.type == .blob, reader.header.size <= ObjectStore.verifiedInMemoryLimit {
            let bytes = try reader.readAll(limit: ObjectStore.verifiedInMemoryLimit)
            var hasher = SHA256()
            hasher.update(data: bytes)
            try Self.checkContent(of: file, size: Int64(bytes.count), digest: Self.digest(hasher), version: version)
            try bytes.withUnsafeBytes(emit)
            return
        }
        // First pass: every object and the whole file, nothing written.
        var hasher = SHA256()
        var size: Int64 = 0
        try streamContent(of: reader) { piece in
            hasher.update(data: piece)
            size += Int64(piece.count)
        }
        try Self.checkContent(of: file, size: size, digest: Self.digest(hasher), version: version)
        // Second pass: the same objects (ids verified again), emitted.
        if reader.header.type == .blob {
            try store.withVerifiedPayload(of: file.object, alreadyVerified: true, emit)
            return
        }
        let list = try ChunkList.decode(store.read(file.object, as: .chunks), id: file.object)
        for chunk in list.chunks {
            try store.withVerifiedPayload(of: chunk.object, alreadyVerified: true, check: { header in
                guard header.type == .blob, header.size == chunk.size else {
                    throw RegistryError.corrupt(.init(object: "chunk \(chunk.object.abbreviated()) of \(file.path)", reason: "it is not a \(chunk.size)-byte blob"))
                }
            }, emit)
        }
    }
}
