import MregStore
import MregSupport
import MregRegistry
import MregFilter
/// What a signature covers.
extension Event {
    /// The bytes an event's signature covers: the canonical JSON of the event without its
    /// `signature` key (every other key, `signer` and `verdict` included, is covered).
    public var signedBytes: [UInt8] {
        var o = json.objectValue ?? [:]
        o["signature"] = nil
        return JSONValue.object(o).canonicalBytes
    }

    /// The signed bytes of a stored event payload, taken from its own JSON (so keys this
    /// version of mreg does not know are covered too).
    public static func signedBytes(payload: [UInt8]) throws -> [UInt8] {
        guard case .object(var o) = try JSONValue.parse(payload) else {
            throw RegistryError.corrupt(.init(object: "event", reason: "its payload is not a JSON object"))
        }
        o["signature"] = nil
        return JSONValue.object(o).canonicalBytes
    }
}
