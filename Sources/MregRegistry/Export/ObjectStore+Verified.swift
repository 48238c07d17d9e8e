import MregStore

extension ObjectStore {
    /// Objects up to this size are read into memory and verified before any byte is handed on.
    public static let verifiedInMemoryLimit: Int64 = 64 << 20

    /// Hands `emit` the payload of `id`, never a byte of it before the object has been verified
    /// against its id: an object of up to 64 MiB is read into memory and verified first; a larger
    /// one written with stored blocks (weights) is mapped and verified; a larger compressed one is
    /// read twice, verified and then streamed (verified again at its end), unless `alreadyVerified`
    /// says the caller has just read it through.
    ///
    /// - Parameter check: called with the object's header before anything is emitted; throw to refuse it.
    public func withVerifiedPayload(of id: ObjectID, alreadyVerified: Bool = false,
                                    check: (ObjectHeader) throws -> Void = { _ in },
                                    _ emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        var reader = try openReader(id)
        try check(reader.header)
        if reader.header.size <= Self.verifiedInMemoryLimit {
            let bytes = try reader.readAll(limit: Self.verifiedInMemoryLimit)
            try bytes.withUnsafeBytes(emit)
            return
        }
        if let mapped = try mapStored(id) {
            for slice in mapped.slices { try emit(slice) }
            return
        }
        if !alreadyVerified {
            while try reader.next() != nil {}
            reader = try openReader(id)
        }
        while let piece = try reader.next() {
            try piece.withUnsafeBytes(emit)
        }
    }
}
