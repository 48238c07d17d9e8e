import MregSupport
/// An error in registry terms: a bad model name, an unknown revision, a refused promotion.
public struct RegistryError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case invalidName, unknownRevision, unknownModel, badInput, conflict, refused, corrupt
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
