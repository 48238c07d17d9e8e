/// A tag name that follows the naming rules (`Names.validateTag`): a valid ref component
/// that cannot be read as a version.
public struct TagName: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let rawValue: String

    /// - Throws: `RegistryError.invalidName` when `name` breaks the rules.
    public init(_ name: String) throws {
        try Names.validateTag(name)
        rawValue = name
    }

    public var description: String { rawValue }

    public static func < (a: TagName, b: TagName) -> Bool { a.rawValue < b.rawValue }
}
