import MregRegistry
import MregStore

extension RegistryIndex {
    /// One model's live versions from its own index record, newest first, without reading the other
    /// models' (what `mreg serve`'s model page reads; a search for `model = 'NAME'` gives the same rows).
    public func versionHits(of model: String) throws -> [SearchResult.Hit] {
        guard let head = try registry.head(of: model) else { return [] }
        let segment = try record(model: model, head: head).segment
        // Removed versions keep their (flagged) rows, for `search 'removed = true'`; a model's versions are the live ones.
        return (0..<segment.rowCount).filter { !segment.isRemoved($0) }
            .map { SearchResult.Hit(segment: segment, row: $0) }.sorted { $0.version > $1.version }
    }
}
