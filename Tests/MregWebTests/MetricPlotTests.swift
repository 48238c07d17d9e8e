import Foundation
import Testing
@testable import MregWeb

/// The server-drawn plots: labels that neither overlap nor leave the plot, a shared version
/// axis with gaps, labelled ticks, and values written beside few points.
@Suite struct MetricPlotTests {
    /// The texts of the `<text …class="CLASS"…>` elements of `svg`, in order.
    static func texts(_ svg: String, class name: String) -> [(attributes: String, text: String)] {
        var out = [(attributes: String, text: String)]()
        var rest = svg[...]
        while let open = rest.range(of: "<text ") {
            guard let close = rest[open.upperBound...].range(of: ">"),
                  let end = rest[close.upperBound...].range(of: "</text>") else { break }
            let attributes = String(rest[open.upperBound..<close.lowerBound])
            if attributes.contains("class=\"\(name)\"") || attributes.contains("class=\"axis \(name)\"") {
                out.append((attributes, String(rest[close.upperBound..<end.lowerBound])))
            }
            rest = rest[end.upperBound...]
        }
        return out
    }

    /// The value of attribute `name` in `attributes`.
    static func attribute(_ name: String, _ attributes: String) -> Double? {
        guard let r = attributes.range(of: " \(name)=\"") ?? attributes.range(of: "\(name)=\""),
              let end = attributes[r.upperBound...].firstIndex(of: "\"") else { return nil }
        return Double(attributes[r.upperBound..<end])
    }

    /// The `cx` of each circle, in order.
    static func circleXs(_ svg: String) -> [Double] {
        svg.components(separatedBy: "<circle ").dropFirst().compactMap { attribute("cx", String($0.prefix(60))) }
    }

    static let four: [MetricPlot.Point] = [.init(version: 1, value: 0.86), .init(version: 2, value: 0.90),
                                           .init(version: 3, value: 0.93), .init(version: 4, value: 0.92)]

    @Test func twoStagesOnOneVersionShareOneLabel() {
        let plot = MetricPlot(metric: "auc", points: Self.four,
                              markers: [.init(version: 2, stage: "staging"), .init(version: 2, stage: "production")])
        let labels = Self.texts(plot.svg, class: "marker")
        #expect(labels.map(\.text) == ["production, staging v2"])
        #expect(plot.svg.components(separatedBy: "class=\"stage-marker\"").count - 1 == 1)
    }

    @Test func labelsOfNeighbouringVersionsAreStackedNotOverlapping() throws {
        let points = (1...8).map { MetricPlot.Point(version: Int64($0), value: Double($0)) }
        let plot = MetricPlot(metric: "auc", points: points,
                              markers: [.init(version: 3, stage: "production"), .init(version: 4, stage: "staging")])
        let labels = Self.texts(plot.svg, class: "marker")
        #expect(labels.count == 2)
        let ys = try labels.map { try #require(Self.attribute("y", $0.attributes)) }
        #expect(ys[0] != ys[1], "labels of v3 and v4 on one line would overlap: \(labels)")
    }

    @Test func aLabelAtTheLastPointStaysInsideThePlot() throws {
        let plot = MetricPlot(metric: "auc", points: Self.four, markers: [.init(version: 4, stage: "production")])
        let label = try #require(Self.texts(plot.svg, class: "marker").first)
        #expect(label.text == "production v4")
        let x = try #require(Self.attribute("x", label.attributes))
        #expect(label.attributes.contains("text-anchor=\"end\""))
        #expect(x <= plot.width)
        #expect(x - MetricPlot.textWidth(label.text) >= 0)
    }

    @Test func plotsShareTheVersionAxisAndAMissingValueIsAGap() {
        let axis: [Int64] = [1, 2, 3, 4]
        let full = MetricPlot(metric: "auc", points: Self.four, versions: axis)
        let sparse = MetricPlot(metric: "f1", points: [.init(version: 1, value: 0.5), .init(version: 3, value: 0.6), .init(version: 4, value: 0.7)],
                                versions: axis)
        let fullXs = Self.circleXs(full.svg), sparseXs = Self.circleXs(sparse.svg)
        #expect(fullXs.count == 4 && sparseXs.count == 3)
        #expect(sparseXs == [fullXs[0], fullXs[2], fullXs[3]])
        // v1 alone, then v3–v4: one line of two points, no line through v2.
        #expect(sparse.svg.components(separatedBy: "<polyline").count - 1 == 1)
        #expect(full.svg.components(separatedBy: "<polyline").count - 1 == 1)
        // Every version of the axis is labelled, also v2 without a value.
        #expect(Self.texts(sparse.svg, class: "x-tick").map(\.text) == ["v1", "v2", "v3", "v4"])
    }

    @Test func yTicksAreFewRoundValuesCoveringThePoints() {
        let plot = MetricPlot(metric: "auc", points: Self.four)
        let ticks = Self.texts(plot.svg, class: "y-tick").map(\.text)
        #expect((3...5).contains(ticks.count), "\(ticks)")
        let values = ticks.compactMap(Double.init)
        #expect(values.count == ticks.count)
        #expect((values.min() ?? 1) <= 0.86 && (values.max() ?? 0) >= 0.93)
        #expect(ticks.allSatisfy { $0.count <= 5 }, "\(ticks)")
    }

    @Test func fewPointsHaveTheirValuesWrittenManyDoNot() {
        let few = Self.texts(MetricPlot(metric: "auc", points: Self.four).svg, class: "value").map(\.text)
        #expect(few == ["0.86", "0.9", "0.93", "0.92"])
        let many = MetricPlot(metric: "auc", points: (1...40).map { MetricPlot.Point(version: Int64($0), value: Double($0) / 100) })
        #expect(Self.texts(many.svg, class: "value").isEmpty)
        let xTicks = Self.texts(many.svg, class: "x-tick").map(\.text)
        #expect(xTicks.count <= 12 && xTicks.first == "v1" && xTicks.last == "v40", "\(xTicks)")
    }

    @Test func aSingleVersionShowsItsValueOnARoundAxis() {
        let svg = MetricPlot(metric: "auc", points: [.init(version: 1, value: 0.93)]).svg
        #expect(Self.texts(svg, class: "value").map(\.text) == ["0.93"])
        let ticks = Self.texts(svg, class: "y-tick").map(\.text)
        #expect(!ticks.contains { $0.hasPrefix("-") }, "\(ticks)")
        #expect((3...5).contains(ticks.count) && ticks.allSatisfy { $0.count <= 5 }, "\(ticks)")
        #expect(Self.texts(svg, class: "x-tick").map(\.text) == ["v1"])
    }
}
