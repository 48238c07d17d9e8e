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
        // Each row's fields in the order they are written; the text of lists and maps is computed
        // once (on all cores when there are many: params of 50 MB hold tens of thousands).
        var fields = rows.map(Self.fields(of:))
        // A manifest register just wrote comes with the texts of its list and map params.
        for (r, row) in rows.enumerated() {
            guard let known = Manifest.rememberedParamTexts(of: row.manifest), !known.isEmpty else { continue }
            for f in fields[r].indices where fields[r][f].namespace == .param && fields[r][f].text == nil {
                fields[r][f].text = known[fields[r][f].key]
            }
        }
        var composite = [JSONValue]()
        for row in fields { for f in row where f.text == nil && f.value.isComposite { composite.append(f.value) } }
        var texts = JSONValue.canonicalTexts(composite).makeIterator()
        for r in fields.indices {
            for f in fields[r].indices where fields[r][f].text == nil && fields[r][f].value.isComposite {
                fields[r][f].text = texts.next()
            }
        }
        // The string table: every distinct string, sorted by bytes, so ids compare as the strings do.
        // Each use of a string is a reference into it, resolved by one sort (no hashing: a
        // params file of 50 MB holds hundreds of thousands of strings).
        var table = StringTable()
        let modelRef = table.add(summary.model)
        let lastChangeRef = summary.lastChange.map { table.add($0) }
        let stageRefs = summary.stages.sorted(by: { $0.key < $1.key }).map { (table.add($0.key), $0.value) }
        let tagRefs = summary.tags.sorted(by: { $0.key < $1.key }).map { (table.add($0.key), $0.value) }
        let rowRefs = rows.map { (author: table.add($0.author), created: table.add($0.created), message: table.add($0.message)) }
        // Keys first (sorted within each row and namespace, so the sort finds them in runs), then texts.
        let keyRefs = fields.map { $0.map { table.add($0.key) } }
        let textRefs = fields.map { $0.map { f in f.text.map { table.add($0) } } }
        for row in rows { for k in row.card.keys { _ = table.add(k) } }  // a card list may be empty: no field names it
        let (strings, ids) = table.resolve()

        var fieldCount = 0
        for row in rows { fieldCount += fieldCountOf(row) }

        let start = w.count
        w.u32(magic)
        w.u32(count: strings.count)
        w.u32(count: rows.count)
        w.u32(count: fieldCount)
        w.u32(count: summary.stages.count)
        w.u32(count: summary.tags.count)
        w.u32(ids[modelRef])
        w.u32(lastChangeRef.map { ids[$0] } ?? none32)
        w.i64(summary.eventCount)
        w.i64(summary.latestVersion ?? noParameters)
        w.id(summary.head)
        var byteCount = 0
        for s in strings { byteCount += s.utf8.count }
        w.u64(UInt64(byteCount))
        let lengthAt = w.count
        w.u64(0)  // patched below
        // String offsets, then bytes.
        var offset = 0
        w.u32(0)
        for s in strings { offset += s.utf8.count; w.u32(count: offset) }
        w.align8()
        for s in strings { w.string(s, prefixed: false) }
        w.align8()
        // Rows.
        var next: UInt32 = 0
        for (row, refs) in zip(rows, rowRefs) {
            let n = UInt32(fieldCountOf(row))
            w.i64(row.version)
            w.i64(EpochTime.seconds(row.created) ?? 0)
            w.i64(row.parameters ?? noParameters)
            w.u32(ids[refs.author])
            w.u32(ids[refs.created])
            w.u32(ids[refs.message])
            w.u32(next)
            w.u32(n)
            w.u32(row.removal == nil ? 0 : 1)  // flags: bit 0, removed
            next += n
        }
        for row in rows { w.id(row.manifest) }
        // Fields: params, then metrics, then formats, then card fields, each by key (a list's items in order).
        for r in fields.indices {
            for (f, pending) in fields[r].enumerated() {
                field(&w, ids[keyRefs[r][f]], pending.namespace, pending.value, text: textRefs[r][f].map { ids[$0] })
            }
        }
        for (ref, v) in stageRefs { w.u32(ids[ref]); w.u32(0); w.i64(v) }
        for (ref, v) in tagRefs { w.u32(ids[ref]); w.u32(0); w.i64(v) }
        w.patchU64(UInt64(w.count - start), at: lengthAt)
    }

    /// How many fields a row has: one per param, metric and format, one per card field
    /// holding a value, one per item of a card field holding a list.
    static func fieldCountOf(_ row: VersionFields) -> Int {
        var n = row.params.count + row.metrics.count + row.formats.count + row.environment.count
        for v in row.card.values { n += v.arrayValue?.count ?? 1 }
        if let removal = row.removal { n += removal.reason == nil ? 2 : 3 }
        return n
    }

    /// One field as it is written: its key, namespace, value and the text the value is stored as
    /// in the string table (strings, and lists and maps as canonical JSON, filled in later).
    struct PendingField {
        var key: String
        var namespace: Namespace
        var value: JSONValue
        var text: String?
    }

    /// A row's fields in the order they are written: params, then metrics, then formats, then
    /// card fields, each by key (a card list's items in order, one field each).
    static func fields(of row: VersionFields) -> [PendingField] {
        var out = [PendingField]()
        out.reserveCapacity(fieldCountOf(row))
        func add(_ key: String, _ ns: Namespace, _ v: JSONValue) {
            out.append(PendingField(key: key, namespace: ns, value: v, text: v.stringValue))
        }
        // Sorting the keys alone moves less than sorting (key, value) pairs.
        for k in JSONValue.sortedByUTF8(row.params.keys) { if let v = row.params[k] { add(k, .param, v) } }
        for k in JSONValue.sortedByUTF8(row.metrics.keys) { if let v = row.metrics[k] { add(k, .metric, v) } }
        for f in row.formats { add(f, .format, .string(f)) }
        for (k, v) in row.card.sorted(by: { JSONValue.utf8Precedes($0.key, $1.key) }) {
            if case .array(let items) = v {
                for item in items { add(k, .cardItem, item) }
            } else {
                add(k, .card, v)
            }
        }
        if let removal = row.removal {
            // By key bytes: at, by, reason.
            add("at", .removal, .string(removal.at))
            add("by", .removal, .string(removal.by))
            if let reason = removal.reason { add("reason", .removal, .string(reason)) }
        }
        for k in JSONValue.sortedByUTF8(row.environment.keys) { if let v = row.environment[k] { add(k, .environment, v) } }
        return out
    }

    /// Writes one field; `text` is the string-table id of a string, list or map value.
    private static func field(_ w: inout ByteWriter, _ key: UInt32, _ ns: Namespace, _ v: JSONValue, text: UInt32?) {
        w.u32(key)
        w.u8(ns.rawValue)
        let kind: Kind
        let bits: UInt64
        switch v {
        case .null: kind = .null; bits = 0
        case .bool(let b): kind = .bool; bits = b ? 1 : 0
        case .int(let i): kind = .int; bits = UInt64(bitPattern: i)
        case .double(let d): kind = .double; bits = d.bitPattern
        case .string: kind = .string; bits = UInt64(text ?? 0)
        case .array, .object: kind = .json; bits = UInt64(text ?? 0)
        }
        w.u8(kind.rawValue)
        w.u16(0)
        w.u64(bits)
    }
}

extension JSONValue {
    /// A list or a map.
    var isComposite: Bool {
        switch self {
        case .array, .object: return true
        default: return false
        }
    }
}

extension ByteWriter {
    /// A string's UTF-8 bytes, optionally after a UInt32 length.
    mutating func string(_ s: String, prefixed: Bool) {
        if prefixed { string(s) } else { raw(s.utf8) }
    }
}
