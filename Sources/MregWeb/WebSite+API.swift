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

    /// `/api/models/NAME`: `mreg list NAME --json` (versions newest first), each version with
    /// its `params` and `metrics` as `search --json` has them.
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
                "params": .object(f.params), "metrics": .object(f.metrics),
            ])
        }))
    }

    /// `/api/models/NAME/versions/N`: `mreg show NAME@N --json`.
    func apiVersion(_ registry: Registry, model: String, version: String) throws -> WebResponse {
        let v = try registry.resolve(try checkedRevision(model, version, in: registry))
        let m = try Manifest.load(v.manifestID, from: registry.store)
        var o = m.json.objectValue ?? [:]
        o["schema"] = nil
        o["version"] = .int(v.version)
        o["manifest_id"] = .string(v.manifestID.hex)
        o["stages"] = .array(v.state.stages(of: v.version).map { .string($0) })
        o["tags"] = .array(v.state.tags(of: v.version).map { .string($0) })
        o["approvals"] = .array(v.state.approvals(of: v.version).map(Self.approvalJSON))
        if let info = v.state.versions[v.version] {
            o["registered_by"] = .string(info.registeredBy)
            o["registered_at"] = .string(info.registeredAt)
            if let from = info.renumberedFrom { o["renumbered_from"] = .int(from) }
        }
        return json(.object(o))
    }

    /// An approval as `mreg show --json` writes it: `{"id", "seq", "stage", "manifest", "signer", "actor", "time", "reason"}`.
    static func approvalJSON(_ a: Approval) -> JSONValue {
        [
            "id": .string(a.id.hex), "seq": .int(a.sequence), "stage": .string(a.stage), "manifest": .string(a.manifest.hex),
            "signer": JSONValue(a.signer), "actor": .string(a.actor), "time": .string(a.time), "reason": JSONValue(a.reason),
        ]
    }

    /// `/api/models/NAME/log`: `mreg log NAME --json`.
    func apiLog(_ registry: Registry, model: String) throws -> WebResponse {
        json(.array(try registry.logAndDamage(model: try checkedModel(model)).entries.map(\.json)))
    }

    /// `/api/models/NAME/diff/A/B`: `mreg diff NAME@A NAME@B --json`.
    func apiDiff(_ registry: Registry, model: String, old: String, new: String) throws -> WebResponse {
        let diff = try registry.diff(try checkedRevision(model, old, in: registry), try checkedRevision(model, new, in: registry))
        return json(diff.json(sections: Set(VersionDiff.Section.allCases), all: false))
    }

    /// `/api/search?q=EXPR[&order=FIELD DESC][&limit=N]`: `mreg search --json`; a bad query is a 400 naming its column.
    func apiSearch(_ registry: Registry, _ r: Request) throws -> WebResponse {
        let query = try SearchQuery.parse(r.query["q"] ?? "")
        let order = try (r.query["order"]).map { [try SearchOrder.parse($0)] } ?? []
        var limit: Int?
        if let text = r.query["limit"] {
            guard let n = Int(text), n >= 0 else {
                throw WebFailure(status: 400, title: "Bad request", message: "?limit=\(text) is not a number of results: use 0 or more")
            }
            limit = n
        }
        let result = try RegistryIndex(registry: registry).search(query, order: order, limit: limit)
        return json(.array(result.hits.map(\.json)))
    }
}
