import MregIndex
import MregRegistry
import MregStore
import MregSupport

/// The JSON API: the same data as the pages, in the `--json` shapes of the command line
/// (`list`, `list MODEL`, `show`, `search`, `log`, `diff`; schemas in Docs/COMMANDS.md).
extension WebSite {
    func json(_ value: JSONValue) -> WebResponse {
        WebResponse(status: 200, contentType: "application/json", body: Array((value.pretty + "\n").utf8))
    }

    /// `/api/models`: `mreg list --json`.
    func apiModels(_ registry: Registry) throws -> WebResponse {
        let (all, _) = try RegistryIndex(registry: registry).modelSummariesAndDamage()
        return json(.array(all.filter { $0.versionCount > 0 }.map { s in
            .object([
                "model": .string(s.model), "latest": JSONValue(s.latestVersion), "versions": .int(Int64(s.versionCount)),
                "stages": .object(s.stages.mapValues { .int($0) }), "tags": .object(s.tags.mapValues { .int($0) }),
                "last_change": JSONValue(s.lastChange),
            ])
        }))
    }

    /// `/api/models/NAME`: `mreg list NAME --json` (versions newest first).
    func apiModel(_ registry: Registry, model: String) throws -> WebResponse {
        let overview = try ModelOverview.load(registry, model: try checkedModel(model))
        let state = overview.state
        return json(.array(overview.versions.map { v in
            let f = v.fields
            return .object([
                "version": .int(v.version), "manifest": .string(f.manifest.hex), "registered_at": .string(f.created),
                "registered_by": .string(f.author), "message": .string(f.message),
                "stages": .array(state.stages(of: v.version).map { .string($0) }),
                "tags": .array(state.tags(of: v.version).map { .string($0) }),
            ])
        }))
    }

    /// `/api/models/NAME/versions/N`: `mreg show NAME@N --json`.
    func apiVersion(_ registry: Registry, model: String, version: String) throws -> WebResponse {
        let v = try registry.resolve(try checkedRevision(model, version))
        let m = try Manifest.load(v.manifestID, from: registry.store)
        var o = m.json.objectValue ?? [:]
        o["schema"] = nil
        o["version"] = .int(v.version)
        o["manifest_id"] = .string(v.manifestID.hex)
        o["stages"] = .array(v.state.stages(of: v.version).map { .string($0) })
        o["tags"] = .array(v.state.tags(of: v.version).map { .string($0) })
        if let info = v.state.versions[v.version] {
            o["registered_by"] = .string(info.registeredBy)
            o["registered_at"] = .string(info.registeredAt)
            if let from = info.renumberedFrom { o["renumbered_from"] = .int(from) }
        }
        return json(.object(o))
    }

    /// `/api/models/NAME/log`: `mreg log NAME --json`.
    func apiLog(_ registry: Registry, model: String) throws -> WebResponse {
        json(.array(try registry.logAndDamage(model: try checkedModel(model)).entries.map(\.json)))
    }

    /// `/api/models/NAME/diff/A/B`: `mreg diff NAME@A NAME@B --json`.
    func apiDiff(_ registry: Registry, model: String, old: String, new: String) throws -> WebResponse {
        let diff = try registry.diff(try checkedRevision(model, old), try checkedRevision(model, new))
        return json(diff.json(sections: Set(VersionDiff.Section.allCases), all: false))
    }

    /// `/api/search?q=EXPR[&order=FIELD DESC][&limit=N]`: `mreg search --json`; a bad query is a 400 naming its column.
    func apiSearch(_ registry: Registry, _ r: Request) throws -> WebResponse {
        let query = try SearchQuery.parse(r.query["q"] ?? "")
        let order = try (r.query["order"]).map { [try SearchOrder.parse($0)] } ?? []
        let limit = r.query["limit"].flatMap { Int($0) }.map { max(0, $0) }
        let result = try RegistryIndex(registry: registry).search(query, order: order, limit: limit)
        return json(.array(result.hits.map(\.json)))
    }
}
