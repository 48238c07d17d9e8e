import Foundation

/// A bounded, deterministic in-process fuzz run of one target: every seed, then mutants of
/// the seeds (and of earlier mutants), timing each input. Used by `make test`; the open-ended,
/// coverage-guided run is `make fuzz` (libFuzzer).
public struct FuzzCampaign {
    public let target: FuzzTarget
    public let seeds: [[UInt8]]
    /// An input slower than this is reported (the process cannot be interrupted mid-input).
    public var slowLimit: Duration = .seconds(2)
    /// When set, each input is written here before it runs, so the one that crashed survives.
    public var lastInputPath: String?

    public init(target: FuzzTarget, seeds: [[UInt8]]) {
        self.target = target
        self.seeds = seeds.isEmpty ? [[]] : seeds
    }

    /// Runs every seed, then `mutations` mutants made with the fixed `seed`.
    public func run(in context: FuzzContext, mutations: Int, seed: UInt64 = 0x6d72_6567) -> FuzzReport {
        target.prepare(context)
        var report = FuzzReport(target: target.name)
        let clock = ContinuousClock()
        let start = clock.now
        var mutator = FuzzMutator(seed: seed ^ Self.stableHash(target.name),
                                  dictionary: target.dictionary,
                                  maximumLength: max(4096, seeds.map(\.count).max() ?? 0))
        var pool = [[UInt8]]()
        func execute(_ input: [UInt8]) {
            if let lastInputPath { _ = FileManager.default.createFile(atPath: lastInputPath, contents: Data(input)) }
            let before = clock.now
            target.run(input, in: context)
            let took = clock.now - before
            report.executions += 1
            report.slowest = max(report.slowest, took)
            if took > slowLimit { report.slow.append(.init(input: input, duration: took)) }
        }
        for input in seeds { execute(input) }
        for _ in 0..<mutations {
            let base = pool.isEmpty || mutator.below(2) == 0 ? seeds[mutator.below(seeds.count)] : pool[mutator.below(pool.count)]
            let mutant = mutator.mutate(base, splicing: seeds[mutator.below(seeds.count)])
            execute(mutant)
            if pool.count < 64 { pool.append(mutant) } else { pool[mutator.below(pool.count)] = mutant }
        }
        report.elapsed = clock.now - start
        return report
    }

    /// FNV-1a of the UTF-8 bytes: a hash that is the same in every run (`hashValue` is not).
    static func stableHash(_ text: String) -> UInt64 {
        text.utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }
}
