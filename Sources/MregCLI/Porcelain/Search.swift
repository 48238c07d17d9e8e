import ArgumentParser
import Foundation
import MregRegistry
import MregFilter
import MregRemote
import MregGovernance
import MregIndex
import MregSupport
import MregStore

extension MregCommand {
    struct Search: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Find versions across all models with a filter (MLflow's syntax, with OR and parentheses).",
            discussion: """
            Fields: model, version, stage, tag, author, created, message, format, parameters (parameter \
            count), removed (true for removed versions, which search otherwise skips), params.KEY, \
            metrics.KEY, card.KEY (model-card fields; quote odd keys with backticks: params.`drop-out`), \
            environment.KEY (python, python_kind, os, kernel, arch, cores, memory, cuda, driver, gpus, \
            gpu, packages.NAME; python, cuda, driver and package versions compare as versions: \
            environment.packages.torch >= '2.1' holds for 2.10.0). Policy gates use the same language. \
            Operators: = != < <= > >=, LIKE and ILIKE ('%' any run, '_' one character), IN (...), \
            NOT IN, NOT LIKE, IS NULL, IS NOT NULL; combine with AND, OR, NOT and parentheses. \
            Text and dates in single quotes; dates are spans ('2026-03' is all of March, UTC).
            Examples:
              mreg search "params.optimizer = 'adam' and stage = 'production'"
              mreg search "metrics.auc >= 0.9 or (tag = 'reviewed' and metrics.auc >= 0.8)"
              mreg search "model LIKE 'fraud%' and created >= '2026-01-01'" \\
                --order-by 'metrics.auc DESC' --limit 5
              mreg search "format = 'gguf' and parameters > 7B" --json
            """)

        @Argument(help: ArgumentHelp("The filter (default: every version); quote it as one argument.", valueName: "expr"))
        var expression: [String] = []

        @Option(name: .customLong("order-by"),
                help: ArgumentHelp("Sort by FIELD [ASC|DESC] (repeatable; default: newest first).", valueName: "field [ASC|DESC]"))
        var orderBy: [String] = []

        @Option(name: .long, parsing: .unconditional, help: "Show at most N versions.")
        var limit: Int?

        @OptionGroup var output: OutputOptions

        func validate() throws {
            if let limit, limit < 0 { throw ValidationError("--limit takes a positive number") }
        }

        func run() throws {
            let query = try SearchQuery.parse(expression.joined(separator: " "))
            let order = try orderBy.map(SearchOrder.parse)
            let registry = try Store.registry()
            let index = RegistryIndex(registry: registry)
            let result = try index.search(query, order: order, limit: limit)
            // A damaged model is named on stderr (exit 4); the others are searched as usual.
            let unknown = result.total == 0 && result.damaged.isEmpty ? try Self.keysNoVersionHas(query, index: index) : []
            // An --order-by key no version has would sort nothing and print '-' in every row: a typo.
            let unordered = unknown.isEmpty && result.damaged.isEmpty
                ? try Self.keysNoVersionHas(order.map(\.field), includingRemoved: query.fields.contains(.removed), index: index) : []
            if !unknown.isEmpty || !unordered.isEmpty {
                if output.json { output.emit(.array([])) }
                let names = (unknown.isEmpty ? unordered : unknown).map(\.description).joined(separator: " or ")
                throw CommandFailure(.negative, message: "mreg: error: \(unknown.isEmpty ? "--order-by: " : "")no version has \(names) "
                                     + "(searched \(result.searched); see 'mreg show MODEL' for the keys a version has)")
            }
            try render(result)
            try DamagedModels.finish(result.damaged)
        }

        /// The keyed fields (`params.X`, `metrics.X`, `card.X`, `environment.X`) of `query` that
        /// no version has, so an empty result can say why instead of a bare "no version matches".
        static func keysNoVersionHas(_ query: SearchQuery, index: RegistryIndex) throws -> [SearchField] {
            try keysNoVersionHas(query.fields, includingRemoved: query.fields.contains(.removed), index: index)
        }

        /// The keyed fields among `fields` that no version has (removed versions count when
        /// `includingRemoved`, as they do in a query that names `removed`).
        static func keysNoVersionHas(_ fields: [SearchField], includingRemoved: Bool, index: RegistryIndex) throws -> [SearchField] {
            var missing = [SearchField]()
            for field in fields where !missing.contains(field) {
                switch field {
                case .param, .metric, .card, .environment:
                    let probe = try SearchQuery.parse("\(field) IS NOT NULL" + (includingRemoved ? " and (removed = true or removed = false)" : ""))
                    if try index.search(probe, order: [], limit: 0).total == 0 { missing.append(field) }
                default:
                    continue
                }
            }
            return missing
        }

        func render(_ result: SearchResult) throws {
            if output.json {
                output.emit(.array(result.hits.map(\.json)))
                return
            }
            if result.hits.isEmpty {
                Terminal.error(result.total == 0 ? "no version matches (searched \(result.searched))" : "no version shown (--limit 0; \(result.total) match)")
                return
            }
            let extra = result.extraColumns
            var rows = [["MODEL", "VERSION", "STAGES", "TAGS", "CREATED"] + extra.map(\.description)]
            for hit in result.hits {
                var row = [hit.model, "v\(hit.version)", hit.stages.isEmpty ? "-" : hit.stages.joined(separator: ","),
                           hit.tags.isEmpty ? "-" : hit.tags.joined(separator: ","), Self.time(hit.created)]
                for field in extra {
                    let values = hit.values(of: field)
                    row.append(values.isEmpty ? "-" : values.map { field == .parameters ? Format.count($0.intValue ?? 0) : $0.displayText }
                        .joined(separator: ","))
                }
                rows.append(row.map(Names.escaped))
            }
            // One write for the whole table: a search may print a row per version.
            var lines = Terminal.table(rows)
            lines[0] = Terminal.paint(lines[0], .bold)
            Terminal.write(lines.joined(separator: "\n") + "\n")
            if result.hits.count < result.total {
                Terminal.error("mreg: showing \(result.hits.count) of \(result.total) matching versions (raise --limit for more)")
            }
        }

        /// `2026-11-26 15:20:11` from `2026-11-26T15:20:11Z` (`Format.time` for other forms); cheap, as
        /// a search may print a row per version.
        static func time(_ text: String) -> String {
            let u = Array(text.utf8)
            guard u.count == 20, u[10] == UInt8(ascii: "T"), u[19] == UInt8(ascii: "Z") else { return Format.time(text) }
            return String(decoding: u[0..<10] + [UInt8(ascii: " ")] + u[11..<19], as: UTF8.self)
        }
    }

    struct Reindex: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rebuild the index (.mreg/index) from objects and refs.",
            discussion: """
            The index is a cache that list, log, show and search read; it catches up on its own \
            when a head moves, so this is never required. It deletes the index and rebuilds it.
            """)

        @OptionGroup var output: OutputOptions

        func run() throws {
            let registry = try Store.registry()
            let r = try RegistryIndex(registry: registry).reindex()
            if output.json {
                output.emit(.object([
                    "models": .int(Int64(r.models)), "versions": .int(Int64(r.versions)), "events": .int(Int64(r.events)),
                    "bytes": .int(r.bytes), "seconds": .double((r.seconds * 1000).rounded() / 1000),
                ]))
                try DamagedModels.finish(r.damaged)
                return
            }
            Terminal.line("Indexed \(r.models) model(s), \(r.versions) version(s), \(r.events) event(s) in "
                          + String(format: "%.2f s", r.seconds) + " (\(Format.bytes(r.bytes)) in \(RegistryIndex(registry: registry).directory))")
            try DamagedModels.finish(r.damaged)
        }
    }
}
