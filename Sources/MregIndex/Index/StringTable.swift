import MregSupport

/// The strings of a segment as they are added (each use a reference), resolved to the
/// sorted table of distinct strings and each reference's id in it.
struct StringTable {
    private var strings = [String]()
    private var ascii = true

    /// Adds one use of `s`; its id is `resolve().ids[reference]`.
    mutating func add(_ s: String) -> Int {
        if ascii && !JSONValue.isASCII(s) { ascii = false }
        strings.append(s)
        return strings.count - 1
    }

    /// The distinct strings sorted by their UTF-8 bytes, and each reference's index among them.
    func resolve() -> (strings: [String], ids: [UInt32]) {
        var order = strings.enumerated().map { (text: $0.element, ref: $0.offset) }
        // All ASCII: the standard library's `<` is byte order, and fastest.
        if ascii { order.sort { $0.text < $1.text } } else { order.sort { JSONValue.utf8Precedes($0.text, $1.text) } }
        var distinct = [String]()
        var ids = [UInt32](repeating: 0, count: strings.count)
        for i in order.indices {
            // Equal bytes, not `==` (which equates canonically equivalent Unicode).
            if i == 0 || !order[i].text.utf8.elementsEqual(order[i - 1].text.utf8) { distinct.append(order[i].text) }
            ids[order[i].ref] = UInt32(truncatingIfNeeded: distinct.count - 1)
        }
        return (distinct, ids)
    }
}
