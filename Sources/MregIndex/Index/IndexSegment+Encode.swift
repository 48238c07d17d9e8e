import MregStore
import MregSupport
import MregRegistry
import MregFilter

extension IndexSegment {
    /// Appends one model's segment to `w` (which must be at a multiple of 8).
    ///
    /// - Parameter rows: the model's versions, sorted by version.
    static func encode(summary: ModelSummary, rows: [VersionFields], into w: inout ByteWriter) {
        precondition(w.count % 8 == 0, "segments start at a multiple of 8")
        // The string table: every distinct string, sorted by bytes, so ids compare as the strings do.
        var set = Set<String>()
        set.insert(summary.model)
        if let l = summary.lastChange { set.insert(l) }
        for s in summary.stages.keys { set.insert(s) }
        for t in summary.tags.keys { set.insert(t) }
        for row in rows {
            set.insert(row.author)
            set.insert(row.created)
            set.insert(row.message)
            for (k, v) in row.params { set.insert(k); if let s = stringForm(v) { set.insert(s) } }
            for (k, v) in row.metrics { set.insert(k); if let s = stringForm(v) { set.insert(s) } }
            for f in row.formats { set.insert(f) }
            for (k, v) in row.card {
                set.insert(k)
                for item in v.arrayValue ?? [v] { if let s = stringForm(item) { set.insert(s) } }
            }
        }
        let strings = set.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var ids = [String: UInt32](minimumCapacity: strings.count)
        for (i, s) in strings.enumerated() { ids[s] = UInt32(i) }

        var fieldCount = 0
        for row in rows { fieldCount += fieldCountOf(row) }

        let start = w.count
        w.u32(magic)
        w.u32(UInt32(strings.count))
        w.u32(UInt32(rows.count))
        w.u32(UInt32(fieldCount))
        w.u32(UInt32(summary.stages.count))
        w.u32(UInt32(summary.tags.count))
        w.u32(ids[summary.model]!)
        w.u32(summary.lastChange.map { ids[$0]! } ?? none32)
        w.i64(summary.eventCount)
        w.i64(summary.latestVersion ?? noParameters)
        w.id(summary.head)
        var byteCount = 0
        for s in strings { byteCount += s.utf8.count }
        w.u64(UInt64(byteCount))
        let lengthAt = w.count
        w.u64(0)  // patched below
        // String offsets, then bytes.
        var offset: UInt32 = 0
        w.u32(0)
        for s in strings { offset += UInt32(s.utf8.count); w.u32(offset) }
        w.align8()
        for s in strings { w.string(s, prefixed: false) }
        w.align8()
        // Rows.
        var next: UInt32 = 0
        for row in rows {
            let n = UInt32(fieldCountOf(row))
            w.i64(row.version)
            w.i64(EpochTime.seconds(row.created) ?? 0)
            w.i64(row.parameters ?? noParameters)
            w.u32(ids[row.author]!)
            w.u32(ids[row.created]!)
            w.u32(ids[row.message]!)
            w.u32(next)
            w.u32(n)
            w.u32(0)
            next += n
        }
        for row in rows { w.id(row.manifest) }
        // Fields: params, then metrics, then formats, then card fields, each by key (a list's items in order).
        for row in rows {
            for (k, v) in row.params.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
                field(&w, ids[k]!, .param, v, ids)
            }
            for (k, v) in row.metrics.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
                field(&w, ids[k]!, .metric, v, ids)
            }
            for f in row.formats { field(&w, ids[f]!, .format, .string(f), ids) }
            for (k, v) in row.card.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
                if case .array(let items) = v {
                    for item in items { field(&w, ids[k]!, .cardItem, item, ids) }
                } else {
                    field(&w, ids[k]!, .card, v, ids)
                }
            }
        }
        for (name, v) in summary.stages.sorted(by: { $0.key < $1.key }) { w.u32(ids[name]!); w.u32(0); w.i64(v) }
        for (name, v) in summary.tags.sorted(by: { $0.key < $1.key }) { w.u32(ids[name]!); w.u32(0); w.i64(v) }
        w.patchU64(UInt64(w.count - start), at: lengthAt)
    }

    /// How many fields a row has: one per param, metric and format, one per card field
    /// holding a value, one per item of a card field holding a list.
    static func fieldCountOf(_ row: VersionFields) -> Int {
        var n = row.params.count + row.metrics.count + row.formats.count
        for v in row.card.values { n += v.arrayValue?.count ?? 1 }
        return n
    }

    /// The text a value is stored as in the string table (strings, and arrays/objects as canonical JSON).
    static func stringForm(_ v: JSONValue) -> String? {
        switch v {
        case .string(let s): return s
        case .array, .object: return v.canonical
        default: return nil
        }
    }

    private static func field(_ w: inout ByteWriter, _ key: UInt32, _ ns: Namespace, _ v: JSONValue, _ ids: [String: UInt32]) {
        w.u32(key)
        w.u8(ns.rawValue)
        let kind: Kind
        let bits: UInt64
        switch v {
        case .null: kind = .null; bits = 0
        case .bool(let b): kind = .bool; bits = b ? 1 : 0
        case .int(let i): kind = .int; bits = UInt64(bitPattern: i)
        case .double(let d): kind = .double; bits = d.bitPattern
        case .string(let s): kind = .string; bits = UInt64(ids[s]!)
        case .array, .object: kind = .json; bits = UInt64(ids[v.canonical]!)
        }
        w.u8(kind.rawValue)
        w.u16(0)
        w.u64(bits)
    }
}

extension ByteWriter {
    /// A string's UTF-8 bytes, optionally after a UInt32 length.
    mutating func string(_ s: String, prefixed: Bool) {
        if prefixed { string(s) } else { raw(s.utf8) }
    }
}
