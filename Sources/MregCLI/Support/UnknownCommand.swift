import ArgumentParser
import MregSupport

/// Catches a mistyped subcommand (`mreg regster`, `mreg help nosuch`) before argument-parser
/// does, so the user gets "did you mean" and exit 64 instead of a list of unexpected arguments
/// (or, for `help`, the root help and exit 0).
enum UnknownCommand {
    /// The names of every subcommand of `mreg`, as typed on the command line.
    static var known: [String] {
        let configuration = MregCommand.configuration
        let commands = configuration.subcommands + configuration.groupedSubcommands.flatMap(\.subcommands)
        return commands.map { $0._commandName } + ["help"]
    }

    /// The one-line error for `arguments` whose subcommand is unknown, or nil when it is known
    /// (or when the arguments start with an option, which argument-parser reports itself).
    static func message(for arguments: [String]) -> String? {
        guard var name = arguments.first, !name.hasPrefix("-") else { return nil }
        let known = known
        if name == "help" {
            guard arguments.count > 1, !arguments[1].hasPrefix("-") else { return nil }
            name = arguments[1]
        }
        guard !known.contains(name) else { return nil }
        let shown = name.count > 64 ? String(name.prefix(64)) + "…" : name
        var line = "'\(shown)' is not an mreg command"
        if let near = Suggestions.near(name, in: known).first { line += "; did you mean '\(near)'?" }
        return line + " (see 'mreg --help')"
    }

    /// argument-parser's usage error as one line: the problem, then the usage it printed.
    static func usageLine(_ text: String) -> String {
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        guard var problem = lines.first else { return "mreg: error: bad usage (see 'mreg --help')" }
        if problem.hasPrefix("Error: ") { problem.removeFirst("Error: ".count) }
        if let first = problem.first { problem = first.lowercased() + problem.dropFirst() }
        var line = "mreg: error: \(problem)"
        if let usage = lines.first(where: { $0.hasPrefix("Usage: ") }) {
            line += (line.hasSuffix("?") || line.hasSuffix(".") ? " Usage: " : "; usage: ") + usage.dropFirst("Usage: ".count)
        }
        if let see = lines.first(where: { $0.hasPrefix("See '") }), let end = see.range(of: "' for")?.lowerBound {
            line += " (see '\(see[see.index(see.startIndex, offsetBy: 5)..<end])')"
        }
        return line
    }
}
