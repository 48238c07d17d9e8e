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
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one version: files, params, metrics, datasets, provenance, stages and tags.",
            discussion: """
            REV is MODEL (latest), MODEL@3, MODEL@v3, MODEL@latest, MODEL@STAGE, MODEL@TAG or a manifest id prefix.
            With --as-of, answers what REV named at that time, e.g.:
              mreg show fraud@production --as-of 2026-03-01
            """)

        @Argument(help: "The version to show.", completion: StoreCompletions.revisions)
        var revision: String

        @Option(name: .long, help: ArgumentHelp("Resolve REV as it stood at the end of this date (2026, 2026-03, 2026-03-01, '2026-03-01 14:30', RFC 3339; UTC unless an offset is given).", valueName: "date"))
        var asOf: String?

        @OptionGroup var output: OutputOptions

        func run() throws {
            let registry = try Store.registry()
            let asOfDate = try asOf.map { try Format.dateSpan($0, option: "--as-of").end }
            let v = try registry.resolve(revision, asOf: asOfDate)
            let m = try Manifest.load(v.manifestID, from: registry.store)
            guard let info = v.state.versions[v.version] else {
                throw RegistryError.corrupt(.init(object: "event chain of \(v.model)", reason: "it does not register v\(v.version)"))
            }
            let stages = v.state.stages(of: v.version)
            let tags = v.state.tags(of: v.version)
            // MODEL@N where a pull renumbered a local vN: say where it went rather than silently show another.
            let asked = (try? Revision.parse(revision))?.selector.flatMap(Revision.versionNumber)
            let moved = asked.flatMap { v.state.renumbered(from: $0) }
            // An imported version: where from (MLflow's version number, time and user) and what was missing.
            let imported = (try? Event.load(info.event, from: registry.store))?.imported?.objectValue
            // A version imported without files: the later version that an import completed it with, if any.
            let completedBy = imported?["missing"]?.arrayValue?.isEmpty == false
                ? v.state.versions.keys.sorted().first { n in
                    guard n > v.version, let later = v.state.versions[n] else { return false }
                    return (try? Event.load(later.event, from: registry.store))?.imported?.objectValue?["completes"]?.intValue == v.version
                } : nil
            if output.json {
                var o = m.json.objectValue!
                o["schema"] = nil
                o["version"] = .int(v.version)
                o["manifest_id"] = .string(v.manifestID.hex)
                o["stages"] = .array(stages.map { .string($0) })
                o["tags"] = .array(tags.map { .string($0) })
                o["approvals"] = .array(v.state.approvals(of: v.version).map(approvalJSON))
                o["registered_by"] = .string(info.registeredBy)
                o["registered_at"] = .string(info.registeredAt)
                if let from = info.renumberedFrom { o["renumbered_from"] = .int(from) }
                if let imported { o["imported"] = .object(imported) }
                if let completedBy { o["completed_by"] = .int(completedBy) }
                if let moved, let asked {
                    o["renumbered_away"] = .object(["from": .int(asked), "to": .int(moved.number), "registered_by": .string(moved.registeredBy)])
                }
                if let asOf { o["as_of"] = .string(asOfDate.map(Timestamp.format) ?? asOf) }
                output.emit(.object(o))
                return
            }
            if let moved, let asked {
                Terminal.warning("a pull renumbered the v\(asked) registered by \(Names.escaped(moved.registeredBy)) to v\(moved.number) "
                                 + "('mreg show \(Names.escaped(v.model))@\(moved.number)'); v\(asked) is now the version below")
            }
            Terminal.line("\(Terminal.paint(Names.escaped(v.model), .bold)) \(Terminal.paint("v\(v.version)", .green))  manifest \(v.manifestID.hex)")
            var rows: [[String]] = [
                ["Registered", "\(Format.time(info.registeredAt)) by \(info.registeredBy)"],
            ]
            if let from = info.renumberedFrom { rows.append(["Renumbered", "from v\(from), by a pull"]) }
            if let imported {
                rows.append(["Imported", GovernanceRendering.importedSummary(imported)])
                let missing = (imported["missing"]?.arrayValue ?? []).compactMap { MLflowStore.MissingArtefacts(json: $0) }
                if !missing.isEmpty, let completedBy {
                    rows.append(["Missing", "imported without its artefacts (\(missing.map(\.text).joined(separator: ", "))); completed by v\(completedBy)"])
                } else if !missing.isEmpty {
                    rows.append(["Missing", "imported without its artefacts (\(missing.map(\.text).joined(separator: ", "))); "
                                 + "run 'mreg import mlflow' again once they are back"])
                }
                if let old = imported["completes"]?.intValue { rows.append(["Completes", "v\(old), imported without its artefacts"]) }
            }
            if !stages.isEmpty { rows.append(["Stages", stages.joined(separator: ", ")]) }
            if !tags.isEmpty { rows.append(["Tags", tags.joined(separator: ", ")]) }
            for a in v.state.approvals(of: v.version) {
                let other = a.manifest == v.manifestID ? "" : " (of another manifest)"
                rows.append(["Approved", "for \(a.stage) by \(Names.escaped(a.signer ?? a.actor)) at \(Format.time(a.time))\(other)"
                                 + (a.reason.map { ": " + Names.escaped($0) } ?? "") + " (#\(a.sequence) \(a.id.abbreviated()))"])
            }
            if !m.message.isEmpty { rows.append(["Message", m.message]) }
            if let b = m.base["model"]?.stringValue, let bv = m.base["version"]?.intValue { rows.append(["Base", "\(b)@v\(bv)"]) }
            if let git = m.provenance["git"] {
                var g = String((git["commit"]?.stringValue ?? "no commit").prefix(12))
                var extra = [String]()
                if let b = git["branch"]?.stringValue { extra.append(b) }
                if git["dirty"]?.boolValue == true { extra.append("dirty") }
                if !extra.isEmpty { g += " (\(extra.joined(separator: ", ")))" }
                if let r = git["remote"]?.stringValue { g += " \(r)" }
                rows.append(["Git", g])
            }
            if let host = m.provenance["host"]?.stringValue { rows.append(["Host", host]) }
            if let asOfDate { rows.append(["As of", Timestamp.format(asOfDate)]) }
            for line in Terminal.table(rows.map { $0.map(Names.escaped) }) { Terminal.line(line) }
            section("Files (\(m.files.count), \(Format.bytes(m.totalSize)))", m.files.map { [$0.path, Format.bytes($0.size), Format.fileSummary($0)] })
            section("Params", m.params.keys.sorted().map { [$0, m.params[$0]!.displayText] })
            section("Metrics", m.metrics.keys.sorted().map { [$0, m.metrics[$0]!.displayText] })
            section("Datasets", m.datasets.map { d in
                [d["name"]?.stringValue ?? "?", String((d["digest"]?.stringValue ?? "").prefix(19)) + "…",
                 Format.bytes(d["size"]?.intValue ?? 0), "\(d["files"]?.intValue ?? 0) file(s)"]
            })
            let env = EnvironmentSummary(m.environment)
            if env.captured {
                var rows = [[String]]()
                if let python = env.pythonLine { rows.append(["Python", python]) }
                if !env.frameworks.isEmpty { rows.append(["Frameworks", env.frameworksLine]) }
                if let gpu = env.gpuLine { rows.append(["GPU", gpu]) }
                let system = ["os", "arch"].compactMap { env.system[$0]?.stringValue }
                if !system.isEmpty { rows.append(["System", system.joined(separator: ", ")]) }
                if !env.files.isEmpty {
                    rows.append(["Files", env.files.map { $0.digest == nil ? "\($0.path) (not stored: too large)" : $0.path }.joined(separator: ", ")])
                }
                section("Environment", rows)
            }
            if case .object(let card) = m.card {
                section("Model card", card.keys.sorted().map { k in
                    let v = card[k]!
                    let text = v.arrayValue.map { $0.map(\.displayText).joined(separator: ", ") } ?? v.displayText
                    return [k, text]
                })
            }
        }

        func section(_ title: String, _ rows: [[String]]) {
            guard !rows.isEmpty else { return }
            Terminal.line("")
            Terminal.line(Terminal.paint(title, .bold))
            for line in Terminal.table(rows.map { $0.map(Names.escaped) }) { Terminal.line("  " + line) }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List models with their latest version, stages, tags and last change; with MODEL, its versions.")

        @Argument(help: "List this model's versions (newest first) instead.", completion: StoreCompletions.models)
        var model: String?

        @OptionGroup var output: OutputOptions

        func listVersions(_ registry: Registry, _ name: String) throws {
            let state = try registry.existingState(of: try Revision.parse(name).model)
            let versions = state.versions.values.sorted { $0.number > $1.number }
            // Every version removed (`mreg rm MODEL`): say so, as `show` does, rather than list nothing.
            if versions.isEmpty, let last = state.removed.values.max(by: { $0.number < $1.number }) {
                throw RegistryError.notFound(.everyVersionRemoved(last: last, model: state.model))
            }
            // A version whose manifest cannot be read is listed without a message, and named on stderr (exit 4).
            var damaged = [(version: Int64, error: any Error)]()
            let messages = versions.map { v -> String in
                do {
                    return try Manifest.load(v.manifest, from: registry.store).message
                } catch {
                    damaged.append((v.number, error))
                    return ""
                }
            }
            renderVersions(state, versions, messages)
            for d in damaged { Terminal.error("mreg: error: \(state.model) v\(d.version): \(Names.escaped("\(d.error)")); run 'mreg fsck'") }
            if !damaged.isEmpty { throw CommandFailure(.corrupt) }
        }

        func renderVersions(_ state: ModelState, _ versions: [ModelState.VersionInfo], _ messages: [String]) {
            if output.json {
                output.emit(.array(zip(versions, messages).map { v, message in
                    .object([
                        "version": .int(v.number), "manifest": .string(v.manifest.hex), "registered_at": .string(v.registeredAt),
                        "registered_by": .string(v.registeredBy), "message": .string(message),
                        "stages": .array(state.stages(of: v.number).map { .string($0) }),
                        "tags": .array(state.tags(of: v.number).map { .string($0) }),
                    ])
                }))
                return
            }
            var rows = [["VERSION", "REGISTERED", "BY", "STAGES", "TAGS", "MESSAGE"]]
            for (v, message) in zip(versions, messages) {
                let stages = state.stages(of: v.number).joined(separator: ",")
                let tags = state.tags(of: v.number).joined(separator: ",")
                rows.append(["v\(v.number)", Format.time(v.registeredAt), v.registeredBy, stages.isEmpty ? "-" : stages,
                             tags.isEmpty ? "-" : tags, String(message.prefix(60))].map(Names.escaped))
            }
            for (i, line) in Terminal.table(rows).enumerated() { Terminal.line(i == 0 ? Terminal.paint(line, .bold) : line) }
        }

        func run() throws {
            let registry = try Store.registry()
            if let model { return try listVersions(registry, model) }
            // A damaged model is named on stderr (exit 4); the others are listed as usual.
            let (all, damaged) = try RegistryIndex(registry: registry).modelSummariesAndDamage()
            // A model whose every version was removed (`mreg rm MODEL`) is not listed.
            let states = all.filter { $0.versionCount > 0 }
            try render(states, noneYet: damaged.isEmpty && all.isEmpty)
            try DamagedModels.finish(damaged)
        }

        func render(_ states: [ModelSummary], noneYet: Bool) throws {
            if output.json {
                output.emit(.array(states.map { s in
                    .object([
                        "model": .string(s.model), "latest": JSONValue(s.latestVersion), "versions": .int(Int64(s.versionCount)),
                        "stages": .object(s.stages.mapValues { .int($0) }), "tags": .object(s.tags.mapValues { .int($0) }),
                        "last_change": JSONValue(s.lastChange),
                    ])
                }))
                return
            }
            if states.isEmpty {
                if noneYet { Terminal.error("no models yet: register one with 'mreg register MODEL PATH...'") }
                return
            }
            var rows = [["MODEL", "LATEST", "STAGES", "TAGS", "LAST CHANGE"]]
            for s in states {
                let stages = s.stages.sorted { $0.key < $1.key }.map { "\($0.key)=v\($0.value)" }.joined(separator: " ")
                let tags = s.tags.sorted { $0.key < $1.key }.map { "\($0.key)=v\($0.value)" }.joined(separator: " ")
                rows.append([s.model, s.latestVersion.map { "v\($0)" } ?? "-", stages.isEmpty ? "-" : stages,
                             tags.isEmpty ? "-" : tags, s.lastChange.map(Format.time) ?? "-"].map(Names.escaped))
            }
            for (i, line) in Terminal.table(rows).enumerated() { Terminal.line(i == 0 ? Terminal.paint(line, .bold) : line) }
        }
    }

    struct LsFiles: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ls-files",
            abstract: "List a version's files: mode, object id, size and path.")

        @Argument(help: "The version (MODEL@REV).", completion: StoreCompletions.revisions)
        var revision: String

        @Flag(name: .shortAndLong, help: "Print the sha256 digest and format too.")
        var long = false

        @OptionGroup var output: OutputOptions

        func run() throws {
            let registry = try Store.registry()
            let v = try registry.resolve(revision)
            let m = try Manifest.load(v.manifestID, from: registry.store)
            if output.json {
                output.emit(.array(m.files.map(\.json)))
                return
            }
            let rows = m.files.map { f -> [String] in
                long ? [f.mode, f.object.abbreviated(12), String(f.size), f.digest, f.format ?? "-", f.path]
                     : [f.mode, f.object.abbreviated(12), String(f.size), f.path]
            }
            for line in Terminal.table(rows) { Terminal.line(line) }
        }
    }
}
