/// One fuzz target: a function that takes any bytes and runs them through real parsing code
/// (through its package API), catching thrown errors.
///
/// A thrown error is the expected answer to bad input; only a signal (a trap, an abort, a
/// failed precondition) or an input that takes too long is a failure. A target may also trap
/// on purpose when a parsed value breaks an invariant (e.g. it does not survive a round trip
/// through its canonical form). Targets are run by `make fuzz` (libFuzzer, FuzzTesting/) and
/// replayed by the `MregFuzzTests` suite in `make test`.
public struct FuzzTarget: Sendable {
    /// The name used on the command line and as the corpus folder, e.g. `object`.
    public let name: String
    /// What the target exercises, in one line.
    public let summary: String
    /// Tokens the mutators insert (keywords, magic numbers, edge numbers).
    public let dictionary: [[UInt8]]
    /// Whether the target runs against the registry fixture (built by `prepare`).
    let usesRegistry: Bool
    let body: @Sendable (FuzzContext, [UInt8]) -> Void

    init(name: String, summary: String, dictionary: [String] = [], rawDictionary: [[UInt8]] = [],
         usesRegistry: Bool = false, body: @escaping @Sendable (FuzzContext, [UInt8]) -> Void) {
        self.name = name
        self.summary = summary
        self.dictionary = dictionary.map { Array($0.utf8) } + rawDictionary
        self.usesRegistry = usesRegistry
        self.body = body
    }

    /// Builds what the target needs before its first input (so that input is not timed with it).
    public func prepare(_ context: FuzzContext) {
        if usesRegistry { _ = context.fixture() }
    }

    /// Runs one input. Thrown errors are caught inside; a signal here is a bug found.
    public func run(_ input: [UInt8], in context: FuzzContext) {
        body(context, input)
    }

    /// Every target, in the order `make fuzz` runs them.
    public static let all: [FuzzTarget] = [
        object, manifest, event, chunks, packIndex, pack,
        safetensors, gguf, formats,
        json, yaml, toml, card,
        query, gate, revision, policy,
    ]

    /// The target called `name`, if any.
    public static func named(_ name: String) -> FuzzTarget? {
        all.first { $0.name == name }
    }

    /// The dictionary in libFuzzer's `-dict=` format: one quoted token a line, bytes escaped.
    public var libFuzzerDictionary: String {
        dictionary.map { token in
            var line = "\""
            for byte in token {
                if byte >= 0x20 && byte < 0x7f && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") {
                    line.unicodeScalars.append(Unicode.Scalar(byte))
                } else {
                    let hex = String(byte, radix: 16, uppercase: true)
                    line += "\\x" + (hex.count == 1 ? "0" + hex : hex)
                }
            }
            return line + "\""
        }.joined(separator: "\n") + "\n"
    }
}

/// Runs `body`, discarding what it throws after rendering it (error wording is code too).
@inline(never)
func attempt<R>(_ body: () throws -> R) -> R? {
    do {
        return try body()
    } catch {
        _ = String(describing: error)
        return nil
    }
}

/// Stops the process: a parsed value broke an invariant (a finding, like a crash).
func invariant(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("fuzz invariant failed: \(message())") }
}
