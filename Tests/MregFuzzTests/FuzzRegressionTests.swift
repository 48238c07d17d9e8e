import Foundation
import Testing
import MregFuzzTargets

/// The fuzzing part of `make test`: every committed corpus input (seeds and past crashers,
/// `Tests/FuzzCorpus/`) through every target, then a bounded deterministic mutation run per
/// target. A crash stops the test process (as it would stop mreg); an input slower than the
/// limit is a failure. `make fuzz` runs the same targets open-ended under libFuzzer.
///
/// `MREG_FUZZ_MUTATIONS` changes the number of mutants per target (default 1,000);
/// `MREG_FUZZ_LAST_INPUT=DIR` writes each input to `DIR/<target>` before it runs, so after a
/// crash the input that caused it is there to add to the corpus.
@Suite struct FuzzRegressionTests {
    static let mutations = ProcessInfo.processInfo.environment["MREG_FUZZ_MUTATIONS"].flatMap { Int($0) } ?? 1_000
    static let corpus = FuzzCorpus.allInputs()

    @Test func everyTargetHasSeedsAndTheCorpusStaysSmall() throws {
        let root = FuzzCorpus.directory()
        let folders = try FileManager.default.contentsOfDirectory(atPath: root).filter { !$0.hasPrefix(".") && !$0.hasPrefix("README") }
        #expect(Set(folders) == Set(FuzzTarget.all.map(\.name)), "a corpus folder per target, named as the target")
        for target in FuzzTarget.all {
            #expect(!FuzzCorpus.inputs(of: target.name).isEmpty, "no seeds for \(target.name)")
        }
        let total = Self.corpus.reduce(0) { $0 + $1.bytes.count }
        #expect(total < 1 << 20, "the committed corpus is \(total) bytes; keep it under 1 MiB")
    }

    @Test(arguments: FuzzTarget.all.map(\.name))
    func corpusReplaysAndMutantsRunCleanly(_ name: String) throws {
        let target = try #require(FuzzTarget.named(name))
        let context = try FuzzContext()
        defer { context.remove() }
        let lastInput = ProcessInfo.processInfo.environment["MREG_FUZZ_LAST_INPUT"].map { "\($0)/\(name)" }

        // Every file of every target's corpus: a crasher of one parser is a fine input for another.
        var replay = FuzzCampaign(target: target, seeds: Self.corpus.map(\.bytes))
        replay.lastInputPath = lastInput
        let replayed = replay.run(in: context, mutations: 0)
        #expect(replayed.executions == Self.corpus.count)
        for slow in replayed.slow {
            let name = Self.corpus.first { $0.bytes == slow.input }?.name ?? "?"
            Issue.record("\(target.name): corpus input \(name) took \(slow.duration)")
        }

        var campaign = FuzzCampaign(target: target, seeds: FuzzCorpus.inputs(of: name).map(\.bytes))
        campaign.lastInputPath = lastInput
        let report = campaign.run(in: context, mutations: Self.mutations)
        #expect(report.executions == campaign.seeds.count + Self.mutations)
        print("fuzz \(report.summary)")
        for slow in report.slow {
            Issue.record("\(target.name): a mutant took \(slow.duration) (base64 \(Data(slow.input).base64EncodedString()))")
        }
    }

    @Test func mutatorIsDeterministicAndBounded() {
        let seed: [UInt8] = Array("{\"a\": [1, 2, 3]}".utf8)
        func run(_ s: UInt64) -> [[UInt8]] {
            var m = FuzzMutator(seed: s, dictionary: [Array("null".utf8)], maximumLength: 64)
            return (0..<200).map { _ in m.mutate(seed, splicing: Array("[true]".utf8)) }
        }
        let first = run(7)
        #expect(first == run(7))
        #expect(first != run(8))
        #expect(first.allSatisfy { $0.count <= 64 })
        #expect(Set(first).count > 150, "mutants should mostly differ")
    }

    @Test func libFuzzerDictionaryEscapesBytes() throws {
        let target = try #require(FuzzTarget.named("object"))
        let lines = target.libFuzzerDictionary.split(separator: "\n")
        #expect(lines.count == target.dictionary.count)
        #expect(lines.allSatisfy { $0.hasPrefix("\"") && $0.hasSuffix("\"") })
        #expect(lines.contains("\"x\\x9C\""))
    }
}
