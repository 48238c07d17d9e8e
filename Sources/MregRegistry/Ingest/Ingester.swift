import MregStore

/// Stores files as objects and describes them for a manifest.
public struct Ingester: Sendable {
    public var store: ObjectStore

    public init(store: ObjectStore) { self.store = store }

    public struct Result: Sendable {
        public var file: ManifestFile
        /// Bytes this file added to the store (0 when every byte was there already).
        public var newBytes: Int64
        public var executesCode: Bool
    }

    /// Stores one file and detects its format.
    public func ingest(_ entry: FileWalker.Entry) throws -> Result {
        let written = try store.write(type: .blob, file: entry.source, contentDigest: true)
        guard written.size == entry.size else {
            throw RegistryError(.badInput, "'\(entry.source)' changed while it was being registered")
        }
        let info = FormatDetector.detect(path: entry.source)
        let file = ManifestFile(path: entry.path, mode: entry.mode, size: written.size, digest: written.contentDigest!,
                                object: written.id, format: info?.format, details: info?.details ?? .null)
        return Result(file: file, newBytes: written.storedBytes, executesCode: info?.executesCode ?? false)
    }
}
