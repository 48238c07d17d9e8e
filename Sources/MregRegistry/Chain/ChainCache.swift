import Foundation
import MregStore
import MregSupport

/// A cache of what model chains imply, kept by a layer above the core (the index).
///
/// The core stays correct without one: every answer can be recomputed by replaying the
/// chain from objects. A cache only makes reads fast; when it cannot answer it returns nil
/// (or throws) and the core replays the chain itself. Implementations must read chains with
/// `Registry.events(of:from:)` and `Registry.head(of:)`, never with `Registry.state(of:)`,
/// which asks the cache first.
public protocol ChainCache: Sendable {
    /// A model's state (only events at or before `asOf`), or nil when the model has no head.
    func state(of model: String, asOf: Date?, in registry: Registry) throws -> ModelState?

    /// A model's events newest first (empty for an unknown model).
    func events(of model: String, in registry: Registry) throws -> [(id: ObjectID, event: Event)]

    /// The events of several models merged newest first (by time, then model, then sequence).
    func mergedLog(of models: [String], stage: String?, limit: Int?, until: Date?, in registry: Registry) throws -> [LogEntry]

    /// Catches up after a model's head moved. Failures lose nothing: the chain is the truth.
    func headMoved(model: String, in registry: Registry)
}
