import MregRegistry

extension PromotionPolicy {
    /// The metrics some stage's `no_regression` declares `better = "lower"` (a loss, a latency).
    ///
    /// Where `diff`, `serve` and `report` colour a metric's change, a fall of one of these is the
    /// improvement (green) and a rise the regression (red); for any other metric, higher is better.
    public var lowerIsBetterMetrics: Set<String> {
        var out = Set<String>()
        for rules in stages.values {
            for rule in rules.noRegression where !rule.higherIsBetter { out.insert(rule.metric) }
        }
        return out
    }
}

extension Governance {
    /// `PromotionPolicy.lowerIsBetterMetrics` of the store's policy; empty when it has none or
    /// cannot be read (showing a diff judges nothing, so a broken policy only loses the colours).
    public func lowerIsBetterMetrics() -> Set<String> {
        (try? policy().lowerIsBetterMetrics) ?? []
    }
}
