import Foundation
import MregStore
import MregSupport

/// The settings the registry reads, checked when they are set, so a bad value is refused
/// at `config` time instead of breaking a later command.
public enum Settings {
    /// Throws when `value` is not acceptable for `key`; keys the registry does not read pass.
    public static func validate(key: String, value: String) throws {
        switch key.lowercased() {
        case "core.compression":
            _ = try CompressionPolicy(setting: value)
        case "registry.stages":
            _ = try stages(from: value)
        default:
            return
        }
    }

    /// The stage list of a `registry.stages` value: comma-separated valid stage names,
    /// no empty entries, no repeats, at least one.
    public static func stages(from value: String) throws -> [String] {
        let parts = value.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        if parts.contains(where: \.isEmpty) {
            throw RegistryError.badInput(.invalidSetting(key: "registry.stages", value: value, expected: "stage names separated by single commas, none empty"))
        }
        var seen = Set<String>()
        for stage in parts {
            try Names.validateStage(stage)
            if !seen.insert(stage).inserted {
                throw RegistryError.badInput(.invalidSetting(key: "registry.stages", value: value, expected: "each stage once ('\(stage)' is listed twice)"))
            }
        }
        return parts
    }
}
