/// A fuzz harness that cannot set itself up (not a finding in the code under test).
public struct FuzzSetupError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
