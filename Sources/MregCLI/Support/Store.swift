import Foundation
import MregRegistry
import MregStore

/// Opening the store the current folder belongs to.
enum Store {
    static func open() throws -> Repository {
        try Repository.discover()
    }

    static func registry() throws -> Registry {
        try Registry(repository: open())
    }
}
