import MregStore
import MregSupport

/// Comparing two heads of one model's event chain (all events must be in this store).
///
/// A chain is a list: each event names one parent and carries its position (`seq`),
/// so ancestry and the common base are found by walking back from the longer side.
extension Registry {
    /// Whether `ancestor` is `descendant` or one of its parents (false when `ancestor` is not here).
    public func isAncestor(_ ancestor: ObjectID, of descendant: ObjectID, model: String) throws -> Bool {
        if ancestor == descendant { return true }
        guard store.contains(ancestor) else { return false }
        let a = try Event.load(ancestor, from: store)
        var id = descendant
        var event = try Event.load(descendant, from: store)
        while event.sequence > a.sequence {
            guard let parent = event.parent else { return false }
            id = parent
            event = try Event.load(parent, from: store)
        }
        return id == ancestor
    }

    /// The newest event both heads descend from, or nil when the chains share nothing
    /// (two stores that each created the model on their own).
    public func mergeBase(_ a: ObjectID, _ b: ObjectID) throws -> ObjectID? {
        var x: ObjectID? = a, y: ObjectID? = b
        var ex = try Event.load(a, from: store), ey = try Event.load(b, from: store)
        func step(_ id: inout ObjectID?, _ event: inout Event) throws {
            id = event.parent
            if let p = event.parent { event = try Event.load(p, from: store) }
        }
        while let cx = x, let cy = y, cx != cy {
            if ex.sequence >= ey.sequence { try step(&x, &ex) } else { try step(&y, &ey) }
        }
        return x != nil && x == y ? x : nil
    }

    /// Events from `head` back to (not including) `base`, oldest first.
    public func events(from head: ObjectID, until base: ObjectID?, model: String) throws -> [(id: ObjectID, event: Event)] {
        var out = [(ObjectID, Event)]()
        var next: ObjectID? = head
        while let id = next, id != base {
            let event = try Event.load(id, from: store)
            guard event.model == model else { throw Event.wrongModel(id, in: model, belongsTo: event.model) }
            out.append((id, event))
            next = event.parent
        }
        return out.reversed()
    }
}
