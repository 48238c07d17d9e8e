import Foundation
import MregStore
import MregRegistry

/// The time a signed event records must be the real time.
///
/// A signature covers the event's `time`, and the rules that depend on time are judged at it:
/// whether the signer's key was valid (`valid-after`/`valid-before` in the allowed-signers file)
/// and whether an approval is younger than `approval_max_age_days`. A time set by `MREG_NOW`
/// (or a clock far off) could sign with an expired key or revive a stale approval, so every
/// signature is refused when the event's time is more than `tolerance` from this machine's
/// clock, and so is a promotion judged by `approval_max_age_days`. Only `MREG_NOW` together with
/// `MREG_ALLOW_CLOCK_OVERRIDE=1` (for test suites and demos, never production) lifts it.
public enum SigningClock {
    /// The variable that, set to `1` beside `MREG_NOW`, lets signed events carry `MREG_NOW`'s time.
    public static let overrideVariable = "MREG_ALLOW_CLOCK_OVERRIDE"

    /// How far an event's time may be from the real clock (seconds).
    public static let tolerance: TimeInterval = 300

    /// Refuses (`RegistryError.refused(.clockSkew)`) when `time` is more than `tolerance` from `clock`,
    /// unless `MREG_NOW` is set (not empty) and `MREG_ALLOW_CLOCK_OVERRIDE` is `1`.
    ///
    /// - Parameters:
    ///   - action: what would be done, for the message (`sign the promote event of fraud`).
    ///   - because: why the time must be real, for the message.
    public static func check(_ time: String, action: String,
                             because: String = "a signature vouches for its time (the signing key's validity is judged at it)",
                             clock: Date = Date(),
                             environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let fromVariable = !(environment[Timestamp.nowVariable] ?? "").isEmpty
        if fromVariable, environment[overrideVariable] == "1" { return }
        if let t = Timestamp.parse(time), abs(t.timeIntervalSince(clock)) <= tolerance { return }
        throw RegistryError.refused(.clockSkew(action: action, time: time, clock: Timestamp.format(clock), because: because, fromVariable: fromVariable))
    }
}
