import ArgumentParser
import MregRegistry
import MregFilter
import MregStore
import MregSupport

extension MregCommand {
    struct ConfigCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "config",
            abstract: "Get or set a setting in the store's config (or with --global, the user's).",
            discussion: """
            Keys look like section.name or section.sub.name (git's INI syntax). Examples:
              mreg config user.name "Ada Lovelace"
              mreg config --global user.email ada@example.com
              mreg config core.compression 0
              mreg config --list
            Exits 1 when the key is not set (when getting it, or with --unset).
            """)

        @Flag(name: .long, help: "Use the user's config file (~/.mregconfig or $MREG_CONFIG_GLOBAL).")
        var global = false
        @Flag(name: .long, help: "Remove the key.")
        var unset = false
        @Flag(name: [.short, .long], help: "List all settings.")
        var list = false

        @Argument(help: "The key, e.g. user.name.")
        var key: String?
        @Argument(help: "The value to set; without it, print the current value.")
        var value: String?

        @OptionGroup var output: OutputOptions

        func validate() throws {
            if !list && key == nil { throw ValidationError("give a KEY (or --list)") }
            if unset && value != nil { throw ValidationError("--unset takes only a KEY") }
            if output.json && (unset || value != nil) { throw ValidationError("--json goes with --list or a KEY to print") }
        }

        func run() throws {
            if let key, let value { try Settings.validate(key: key, value: value) }
            if let key, let value, key.lowercased() == "registry.stages" { try checkNewStages(value) }
            if unset, !global, let key, key.lowercased() == "registry.stages" {
                // Back to the user's list or the defaults: those must not be tag names either.
                let registry = try Store.registry()
                let fallback = registry.repository.globalConfig.get("registry.stages").flatMap { try? Settings.stages(from: $0) }
                try registry.validateNewStages(fallback ?? Registry.defaultStages)
            }
            if global {
                let path = Config.globalPath()
                var config = try Config.load(path)
                if list { printList([("global", config)]); return }
                guard let key else { return }
                if unset {
                    if try !config.unset(key) { throw CommandFailure(.negative) }
                    try config.save(path)
                } else if let value {
                    try config.set(key, value)
                    try config.save(path)
                } else {
                    guard let v = config.get(key) else { throw CommandFailure(.negative) }
                    printValue(key: key, value: v)
                }
                return
            }
            var repo = try Store.open()
            if list {
                printList([("global", repo.globalConfig), ("store", repo.config)])
                return
            }
            guard let key else { return }
            if unset {
                if try !repo.unsetConfig(key) { throw CommandFailure(.negative) }
            } else if let value {
                try repo.setConfig(key, value)
            } else {
                guard let v = repo.setting(key) else { throw CommandFailure(.negative) }
                printValue(key: key, value: v)
            }
        }

        /// `key=value` lines (the user's settings first, then the store's, which win), or with
        /// --json an array of `{"key", "value", "scope"}`; secrets are redacted either way.
        func printList(_ scopes: [(name: String, config: Config)]) {
            let entries = scopes.flatMap { scope in
                scope.config.entries.map { (key: $0.key, value: Redaction.setting(key: $0.key, value: $0.value), scope: scope.name) }
            }
            if output.json {
                output.emit(.array(entries.map { .object(["key": .string($0.key), "value": .string($0.value), "scope": .string($0.scope)]) }))
            } else {
                for e in entries { Terminal.line("\(e.key)=\(e.value)") }
            }
        }

        /// One setting's value as stored, or with --json `{"key", "value"}`.
        func printValue(key: String, value: String) {
            if output.json {
                output.emit(.object(["key": .string(key), "value": .string(value)]))
            } else {
                Terminal.line(value)
            }
        }

        /// Refuses a stage list that adds a stage named like an existing tag (of any model of
        /// the store here), which `MODEL@NAME` would hide. A `--global` list is checked against
        /// the store here when that store has no list of its own.
        func checkNewStages(_ value: String) throws {
            let stages = try Settings.stages(from: value)
            if global {
                guard let registry = try? Store.registry(), registry.repository.config.get("registry.stages") == nil else { return }
                try registry.validateNewStages(stages)
            } else {
                try Store.registry().validateNewStages(stages)
            }
        }
    }
}
