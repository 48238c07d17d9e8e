import MregStore

/// Which unreachable objects a gc deletes, and in what order: the part of `gc` that a
/// local store and an S3 remote share.
///
/// An unreachable object modified at or after the cutoff is kept with everything it names
/// (a register, push or fetch in progress writes what an object names before the object,
/// and a writer that reuses an old object freshens it). The rest are deleted referrers
/// first, so that a gc stopped at any point leaves no object naming a deleted one.
public struct GCPlan: Sendable {
    /// What each unreachable linked object names, among the unreachable.
    public var edges: [ObjectID: [ObjectID]]
    /// Unreachable objects kept: recent, or named by a recent one.
    public var kept: Set<ObjectID>
    /// The objects to delete, referrers before the objects they name.
    public var order: [ObjectID]

    /// - Parameters:
    ///   - unreachable: each unreachable object with its modification time (ns since 1970).
    ///   - links: the ids an object names (empty for a blob or an unreadable object).
    public init(unreachable: [ObjectID: Int64], cutoff: Int64, links: (ObjectID) -> [ObjectID]) {
        var edges = [ObjectID: [ObjectID]]()
        for id in unreachable.keys {
            let named = links(id).filter { unreachable[$0] != nil }
            if !named.isEmpty { edges[id] = named }
        }
        self.edges = edges
        kept = []
        order = []
        keep(unreachable.filter { $0.value >= cutoff }.map(\.key))
        var referrers = [ObjectID: Int]()
        let doomed = unreachable.keys.filter { !kept.contains($0) }
        for id in doomed { for child in edges[id] ?? [] where !kept.contains(child) { referrers[child, default: 0] += 1 } }
        var ready = doomed.filter { referrers[$0, default: 0] == 0 }.sorted(by: >)
        while let id = ready.popLast() {
            order.append(id)
            for child in edges[id] ?? [] where !kept.contains(child) {
                referrers[child, default: 0] -= 1
                if referrers[child] == 0 { ready.append(child) }
            }
        }
    }

    /// Keeps `start` and everything they name (a writer freshened one while gc ran).
    public mutating func keep(_ start: [ObjectID]) {
        var stack = start
        while let id = stack.popLast() {
            guard kept.insert(id).inserted else { continue }
            stack.append(contentsOf: edges[id] ?? [])
        }
    }
}
