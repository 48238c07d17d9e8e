import MregStore
import MregSupport

/// The differences between two versions: params, metrics, files, provenance and lineage.
///
/// Its JSON follows DVC's `params diff --json` shape: `{"params": {"lr": {"old": 0.01, "new": 0.02}}, …}`.
public struct VersionDiff: Sendable {
    public enum Section: String, Sendable, CaseIterable {
        case params, metrics, files, provenance, lineage, environment
    }

    public struct ValueChange: Sendable, Equatable {
        public var key: String
        public var old: JSONValue?
        public var new: JSONValue?
        public var changed: Bool { old != new }
        /// new − old, when both are numbers.
        public var diff: JSONValue? {
            guard let old, let new, old.isNumber, new.isNumber else { return nil }
            return JSONValue.difference(old, new)
        }
    }

    public struct FileChange: Sendable {
        public enum Kind: String, Sendable { case added, removed, changed, unchanged }
        public var kind: Kind
        public var path: String
        public var old: ManifestFile?
        public var new: ManifestFile?
    }

    public var old: ResolvedVersion
    public var new: ResolvedVersion
    public var params: [ValueChange]
    public var metrics: [ValueChange]
    public var files: [FileChange]
    public var provenance: [ValueChange]
    public var lineage: [ValueChange]
    /// `python`, `os`, `arch`, `cuda`, `packages.NAME`, `files.PATH` (digest), … of the captured
    /// environments (`EnvironmentSummary.diffFields`): a package only one side has is added or removed.
    public var environment: [ValueChange]

    public init(old: ResolvedVersion, oldManifest a: Manifest, new: ResolvedVersion, newManifest b: Manifest) {
        self.old = old
        self.new = new
        params = Self.compare(a.params, b.params)
        metrics = Self.compare(a.metrics, b.metrics)
        provenance = Self.compare(ParamsLoader.flatten(.object(a.provenance)), ParamsLoader.flatten(.object(b.provenance)))
        var lineageA: [String: JSONValue] = ["message": .string(a.message)]
        var lineageB: [String: JSONValue] = ["message": .string(b.message)]
        if let base = Self.baseLabel(a.base) { lineageA["base"] = .string(base) }
        if let base = Self.baseLabel(b.base) { lineageB["base"] = .string(base) }
        for (i, d) in a.datasets.enumerated() { lineageA["datasets.\(d["name"]?.stringValue ?? String(i))"] = d["digest"] ?? .null }
        for (i, d) in b.datasets.enumerated() { lineageB["datasets.\(d["name"]?.stringValue ?? String(i))"] = d["digest"] ?? .null }
        lineage = Self.compare(lineageA, lineageB)
        let envA = EnvironmentSummary(a.environment), envB = EnvironmentSummary(b.environment)
        if envA.captured && envB.captured {
            environment = Self.compare(envA.diffFields, envB.diffFields)
        } else {
            // One side recorded no environment (--env none, or older): not every package "added".
            environment = envA.captured == envB.captured ? []
                : [ValueChange(key: "captured", old: .bool(envA.captured), new: .bool(envB.captured))]
        }
        let oldFiles = Dictionary(a.files.map { ($0.path, $0) }, uniquingKeysWith: { x, _ in x })
        let newFiles = Dictionary(b.files.map { ($0.path, $0) }, uniquingKeysWith: { x, _ in x })
        files = Set(oldFiles.keys).union(newFiles.keys).sorted().map { path in
            let o = oldFiles[path], n = newFiles[path]
            let kind: FileChange.Kind
            switch (o, n) {
            case (nil, _): kind = .added
            case (_, nil): kind = .removed
            case (let o?, let n?): kind = o.digest == n.digest && o.mode == n.mode ? .unchanged : .changed
            }
            return FileChange(kind: kind, path: path, old: o, new: n)
        }
    }

    static func baseLabel(_ base: JSONValue) -> String? {
        guard let m = base["model"]?.stringValue, let v = base["version"]?.intValue else { return nil }
        return "\(m)@v\(v)"
    }

    static func compare(_ a: [String: JSONValue], _ b: [String: JSONValue]) -> [ValueChange] {
        Set(a.keys).union(b.keys).sorted().map { ValueChange(key: $0, old: a[$0], new: b[$0]) }
    }

    /// Whether anything differs in the given sections (provenance `time`, `command` and `cwd` aside).
    public func hasDifferences(in sections: Set<Section>) -> Bool {
        for s in sections {
            switch s {
            case .params: if params.contains(where: \.changed) { return true }
            case .metrics: if metrics.contains(where: \.changed) { return true }
            case .files: if files.contains(where: { $0.kind != .unchanged }) { return true }
            case .provenance:
                if provenance.contains(where: { $0.changed && !Self.volatileProvenance($0.key) }) { return true }
            case .lineage: if lineage.contains(where: \.changed) { return true }
            case .environment:
                if environment.contains(where: { $0.changed && !EnvironmentSummary.isMachineDetail($0.key) }) { return true }
            }
        }
        return false
    }

    /// Provenance keys that differ between any two registrations (time, host, command line, folder).
    public static func isVolatileProvenance(_ key: String) -> Bool { volatileProvenance(key) }

    static func volatileProvenance(_ key: String) -> Bool {
        key == "time" || key.hasPrefix("command") || key == "cwd" || key == "host"
    }

    static func fileJSON(_ f: ManifestFile?) -> JSONValue {
        guard let f else { return .null }
        var fields: [String: JSONValue] = ["size": .int(f.size), "digest": .string(f.digest), "mode": .string(f.mode), "format": JSONValue(f.format)]
        if let target = f.target { fields["target"] = .string(target) }
        return .object(fields)
    }

    /// The diff as JSON; `all` includes unchanged entries.
    public func json(sections: Set<Section>, all: Bool) -> JSONValue {
        func values(_ list: [ValueChange], withDiff: Bool) -> JSONValue {
            var o = [String: JSONValue]()
            for c in list where all || (c.changed && !(list == provenance && Self.volatileProvenance(c.key))
                                         && !(list == environment && EnvironmentSummary.isMachineDetail(c.key))) {
                var entry: [String: JSONValue] = ["old": c.old ?? .null, "new": c.new ?? .null]
                if withDiff, let d = c.diff { entry["diff"] = d }
                o[c.key] = .object(entry)
            }
            return .object(o)
        }
        var out: [String: JSONValue] = [
            "old": .object(["model": .string(old.model), "version": .int(old.version), "manifest": .string(old.manifestID.hex)]),
            "new": .object(["model": .string(new.model), "version": .int(new.version), "manifest": .string(new.manifestID.hex)]),
        ]
        if sections.contains(.params) { out["params"] = values(params, withDiff: false) }
        if sections.contains(.metrics) { out["metrics"] = values(metrics, withDiff: true) }
        if sections.contains(.provenance) { out["provenance"] = values(provenance, withDiff: false) }
        if sections.contains(.lineage) { out["lineage"] = values(lineage, withDiff: false) }
        if sections.contains(.environment) { out["environment"] = values(environment, withDiff: false) }
        if sections.contains(.files) {
            var groups = [String: [JSONValue]]()
            for kind in ["added", "removed", "changed"] + (all ? ["unchanged"] : []) { groups[kind] = [] }
            for f in files where all || f.kind != .unchanged {
                var entry: [String: JSONValue] = ["path": .string(f.path)]
                switch f.kind {
                case .added: entry["new"] = Self.fileJSON(f.new)
                case .removed: entry["old"] = Self.fileJSON(f.old)
                case .changed, .unchanged:
                    entry["old"] = Self.fileJSON(f.old)
                    entry["new"] = Self.fileJSON(f.new)
                    if let a = f.old?.size, let b = f.new?.size { entry["size_diff"] = .int(b - a) }
                }
                groups[f.kind.rawValue, default: []].append(.object(entry))
            }
            out["files"] = .object(groups.mapValues { .array($0) })
        }
        // Over the sections shown, so it always agrees with --exit-code.
        out["identical"] = .bool(!hasDifferences(in: sections))
        return .object(out)
    }
}

extension Registry {
    /// Compares two versions; without `newRev`, `oldRev` is compared with its previous version.
    public func diff(_ oldRev: String, _ newRev: String?) throws -> VersionDiff {
        var a = try resolve(oldRev)
        var b: ResolvedVersion
        if let newRev {
            b = try resolve(newRev)
        } else {
            b = a
            guard let prev = a.state.versions.values.filter({ $0.number < a.version }).max(by: { $0.number < $1.number }) else {
                throw RegistryError.badInput(.noPreviousVersion(version: a.label, model: a.model))
            }
            a = ResolvedVersion(model: a.model, version: prev.number, manifestID: prev.manifest, state: a.state)
        }
        return VersionDiff(old: a, oldManifest: try Manifest.load(a.manifestID, from: store),
                           new: b, newManifest: try Manifest.load(b.manifestID, from: store))
    }
}
