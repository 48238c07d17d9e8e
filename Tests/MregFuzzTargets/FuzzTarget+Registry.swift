import MregStore
import MregRegistry
import MregGovernance

extension FuzzTarget {
    /// Revision strings: `MODEL@REV` and what plumbing accepts, resolved in a small registry.
    static let revision = FuzzTarget(
        name: "revision",
        summary: "MODEL@REV strings parsed and resolved (versions, stages, tags, id prefixes, refs) in a small registry",
        dictionary: ["@", "fraud", "ranker", "fraud@", "@latest", "@v", "@V", "@0", "@1", "@2", "@3", "@production",
                     "@staging", "@reviewed", "refs/", "refs/models/fraud/head", "refs/models/fraud/versions/1", "../",
                     "9223372036854775807", "9223372036854775808", "-1", "abcd", "0123456789abcdef", "..", "/", "\u{0}"],
        usesRegistry: true
    ) { context, input in
        let text = String(decoding: input, as: UTF8.self)
        let fixture = context.fixture()
        _ = Revision.versionNumber(text)
        _ = ModelName(validating: text)
        _ = attempt { try TagName(text) }
        _ = attempt { try Names.validateStage(text) }
        if let revision = attempt({ try Revision.parse(text) }) {
            invariant(attempt({ try Revision.parse(revision.description) }) == revision, "revision '\(text)' does not survive its description")
        }
        _ = attempt { try fixture.registry.resolve(text) }
        _ = attempt { try Resolver(repository: fixture.repository).objectID(text) }
    }

    /// `policy.toml`: parsed against the store's stages, then every stage's rules judge a promotion.
    static let policy = FuzzTarget(
        name: "policy",
        summary: "a policy.toml parsed (TOMLReader, stage rules, gates) and its rules evaluated on a real promotion",
        dictionary: ["[stages.production]", "[stages.staging]", "[signing]", "from = [\"staging\"]", "require = \"",
                     "no_regression = [\"auc\"]", "card_fields = [\"license\"]", "require_reason = true", "signed = true",
                     "allow_force = false", "allowed_signers = \"", "{ metric = \"auc\", higher_is_better = false, tolerance = 0.01 }",
                     "metrics.auc >= 0.9", "[", "]", "=", "\"", "'", "\"\"\"", ".", "#", "\n"],
        usesRegistry: true
    ) { context, input in
        let text = String(decoding: input, as: UTF8.self)
        let fixture = context.fixture()
        guard let policy = attempt({ try PromotionPolicy.parse(text, root: fixture.repository.root, knownStages: fixture.stages) })
        else { return }
        for stage in policy.stages.keys.sorted() {
            guard let rules = policy.rules(for: stage) else { continue }
            _ = rules.evaluate(candidate: fixture.candidate, version: 2, stage: stage, state: fixture.state,
                               current: fixture.current, reason: "fuzz", signer: nil, policyDigest: "sha256:0")
        }
    }
}
