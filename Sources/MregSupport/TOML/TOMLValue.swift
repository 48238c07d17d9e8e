/// A value read from a TOML document by `TOMLReader`.
///
/// Tables are dictionaries (TOML gives their keys no order); integers are 64-bit as TOML 1.0
/// requires; dates and times keep what was written (`TOMLDateTime`).
public indirect enum TOMLValue: Sendable, Equatable {
    case string(String)
    case integer(Int64)
    case float(Double)
    case boolean(Bool)
    case dateTime(TOMLDateTime)
    case array([TOMLValue])
    case table([String: TOMLValue])
}
