import Foundation

/// One numeric metric across a model's versions, drawn as an SVG line plot on the server
/// (no script, no font from the network): a point per version, a dashed line where a version
/// entered a stage.
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
    public var width = 520.0
    public var height = 220.0

    public init(metric: String, points: [Point], markers: [Marker] = []) {
        self.metric = metric
        self.points = points.filter { $0.value.isFinite }.sorted { $0.version < $1.version }
        self.markers = markers
    }

    /// The plot as an `<svg>` element; every text in it escaped.
    public var svg: String {
        let left = 56.0, right = 16.0, top = 24.0, bottom = 32.0
        let plotW = width - left - right, plotH = height - top - bottom
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" role=\"img\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
            + "viewBox=\"0 0 \(Int(width)) \(Int(height))\" data-metric=\"\(HTML.escape(metric))\">"
        out += "<title>\(HTML.escape(metric)) by version</title>"
        out += "<rect x=\"0\" y=\"0\" width=\"\(Int(width))\" height=\"\(Int(height))\" fill=\"#fff\"/>"
        out += "<text x=\"\(Int(left))\" y=\"16\" class=\"plot-title\">\(HTML.escape(metric))</text>"
        guard let first = points.first, let last = points.last else {
            return out + "<text x=\"\(Int(left))\" y=\"\(Int(top + plotH / 2))\">no values</text></svg>"
        }
        var lo = points.map(\.value).min() ?? 0, hi = points.map(\.value).max() ?? 1
        if lo == hi { lo -= abs(lo) * 0.05 + 0.5; hi += abs(hi) * 0.05 + 0.5 }
        let vLo = Double(first.version), vHi = Double(max(last.version, first.version + 1))
        func x(_ v: Double) -> Double { left + (v - vLo) / (vHi - vLo) * plotW }
        func y(_ v: Double) -> Double { top + (1 - (v - lo) / (hi - lo)) * plotH }
        func f(_ d: Double) -> String { String(format: "%.1f", d) }
        // Axes and their labels.
        out += "<line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left))\" y2=\"\(f(top + plotH))\" stroke=\"#888\"/>"
        out += "<line x1=\"\(f(left))\" y1=\"\(f(top + plotH))\" x2=\"\(f(left + plotW))\" y2=\"\(f(top + plotH))\" stroke=\"#888\"/>"
        out += "<text x=\"\(f(left - 4))\" y=\"\(f(top + 4))\" text-anchor=\"end\" class=\"axis\">\(HTML.escape(Self.label(hi)))</text>"
        out += "<text x=\"\(f(left - 4))\" y=\"\(f(top + plotH))\" text-anchor=\"end\" class=\"axis\">\(HTML.escape(Self.label(lo)))</text>"
        out += "<text x=\"\(f(left))\" y=\"\(f(height - 10))\" class=\"axis\">v\(first.version)</text>"
        if last.version != first.version {
            out += "<text x=\"\(f(left + plotW))\" y=\"\(f(height - 10))\" text-anchor=\"end\" class=\"axis\">v\(last.version)</text>"
        }
        // Stage changes.
        for m in markers where Double(m.version) >= vLo && Double(m.version) <= vHi {
            let mx = x(Double(m.version))
            out += "<g class=\"stage-marker\"><line x1=\"\(f(mx))\" y1=\"\(f(top))\" x2=\"\(f(mx))\" y2=\"\(f(top + plotH))\" "
                + "stroke=\"#c60\" stroke-dasharray=\"4 3\"/><text x=\"\(f(mx + 3))\" y=\"\(f(top + 10))\" class=\"marker\">"
                + "\(HTML.escape(m.stage)) v\(m.version)</text></g>"
        }
        // The line and its points.
        let path = points.map { "\(f(x(Double($0.version)))),\(f(y($0.value)))" }.joined(separator: " ")
        out += "<polyline fill=\"none\" stroke=\"#2a6fdb\" stroke-width=\"2\" points=\"\(path)\"/>"
        for p in points {
            out += "<circle cx=\"\(f(x(Double(p.version))))\" cy=\"\(f(y(p.value)))\" r=\"3\" fill=\"#2a6fdb\">"
                + "<title>v\(p.version): \(HTML.escape(Self.label(p.value)))</title></circle>"
        }
        return out + "</svg>"
    }

    /// A short number: `0.931`, `1.2e+06`.
    static func label(_ d: Double) -> String {
        if d == d.rounded(), abs(d) < 1e9 { return String(Int64(d)) }
        return String(format: "%.4g", d)
    }
}
