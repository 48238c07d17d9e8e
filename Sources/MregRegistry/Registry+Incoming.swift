import MregStore

extension Registry {
    /// Checks events that arrive from elsewhere (pull, fetch) before they become part of
    /// this store's history: the governance rules (e.g. signed promotions into protected
    /// stages) apply to them as to local commands. Throws `RegistryError(.refused, …)`.
    ///
    /// - Parameter events: the new events of `model`, oldest first.
    public func validateIncoming(model: String, events: [(id: ObjectID, event: Event)]) throws {
        // Governance (issue 6) fills this in.
    }
}
