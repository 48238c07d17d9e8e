import Foundation

/// Recomputes the Adler-32 trailer of a zlib stream made only of stored blocks, so a test
/// can change bytes inside an object and still have a valid zlib stream (the damage must
/// then be caught by the object id check, not by zlib).
public func fixAdler32(_ stream: inout [UInt8]) {
    var payload = [UInt8]()
    var i = 2  // the zlib header
    while i + 5 <= stream.count {
        let final = stream[i] & 1
        let length = Int(stream[i + 1]) | Int(stream[i + 2]) << 8
        guard i + 5 + length <= stream.count else { return }
        payload += stream[(i + 5)..<(i + 5 + length)]
        i += 5 + length
        if final == 1 { break }
    }
    var a: UInt32 = 1, b: UInt32 = 0
    for byte in payload { a = (a + UInt32(byte)) % 65521; b = (b + a) % 65521 }
    let sum = b << 16 | a
    guard stream.count >= 4 else { return }
    stream.replaceSubrange((stream.count - 4)..., with: [UInt8(sum >> 24), UInt8(truncatingIfNeeded: sum >> 16), UInt8(truncatingIfNeeded: sum >> 8), UInt8(truncatingIfNeeded: sum)])
}
