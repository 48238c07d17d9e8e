import MregStore
import MregSupport
import MregRegistry
import MregFilter

extension RegistryIndex {
    /// Finds versions across all models from the index.
    ///
    ///     let r = try RegistryIndex(registry: registry).search(SearchQuery.parse("metrics.auc >= 0.9 and stage = 'production'"),
    ///                                 order: [SearchOrder(field: .metric("auc"), descending: true)], limit: 10)
    ///
    /// - Parameter order: sort keys (default: newest first); ties go by model, then newest version.
    public func search(_ query: SearchQuery, order: [SearchOrder] = [], limit: Int? = nil) throws -> SearchResult {
        try checkStageNames(in: query.expression)
        let (segments, damaged) = try segments()
        var matches = [(segment: Int, row: Int)]()
        var searched = 0
        for (i, segment) in segments.enumerated() {
            let matcher = SegmentMatcher(query.expression, segment: segment)
            searched += matcher.includesRemoved ? segment.rowCount : segment.liveRowCount
            for row in matcher.matchingRows() { matches.append((i, row)) }
        }
        let orders = order.isEmpty ? SearchOrder.defaultOrder : order
        var keyIDs = [Int: [UInt32?]]()  // per segment: the string id of each order field's key
        let keys = matches.map { m -> [SortKey] in
            let s = segments[m.segment]
            if keyIDs[m.segment] == nil { keyIDs[m.segment] = orders.map { SortKey.keyID(s, $0.field) } }
            let ids = keyIDs[m.segment]!
            return orders.indices.map { SortKey(s, m.segment, m.row, orders[$0].field, key: ids[$0]) }
        }
        var indices = Array(matches.indices)
        indices.sort { a, b in
            for (k, o) in orders.enumerated() {
                let c = SortKey.compare(keys[a][k], keys[b][k], descending: o.descending)
                if c != 0 { return c < 0 }
            }
            if matches[a].segment != matches[b].segment { return matches[a].segment < matches[b].segment }
            return segments[matches[a].segment].version(matches[a].row) > segments[matches[b].segment].version(matches[b].row)
        }
        if let limit { indices = Array(indices.prefix(max(0, limit))) }
        let hits = indices.map { SearchResult.Hit(segment: segments[matches[$0].segment], row: matches[$0].row) }
        return SearchResult(query: query, order: order, hits: hits, total: matches.count, searched: searched, damaged: damaged)
    }
}

extension RegistryIndex {
    /// A stage that does not exist is a typo, not a question with no answer: `stage = 'prod'`
    /// or MLflow's `'Production'` would otherwise silently match nothing.
    func checkStageNames(in expression: SearchQuery.Expression) throws {
        do {
            try expression.checkNames(of: .stage, among: registry.stages, what: "stage")
        } catch {
            throw RegistryError.badInput(.syntax(.init(.search, column: error.column, error.message)))
        }
    }
}
