/// Reading an object's header from the first bytes of its stored (compressed) file.
extension ObjectHeader {
    /// How many stored bytes `peek` needs at most (a stored block's framing plus the longest header).
    public static let peekLength = 128

    /// The header at the start of a stored object, from its first bytes (a range read of a
    /// remote object); nil when they do not begin with one.
    public static func peek(compressed prefix: [UInt8]) -> ObjectHeader? {
        guard let inflater = try? Inflater() else { return nil }
        var out = [UInt8](repeating: 0, count: 96)
        var produced = 0
        prefix.withUnsafeBytes { input in
            out.withUnsafeMutableBytes { output in
                produced = (try? inflater.inflate(input, into: output))?.1 ?? 0
            }
        }
        guard let nul = out[..<produced].firstIndex(of: 0) else { return nil }
        let parts = String(decoding: out[..<nul], as: UTF8.self).split(separator: " ")
        guard parts.count == 2, let size = Int64(parts[1]), size >= 0, let type = try? ObjectType(parsing: String(parts[0])) else { return nil }
        return ObjectHeader(type: type, size: size)
    }
}
