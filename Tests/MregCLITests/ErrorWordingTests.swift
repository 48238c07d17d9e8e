import MregTestSupport
import Testing
@testable import MregCLI
@testable import MregRegistry
@testable import MregFilter
@testable import MregSupport
@testable import MregIndex
@testable import MregGovernance
@testable import MregRemote
import MregStore

/// The exit-code table and the hints the command line adds to registry errors.
@Suite struct ErrorWordingTests {
    @Test func everyKindOfErrorHasItsExitCode() throws {
        let cases: [(RegistryError, MregExitStatus)] = [
            (.notFound(.init(.version, "9", model: "m", latest: 2)), .notFound),
            (.invalidName(kind: .model, name: "a b", reason: "no"), .usage),
            (.badInput(.invalidDate("yesterday")), .usage),
            (.conflict(.tagExists(tag: "best", model: "m", version: 1, wanted: 2)), .refused),
            (.refused(.hook(name: "pre-promote", action: "promoting m v2 to production", message: "no")), .refused),
            (.pushRejected(.init(models: ["m"], remote: "origin", reason: .notFastForward)), .refused),
            (.corrupt(.init(object: "event 1a2b3c4d", reason: "it loops")), .corrupt),
            (.io(.init("read", "/x", errno: 13)), .io),
            (.service(.init(service: "S3", operation: "PUT x", status: 403, reason: "access denied")), .io),
        ]
        for (error, status) in cases { #expect(MregCommand.exitStatus(for: error) == status, "\(error)") }
        #expect(MregCommand.exitStatus(for: StoreError.locked(path: "/x.lock", owner: nil, stale: true)) == .refused)
        #expect(MregCommand.exitStatus(for: StoreError.modified(ref: try RefName("refs/x"), expected: .absent, actual: nil)) == .refused)
        #expect(MregCommand.exitStatus(for: StoreError.corrupt(object: nil, path: nil, reason: "bad")) == .corrupt)
        #expect(MregCommand.exitStatus(for: StoreError.notFound(kind: .object, name: "none")) == .notFound)
        #expect(MregCommand.exitStatus(for: StoreError.io(operation: "write", path: "/x", errno: .noSpace)) == .io)
        #expect(MregCommand.exitStatus(for: StoreError.invalid(reason: "bad name")) == .usage)
        #expect(Set(MregExitStatus.allCases.map(\.rawValue)) == [0, 1, 2, 3, 4, 5, 64])
    }

    @Test func theLibraryNamesNoCommandTheCommandLineAddsTheHints() {
        let tag = RegistryError.conflict(.tagExists(tag: "best", model: "m", version: 1, wanted: 2))
        #expect(tag.description == "tag 'best' already names m@v1; moving it to v2 needs force")
        #expect(ErrorWording.line(tag) == "tag 'best' already names m@v1; use -f to move it to v2")

        let policy = RegistryError.refused(.policy(.init(.failed, model: "m", version: 2, stage: "production",
                                                          summary: "require: metrics.auc >= 0.99 is false", forceable: true)))
        #expect(!policy.description.contains("--"))
        #expect(ErrorWording.line(policy).hasSuffix("(override with --force --reason WHY)"))

        let remote = RegistryError.notFound(.init(.remote, "orgin", suggestions: ["origin", "lake"]))
        #expect(remote.description == "no remote named 'orgin' (remotes: origin, lake)")
        #expect(ErrorWording.line(remote).hasSuffix("did you mean 'origin'?"))
        #expect(!ErrorWording.line(.notFound(.init(.remote, ""))).isEmpty)

        let order = RegistryError.badInput(.syntax(.init(.sortOrder, column: nil, "expected FIELD", text: "x y z")))
        #expect(order.description == "sort order 'x y z': expected FIELD")
        #expect(ErrorWording.line(order) == "--order-by 'x y z': expected FIELD")
    }

    @Test func didYouMeanOffersOnlyCloseNames() {
        #expect(ErrorWording.nearest("fraudd", among: ["fraud", "churn"]) == "fraud")
        #expect(ErrorWording.nearest("Production", among: ["staging", "production"]) == "production")
        #expect(ErrorWording.nearest("xyz", among: ["fraud", "churn"]) == nil)
        #expect(ErrorWording.nearest("n", among: ["m"]) == nil)
        #expect(ErrorWording.nearest("fraud", among: []) == nil)
    }
}
