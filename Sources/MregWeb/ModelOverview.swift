import Foundation
import MregIndex
import MregRegistry
import MregStore
import MregSupport

/// What the model page shows, read from a registry: the model's state, its versions with their
/// params and metrics (from the index), its events, and the latest version's manifest and card.
/// Shared by `mreg serve` (`/models/NAME`) and `mreg report`.
public struct ModelOverview: Sendable {
    public var state: ModelState
    /// The live versions, newest first.
    public var versions: [SearchResult.Hit]
    /// The model's events, newest first.
    public var events: [(id: ObjectID, event: Event)]
    public var latest: Manifest?
    /// The latest version's rendered card (README.md), sanitized.
    public var cardHTML: String?
    /// What could not be read (a damaged manifest or card), one line each.
    public var problems: [String] = []

    /// Reads `model` from `registry`; `versions` keeps only the version numbers in that range.
    ///
    /// - Throws: not found for an unknown model; the model's damage when its chain cannot be read.
    public static func load(_ registry: Registry, model: String, versions range: ClosedRange<Int64>? = nil) throws -> ModelOverview {
        let state = try registry.existingState(of: model)
        var hits = try RegistryIndex(registry: registry).versionHits(of: model)
        if let range { hits = hits.filter { range.contains($0.version) } }
        var overview = ModelOverview(state: state, versions: hits, events: try registry.cachedEvents(of: model))
        let latestNumber = range.flatMap { r in hits.first.map(\.version).flatMap { r.contains($0) ? $0 : nil } } ?? state.latestLiveVersion
        if let number = latestNumber, let info = state.versions[number] {
            do {
                let manifest = try Manifest.load(info.manifest, from: registry.store)
                overview.latest = manifest
                overview.cardHTML = try Self.cardHTML(registry, manifest, label: "\(model)@v\(number)")
            } catch {
                overview.problems.append("\(model) v\(number) cannot be read: \(error); run 'mreg fsck'")
            }
        }
        return overview
    }

    /// The rendered README.md of a version, if it has one of at most `CardRenderer.maximumBytes`.
    public static func cardHTML(_ registry: Registry, _ manifest: Manifest, label: String) throws -> String? {
        guard let file = manifest.files.first(where: { $0.path.lowercased() == "readme.md" && $0.target == nil }),
              file.size <= Int64(CardRenderer.maximumBytes) else { return nil }
        var bytes = [UInt8]()
        try registry.writeVerified(file, version: label) { bytes += $0 }
        return CardRenderer.html(markdown: String(decoding: bytes, as: UTF8.self))
    }

    /// The numeric metric keys of the versions, sorted.
    public var metricKeys: [String] {
        var keys = Set<String>()
        for v in versions { for (k, value) in v.fields.metrics where value.isNumber { keys.insert(k) } }
        return keys.sorted()
    }

    /// One plot per numeric metric, stage changes marked, all on one axis of the versions shown
    /// (a version sits at the same x in every plot; one without the metric is a gap).
    public var plots: [MetricPlot] {
        let markers = events.compactMap { e -> MetricPlot.Marker? in
            guard e.event.action == .promote, let v = e.event.version, let s = e.event.stage else { return nil }
            return MetricPlot.Marker(version: v, stage: s)
        }
        let fields = versions.map { ($0.version, $0.fields.metrics) }
        let axis = versions.map(\.version)
        return metricKeys.map { key in
            MetricPlot(metric: key, points: fields.compactMap { v, m in m[key]?.doubleValue.map { MetricPlot.Point(version: v, value: $0) } },
                       markers: markers, versions: axis)
        }
    }
}
