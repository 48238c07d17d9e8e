import Foundation
import MregRegistry
import MregFilter
import MregRemote
import MregStore

/// Opening the store the current folder belongs to.
enum Store {
    static func open() throws -> Repository {
        try Repository.discover()
    }

    /// The registry of the current store, with its index and governance installed.
    static func registry() throws -> Registry {
        try Registry.standard(open())
    }
}
