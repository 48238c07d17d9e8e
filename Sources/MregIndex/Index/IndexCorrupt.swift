import MregStore
import MregSupport
import MregRegistry
import MregFilter
/// An index file that cannot be used (damaged, truncated, or from another format version).
/// Readers treat it as missing and rebuild it; it never reaches the user.
struct IndexCorrupt: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
