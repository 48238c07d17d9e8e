import MregStore
import SystemPackage

extension RegistryError {
    /// Runs `body`, rethrowing a store I/O failure (from `OpenFile`, `FileSystem`, `FileStatus`) as `RegistryError.io`.
    ///
    /// `operation` and `path`, when given, replace the store's verb and path, so that a message
    /// keeps the wording it had (`read` rather than `open`, a manifest path rather than a temp file).
    /// Other errors pass through unchanged.
    package static func mappingStoreIO<T>(operation: String? = nil, path: String? = nil,
                                          _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch StoreError.io(let storeOperation, let storePath, let code) {
            throw RegistryError.io(.init(operation ?? storeOperation, path ?? storePath.string, errno: code.rawValue))
        }
    }
}
