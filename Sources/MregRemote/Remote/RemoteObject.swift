import MregStore
import MregSupport
import MregRegistry
import MregIndex
import MregGovernance

/// An object being read from a remote: a verifying reader over its payload.
///
/// The reader checks size, zlib stream and id as the last byte is read, so a
/// consumer that writes the payload into a local store only installs it when
/// it is intact. `close()` releases whatever the storage staged for it.
public final class RemoteObject {
    public let reader: ObjectReader
    private let cleanup: () -> Void
    private var closed = false

    public init(reader: ObjectReader, cleanup: @escaping () -> Void = {}) {
        self.reader = reader
        self.cleanup = cleanup
    }

    public var header: ObjectHeader { reader.header }

    public func close() {
        if !closed { cleanup(); closed = true }
    }

    deinit { close() }
}
