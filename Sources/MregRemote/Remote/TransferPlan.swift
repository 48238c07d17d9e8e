import MregStore
import MregSupport
import MregRegistry
import MregIndex
import MregGovernance

/// The objects a push must send, in the order that keeps the remote consistent.
///
/// Found by walking from the local heads (event → parent event, manifest → blobs
/// and chunk lists → chunks) and stopping at every object the remote already has:
/// a present object implies its whole graph is present, so the walk never lists
/// the remote and touches only what is new. `levels[0]` holds objects that name
/// nothing the push sends (blobs), each later level only objects whose links are in
/// earlier levels, so sending level by level stores every object after all it names.
public struct TransferPlan: Sendable {
    public var levels: [[ObjectID]] = []
    public var bytes: Int64 = 0
    /// The objects' payload (uncompressed) bytes: what fetch, clone and register count.
    public var payloadBytes: Int64 = 0

    public var count: Int { levels.reduce(0) { $0 + $1.count } }
    public var isEmpty: Bool { levels.allSatisfy(\.isEmpty) }

    /// Groups objects given children-first (`order`) by their height over `children`.
    init(order: [ObjectID], children: [ObjectID: [ObjectID]], sizes: [ObjectID: Int64], payloadSizes: [ObjectID: Int64] = [:]) {
        var height = [ObjectID: Int]()
        for id in order {
            let h = (children[id] ?? []).compactMap { height[$0] }.max().map { $0 + 1 } ?? 0
            height[id] = h
            while levels.count <= h { levels.append([]) }
            levels[h].append(id)
        }
        bytes = order.reduce(0) { $0 + (sizes[$1] ?? 0) }
        payloadBytes = order.reduce(0) { $0 + (payloadSizes[$1] ?? 0) }
    }

    public init() {}
}
