import ArgumentParser
import Foundation

/// The command tree as argument-parser describes it (`mreg --experimental-dump-help`, its
/// ToolInfo format version 0): the part the man pages need, decoded from its JSON.
struct HelpDump: Decodable {
    /// One command: its name, help texts, arguments and subcommands.
    struct Command: Decodable {
        var superCommands: [String]?
        var shouldDisplay: Bool?
        var commandName: String
        var abstract: String?
        var discussion: String?
        var subcommands: [Command]?
        var arguments: [Argument]?
    }

    /// One positional argument, option or flag.
    struct Argument: Decodable {
        /// A name as typed: `--long`, `-s`, or `-longWithSingleDash`.
        struct Name: Decodable {
            var kind: String
            var name: String

            var typed: String { kind == "long" ? "--\(name)" : "-\(name)" }
        }

        var kind: String
        var shouldDisplay: Bool?
        var isOptional: Bool
        var isRepeating: Bool
        var names: [Name]?
        var valueName: String?
        var defaultValue: String?
        var allValueStrings: [String]?
        var abstract: String?
        var discussion: String?
    }

    var command: Command

    /// The tree of `root`, from argument-parser's own description of it.
    static func of(_ root: ParsableCommand.Type) throws -> HelpDump {
        try JSONDecoder().decode(HelpDump.self, from: Data(root._dumpHelp().utf8))
    }
}
