import MregStore

/// A model name that follows the naming rules (`Names.validateModel`), so that refs built
/// from it are valid ref names.
public struct ModelName: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let rawValue: String

    /// - Throws: `RegistryError.invalidName` when `name` breaks the rules.
    public init(_ name: String) throws {
        try Names.validateModel(name)
        rawValue = name
    }

    /// A valid name, or nil (for names found on disk, where a stray entry is skipped).
    public init?(validating name: String) {
        guard Names.problem(name, what: "model") == nil else { return nil }
        rawValue = name
    }

    public var description: String { rawValue }

    public static func < (a: ModelName, b: ModelName) -> Bool { a.rawValue < b.rawValue }

    /// `refs/models/<model>/<rest>`, where `rest` is made of valid components.
    func ref(_ rest: String) throws -> RefName {
        try RefName("refs/models/\(rawValue)/\(rest)")
    }

    /// `refs/models/<model>/head`: the model's newest event.
    public var headRef: RefName { get throws { try ref("head") } }

    /// `refs/models/<model>/versions/<n>`.
    public func versionRef(_ version: Int64) throws -> RefName { try ref("versions/\(version)") }

    /// `refs/models/<model>/stages/<stage>` (the stage name is checked too).
    public func stageRef(_ stage: String) throws -> RefName {
        try Names.validateStage(stage)
        return try ref("stages/\(stage)")
    }

    /// `refs/models/<model>/tags/<tag>`.
    public func tagRef(_ tag: TagName) throws -> RefName { try ref("tags/\(tag.rawValue)") }
}
