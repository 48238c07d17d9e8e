import Foundation
import MregStore
import Testing
@testable import MregRegistry
@testable import MregSupport

/// The `imported` field `mreg import mlflow` writes into events (FORMAT.md §1.5).
@Suite struct EventImportedTests {
    static func register() -> Event {
        Event(model: "fraud", sequence: 1, parent: nil, action: .register, version: 1,
              manifest: ObjectID(parsing: String(repeating: "ab", count: 32)), content: "sha256:x",
              actor: "Ada <ada@example.com>", time: "2026-11-30T01:00:00Z")
    }

    @Test func anImportedFieldRoundTripsAndIsLeftOutWhenAbsent() throws {
        var event = Self.register()
        #expect(event.json.objectValue?["imported"] == nil)
        event.imported = .object(["from": "mlflow", "model": "fraud", "version": 2, "run": "abc",
                                  "user": "ada", "time": "2026-01-01T00:00:00Z"])
        let back = try Event(json: event.json)
        #expect(back == event && back.imported?.objectValue?["user"]?.stringValue == "ada")
    }

    @Test func aMalformedImportedFieldIsDamage() throws {
        var o = Self.register().json.objectValue ?? [:]
        o["imported"] = .string("mlflow")
        #expect(throws: RegistryError.self) { try Event(json: .object(o)) }
        o["imported"] = .object(["model": "fraud"])
        #expect(throws: RegistryError.self) { try Event(json: .object(o)) }
        o["imported"] = .null
        #expect(try Event(json: .object(o)).imported == nil)
    }
}
