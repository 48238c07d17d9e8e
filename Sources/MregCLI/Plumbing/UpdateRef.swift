import ArgumentParser
import MregRegistry
import MregFilter
import MregRemote
import MregGovernance
import MregIndex
import MregSupport
import MregStore

extension MregCommand {
    struct UpdateRef: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "update-ref",
            abstract: "Set or delete a ref, safely (compare-and-swap under a lock file).",
            discussion: """
            With OLD, the ref moves only if it still holds OLD; an empty OLD ('') means the ref must not exist yet.
            Examples:
              mreg update-ref refs/tags/best 3fa2c1e0            # set
              mreg update-ref refs/tags/best NEWID OLDID          # compare-and-swap
              mreg update-ref -d refs/tags/best                   # delete
            """)

        @Flag(name: .customShort("d"), help: "Delete the ref (checking OLD if given).")
        var delete = false

        @Argument(help: "The ref name, e.g. refs/models/fraud/head.")
        var ref: String

        @Argument(help: "The new object id (or with -d, the expected old id).")
        var new: String?

        @Argument(help: "The expected old id; '' means the ref must not exist.")
        var old: String?

        func run() throws {
            let repo = try Store.open()
            let name = try RefName(ref)
            let resolver = Resolver(repository: repo)
            func expectation(_ text: String?) throws -> RefExpectation {
                guard let text else { return .any }
                if text.isEmpty || (text.count == 64 && text.allSatisfy { $0 == "0" }) { return .absent }
                return .value(try resolver.objectID(text))
            }
            if delete {
                if old != nil { throw ValidationError("with -d give REF [OLD]") }
                try repo.refs.delete(name, expecting: try expectation(new))
                return
            }
            guard let new else { throw ValidationError("give the new object id") }
            let id = try resolver.objectID(new)
            try repo.refs.update(name, to: id, expecting: try expectation(old))
        }
    }
}
