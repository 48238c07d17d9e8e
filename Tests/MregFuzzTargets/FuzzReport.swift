/// What a bounded in-process fuzz run did: how many inputs ran, and which were too slow.
public struct FuzzReport: Sendable {
    /// An input that took longer than the run's limit (a hang, or unbounded work).
    public struct SlowInput: Sendable {
        public var input: [UInt8]
        public var duration: Duration
    }

    public var target: String
    public var executions = 0
    public var slowest: Duration = .zero
    public var slow: [SlowInput] = []
    public var elapsed: Duration = .zero

    /// One line: executions, rate and the slowest input.
    public var summary: String {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = seconds > 0 ? Int(Double(executions) / seconds) : executions
        return "\(target): \(executions) inputs in \(elapsed) (\(rate)/s), slowest \(slowest)"
    }
}
