import Foundation

/// One numeric metric across a model's versions, drawn as an SVG line plot on the server
/// (no script, no font from the network): a point per version, each point's value written
/// beside it when there are few, labelled axes, a dashed line where a version entered a stage.
///
/// Every plot of a page takes the same `versions` axis, so a version sits at the same x in
/// each; a version without a value of this metric is a gap in the line.
public struct MetricPlot: Sendable {
    /// A version's value.
    public struct Point: Sendable, Equatable {
        public var version: Int64
        public var value: Double
        public init(version: Int64, value: Double) {
            self.version = version
            self.value = value
        }
    }

    /// A promotion: `version` entered `stage`.
    public struct Marker: Sendable, Equatable {
        public var version: Int64
        public var stage: String
        public init(version: Int64, stage: String) {
            self.version = version
            self.stage = stage
        }
    }

    public var metric: String
    public var points: [Point]
    public var markers: [Marker]
    /// The versions along the x axis, oldest first (the points' versions and those given).
    public var versions: [Int64]
    public var width = 520.0
    public var height = 240.0
    /// Up to this many points, each point's value is written beside it (readable when printed).
    public static let labelledPoints = 12

    /// `versions` is the x axis shared by a page's plots; without it, the points' versions.
    public init(metric: String, points: [Point], markers: [Marker] = [], versions: [Int64] = []) {
        self.metric = metric
        self.points = points.filter { $0.value.isFinite }.sorted { $0.version < $1.version }
        self.markers = markers
        self.versions = Set(versions).union(self.points.map(\.version)).sorted()
    }

    /// The plot as an `<svg>` element; every text in it escaped.
    public var svg: String {
        let left = 60.0, right = 16.0, bottom = 34.0
        let plotW = width - left - right
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" role=\"img\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
            + "viewBox=\"0 0 \(Int(width)) \(Int(height))\" data-metric=\"\(HTML.escape(metric))\">"
        out += "<title>\(HTML.escape(metric)) by version</title>"
        out += "<rect x=\"0\" y=\"0\" width=\"\(Int(width))\" height=\"\(Int(height))\" fill=\"#fff\"/>"
        out += "<text x=\"\(Int(left))\" y=\"16\" class=\"plot-title\">\(HTML.escape(metric))</text>"
        guard let lo = points.map(\.value).min(), let hi = points.map(\.value).max() else {
            return out + "<text x=\"\(Int(left))\" y=\"\(Int(height / 2))\">no values</text></svg>"
        }
        // The x of each version of the axis: evenly spaced, inset so end labels stay inside.
        let slot = Dictionary(uniqueKeysWithValues: versions.enumerated().map { ($1, $0) })
        let inset = 16.0
        func x(_ version: Int64) -> Double {
            guard versions.count > 1, let i = slot[version] else { return left + plotW / 2 }
            return left + inset + (plotW - 2 * inset) * Double(i) / Double(versions.count - 1)
        }
        // Stage labels above the plot: one per version (its stages merged), stacked in rows so none overlap.
        let labels = markerLabels(x: x)
        let rows = (labels.map(\.row).max() ?? -1) + 1
        let top = 26.0 + Double(rows) * 13.0 + 6
        let plotH = height - top - bottom
        let scale = Self.ticks(lo, hi)
        func y(_ v: Double) -> Double { top + (1 - (v - scale.lo) / (scale.hi - scale.lo)) * plotH }
        func f(_ d: Double) -> String { String(format: "%.1f", d) }

        // Y axis: gridlines and nice tick values.
        for t in scale.values {
            out += "<line x1=\"\(f(left))\" y1=\"\(f(y(t)))\" x2=\"\(f(left + plotW))\" y2=\"\(f(y(t)))\" stroke=\"#e6e8ee\"/>"
            out += "<text x=\"\(f(left - 6))\" y=\"\(f(y(t) + 4))\" text-anchor=\"end\" class=\"axis y-tick\">\(HTML.escape(scale.label(t)))</text>"
        }
        out += "<line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left))\" y2=\"\(f(top + plotH))\" stroke=\"#888\"/>"
        out += "<line x1=\"\(f(left))\" y1=\"\(f(top + plotH))\" x2=\"\(f(left + plotW))\" y2=\"\(f(top + plotH))\" stroke=\"#888\"/>"
        // X axis: every version up to a dozen, then a subset.
        for version in Self.xTicks(versions) {
            let vx = x(version)
            out += "<line x1=\"\(f(vx))\" y1=\"\(f(top + plotH))\" x2=\"\(f(vx))\" y2=\"\(f(top + plotH + 4))\" stroke=\"#888\"/>"
            out += "<text x=\"\(f(vx))\" y=\"\(f(top + plotH + 16))\" text-anchor=\"middle\" class=\"axis x-tick\">v\(version)</text>"
        }
        // Stage changes.
        for label in labels {
            let anchor = label.anchorEnd ? " text-anchor=\"end\"" : ""
            out += "<g class=\"stage-marker\"><line x1=\"\(f(label.x))\" y1=\"\(f(top))\" x2=\"\(f(label.x))\" y2=\"\(f(top + plotH))\" "
                + "stroke=\"#c60\" stroke-dasharray=\"4 3\"/><text x=\"\(f(label.textX))\" y=\"\(f(26 + Double(label.row) * 13 + 8))\"\(anchor) class=\"marker\">"
                + "\(HTML.escape(label.text))</text></g>"
        }
        // The line, broken where a version of the axis has no value, and its points.
        var segment = [Point]()
        func flush() {
            if segment.count > 1 {
                let path = segment.map { "\(f(x($0.version))),\(f(y($0.value)))" }.joined(separator: " ")
                out += "<polyline fill=\"none\" stroke=\"#2a6fdb\" stroke-width=\"2\" points=\"\(path)\"/>"
            }
            segment = []
        }
        for p in points {
            if let previous = segment.last, let a = slot[previous.version], let b = slot[p.version], b != a + 1 { flush() }
            segment.append(p)
        }
        flush()
        let written = points.count <= Self.labelledPoints
        for p in points {
            let px = x(p.version), py = y(p.value)
            out += "<circle cx=\"\(f(px))\" cy=\"\(f(py))\" r=\"3\" fill=\"#2a6fdb\">"
                + "<title>v\(p.version): \(HTML.escape(Self.label(p.value)))</title></circle>"
            if written {
                // Above the point, or below it when the point is at the top of the plot.
                let ty = py - top < 14 ? py + 15 : py - 7
                out += "<text x=\"\(f(px))\" y=\"\(f(ty))\" text-anchor=\"middle\" class=\"value\">\(HTML.escape(Self.label(p.value)))</text>"
            }
        }
        return out + "</svg>"
    }

    /// A stage label: where its line is, where its text starts or ends, and its row.
    struct MarkerLabel {
        var version: Int64
        var text: String
        var x: Double
        var textX: Double
        var anchorEnd: Bool
        var row: Int
    }

    /// One label per version of the axis that entered a stage (`production, staging v4`), kept
    /// inside the plot (drawn leftwards near the right edge) and stacked so no two overlap.
    func markerLabels(x: (Int64) -> Double) -> [MarkerLabel] {
        let onAxis = Set(versions)
        var stages = [Int64: [String]]()
        for m in markers where onAxis.contains(m.version) {
            if !(stages[m.version] ?? []).contains(m.stage) { stages[m.version, default: []].append(m.stage) }
        }
        var rowEnds = [Double]()
        var labels = [MarkerLabel]()
        for version in stages.keys.sorted() {
            let text = (stages[version] ?? []).sorted().joined(separator: ", ") + " v\(version)"
            let mx = x(version), w = Self.textWidth(text)
            var start = mx + 3, anchorEnd = false
            if start + w > width - 2 {
                anchorEnd = true
                start = max(2, mx - 3 - w)
            }
            let row = rowEnds.firstIndex { $0 + 6 <= start } ?? rowEnds.count
            if row == rowEnds.count { rowEnds.append(0) }
            rowEnds[row] = start + w
            labels.append(MarkerLabel(version: version, text: text, x: mx, textX: anchorEnd ? start + w : start, anchorEnd: anchorEnd, row: row))
        }
        return labels
    }

    /// About how wide `text` is at the plots' 11px sans-serif.
    static func textWidth(_ text: String) -> Double { Double(text.count) * 6.2 }

    /// The versions labelled under the x axis: all up to a dozen, then every k-th (the last always).
    static func xTicks(_ versions: [Int64]) -> [Int64] {
        guard versions.count > labelledPoints else { return versions }
        let step = (versions.count + 9) / 10
        var shown = stride(from: 0, to: versions.count, by: step).map { versions[$0] }
        if let last = versions.last, shown.last != last {
            if (versions.count - 1) % step < step / 2 + 1 { shown.removeLast() }
            shown.append(last)
        }
        return shown
    }

    /// A y axis: its range and 3 to 5 round tick values covering `lo…hi`.
    struct Scale {
        var lo: Double
        var hi: Double
        var values: [Double]
        var step: Double

        /// A tick value with as many decimals as the step needs (`0.85`, `0.875`, `1200`).
        func label(_ v: Double) -> String {
            if abs(v) < step * 1e-6 { return "0" }
            if max(abs(lo), abs(hi)) >= 1e6 { return String(format: "%.3g", v) }
            var decimals = max(0, Int(-floor(log10(step))))
            while decimals < 12, abs(step * pow(10, Double(decimals)) - (step * pow(10, Double(decimals))).rounded()) > 1e-6 { decimals += 1 }
            return String(format: "%.\(decimals)f", v)
        }
    }

    /// Round ticks around `lo…hi`; a single value gets ticks on either side of it.
    static func ticks(_ lo: Double, _ hi: Double) -> Scale {
        var lo = lo, hi = hi
        if lo == hi {
            let half = lo == 0 ? 0.5 : abs(lo) * 0.05
            lo -= half
            hi += half
        }
        let span = hi - lo
        let exponent = floor(log10(span / 4))
        for e in [exponent, exponent + 1, exponent + 2] {
            for m in [1.0, 2.0, 2.5, 5.0] {
                let step = m * pow(10, e)
                guard step >= span / 4 * 0.999 || e > exponent else { continue }
                let tLo = floor(lo / step) * step, tHi = ceil(hi / step) * step
                let count = Int(((tHi - tLo) / step).rounded()) + 1
                guard count <= 5 else { continue }
                return Scale(lo: tLo, hi: tHi, values: (0..<count).map { tLo + Double($0) * step }, step: step)
            }
        }
        return Scale(lo: lo, hi: hi, values: [lo, hi], step: span)
    }

    /// A short number: `0.931`, `1.2e+06`.
    static func label(_ d: Double) -> String {
        if d == d.rounded(), abs(d) < 1e9 { return String(Int64(d)) }
        return String(format: "%.4g", d)
    }
}
