import MregStore
#if canImport(Glibc)
import Glibc
#endif
import MregSupport
import MregRegistry
import MregFilter

/// One model's searchable data inside an index file: its summary, a sorted string
/// table, one fixed-size row per version and the versions' params, metrics, formats and
/// model-card fields as fixed-size fields (layout in `Docs/FORMAT.md` §5).
///
/// Read in place, without decoding: a search over 100,000 versions compares integers
/// and string ids, and only turns the rows it prints into Swift values.
/// `@unchecked Sendable`: every property is a `let`, and `base` points into the bytes of
/// `file`, an immutable `IndexFile` this segment keeps alive, so nothing it reads ever changes.
struct IndexSegment: @unchecked Sendable {
    static let magic: UInt32 = 0x3147_4553  // "SEG1"
    static let headerSize = 96
    static let rowSize = 48
    static let fieldSize = 16
    static let pairSize = 16
    static let none32: UInt32 = .max
    static let noParameters: Int64 = .min

    /// Where a field comes from.
    enum Namespace: UInt8 {
        case param = 0, metric = 1, format = 2
        /// A model-card field holding one value.
        case card = 3
        /// One item of a model-card field holding a (non-empty) list: one field per item, in order.
        case cardItem = 4
        /// A removed version's removal: keys `by`, `at` and `reason` (strings).
        case removal = 5
        /// A field of the captured environment (`python`, `packages.torch`): one value each.
        case environment = 6
    }

    /// How a field's 64 bits are to be read.
    enum Kind: UInt8 {
        case null = 0, bool = 1, int = 2, double = 3, string = 4, json = 5
    }

    /// Keeps the bytes alive.
    let file: IndexFile
    let base: UnsafeRawBufferPointer
    let stringCount: Int
    let rowCount: Int
    let fieldCount: Int
    let stageCount: Int
    let tagCount: Int
    let head: ObjectID
    let eventCount: Int64
    let latest: Int64?
    private let modelID: UInt32
    private let lastChangeID: UInt32
    private let stringOffsetsAt: Int
    private let stringBytesAt: Int
    private let rowsAt: Int
    private let manifestsAt: Int
    private let fieldsAt: Int
    private let stagesAt: Int
    private let tagsAt: Int
    /// The segment's length in bytes.
    let length: Int

    /// Checks a segment starting at `offset` of `file`'s payload: every section in bounds,
    /// every string id and field range valid.
    init(file: IndexFile, offset: Int) throws {
        self.file = file
        let payload = file.payload
        guard offset >= 0, offset % 8 == 0, payload.count - offset >= Self.headerSize else { throw IndexCorrupt("segment header out of bounds") }
        var r = ByteReader(payload, offset: offset)
        guard try r.u32() == Self.magic else { throw IndexCorrupt("bad segment magic") }
        stringCount = Int(try r.u32())
        rowCount = Int(try r.u32())
        fieldCount = Int(try r.u32())
        stageCount = Int(try r.u32())
        tagCount = Int(try r.u32())
        modelID = try r.u32()
        lastChangeID = try r.u32()
        eventCount = try r.i64()
        let latestRaw = try r.i64()
        latest = latestRaw == Self.noParameters ? nil : latestRaw
        head = try r.id()
        let stringBytes = Int(try r.u64())
        let total = Int(truncatingIfNeeded: try r.u64())
        guard total >= Self.headerSize, total % 8 == 0, total <= payload.count - offset else { throw IndexCorrupt("bad segment length") }
        length = total
        base = UnsafeRawBufferPointer(rebasing: payload[offset..<offset + total])
        func pad(_ n: Int) -> Int { (n + 7) & ~7 }
        var at = Self.headerSize
        stringOffsetsAt = at
        at += pad((stringCount + 1) * 4)
        stringBytesAt = at
        at += pad(stringBytes)
        rowsAt = at
        at += rowCount * Self.rowSize
        manifestsAt = at
        at += rowCount * 32
        fieldsAt = at
        at += fieldCount * Self.fieldSize
        stagesAt = at
        at += stageCount * Self.pairSize
        tagsAt = at
        at += tagCount * Self.pairSize
        guard stringCount < Int(UInt32.max), at == total else { throw IndexCorrupt("segment sections do not add up") }

        // Strings: offsets must rise and end at the byte count.
        var previous = 0
        for i in 0...stringCount {
            let o = Int(base.loadUnaligned(fromByteOffset: stringOffsetsAt + 4 * i, as: UInt32.self).littleEndian)
            guard o >= previous, o <= stringBytes else { throw IndexCorrupt("bad string table") }
            previous = o
        }
        guard previous == stringBytes else { throw IndexCorrupt("bad string table end") }
        let strings = UInt32(stringCount)
        guard modelID < strings, lastChangeID < strings || lastChangeID == Self.none32 else { throw IndexCorrupt("bad segment strings") }
        for row in 0..<rowCount {
            let o = rowsAt + row * Self.rowSize
            let author = base.loadUnaligned(fromByteOffset: o + 24, as: UInt32.self).littleEndian
            let created = base.loadUnaligned(fromByteOffset: o + 28, as: UInt32.self).littleEndian
            let message = base.loadUnaligned(fromByteOffset: o + 32, as: UInt32.self).littleEndian
            let start = Int(base.loadUnaligned(fromByteOffset: o + 36, as: UInt32.self).littleEndian)
            let count = Int(base.loadUnaligned(fromByteOffset: o + 40, as: UInt32.self).littleEndian)
            guard author < strings, created < strings, message < strings, start + count <= fieldCount else {
                throw IndexCorrupt("bad row \(row)")
            }
        }
        for f in 0..<fieldCount {
            let o = fieldsAt + f * Self.fieldSize
            let key = base.loadUnaligned(fromByteOffset: o, as: UInt32.self).littleEndian
            let ns = base[o + 4], kind = base[o + 5]
            let bits = base.loadUnaligned(fromByteOffset: o + 8, as: UInt64.self).littleEndian
            guard key < strings, ns <= Namespace.environment.rawValue, kind <= 5 else { throw IndexCorrupt("bad field \(f)") }
            if kind == Kind.string.rawValue || kind == Kind.json.rawValue { guard bits < UInt64(strings) else { throw IndexCorrupt("bad field \(f)") } }
        }
        for p in 0..<(stageCount + tagCount) {
            guard base.loadUnaligned(fromByteOffset: stagesAt + p * Self.pairSize, as: UInt32.self).littleEndian < strings else {
                throw IndexCorrupt("bad stage or tag")
            }
        }
    }

    /// The model's name.
    var model: String { string(modelID) }

    /// The time of the model's newest event.
    var lastChange: String? { lastChangeID == Self.none32 ? nil : string(lastChangeID) }

    // MARK: strings

    @inline(__always) private func stringOffset(_ i: Int) -> Int {
        Int(base.loadUnaligned(fromByteOffset: stringOffsetsAt + 4 * i, as: UInt32.self).littleEndian)
    }

    /// The UTF-8 bytes of string `id`.
    @inline(__always) func stringBytes(_ id: UInt32) -> UnsafeRawBufferPointer {
        let i = Int(id)
        let start = stringOffset(i), end = stringOffset(i + 1)
        return UnsafeRawBufferPointer(rebasing: base[stringBytesAt + start..<stringBytesAt + end])
    }

    func string(_ id: UInt32) -> String { String(decoding: stringBytes(id), as: UTF8.self) }

    /// The first string id whose bytes are not less than `key` (strings are sorted by bytes),
    /// and whether that string equals `key`.
    func lowerBound(_ key: [UInt8]) -> (id: UInt32, found: Bool) {
        var lo = 0, hi = stringCount
        key.withUnsafeBytes { k in
            while lo < hi {
                let mid = (lo + hi) / 2
                if Self.compare(stringBytes(UInt32(mid)), k) < 0 { lo = mid + 1 } else { hi = mid }
            }
        }
        let found = lo < stringCount && key.withUnsafeBytes { Self.compare(stringBytes(UInt32(lo)), $0) == 0 }
        return (UInt32(lo), found)
    }

    /// The id of `s`, if the segment holds it.
    func find(_ s: String) -> UInt32? {
        let r = lowerBound(Array(s.utf8))
        return r.found ? r.id : nil
    }

    /// Byte-wise comparison (memcmp order, then length).
    @inline(__always) static func compare(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
        let n = min(a.count, b.count)
        if n > 0 {
            let c = memcmp(a.baseAddress!, b.baseAddress!, n)
            if c != 0 { return Int(c) }
        }
        return a.count - b.count
    }

    // MARK: rows

    @inline(__always) func version(_ row: Int) -> Int64 {
        base.loadUnaligned(fromByteOffset: rowsAt + row * Self.rowSize, as: Int64.self).littleEndian
    }

    /// Seconds since the epoch of the version's registration.
    @inline(__always) func created(_ row: Int) -> Int64 {
        base.loadUnaligned(fromByteOffset: rowsAt + row * Self.rowSize + 8, as: Int64.self).littleEndian
    }

    @inline(__always) func parameters(_ row: Int) -> Int64? {
        let v = base.loadUnaligned(fromByteOffset: rowsAt + row * Self.rowSize + 16, as: Int64.self).littleEndian
        return v == Self.noParameters ? nil : v
    }

    @inline(__always) func author(_ row: Int) -> UInt32 { rowU32(row, 24) }
    @inline(__always) func createdText(_ row: Int) -> UInt32 { rowU32(row, 28) }
    @inline(__always) func message(_ row: Int) -> UInt32 { rowU32(row, 32) }
    /// How many rows are live versions (not removed).
    var liveRowCount: Int { (0..<rowCount).reduce(0) { $0 + (isRemoved($1) ? 0 : 1) } }

    /// Whether the version of `row` was removed (row flags, bit 0).
    @inline(__always) func isRemoved(_ row: Int) -> Bool { rowU32(row, 44) & 1 != 0 }

    @inline(__always) func fields(_ row: Int) -> Range<Int> {
        let start = Int(rowU32(row, 36))
        return start..<start + Int(rowU32(row, 40))
    }

    @inline(__always) private func rowU32(_ row: Int, _ at: Int) -> UInt32 {
        base.loadUnaligned(fromByteOffset: rowsAt + row * Self.rowSize + at, as: UInt32.self).littleEndian
    }

    func manifest(_ row: Int) -> ObjectID {
        let o = manifestsAt + row * 32
        return ObjectID(bytes: Array(base[o..<o + 32]))
    }

    /// The row of `version`, if present (rows are sorted by version).
    func row(ofVersion v: Int64) -> Int? {
        var lo = 0, hi = rowCount
        while lo < hi {
            let mid = (lo + hi) / 2
            if version(mid) < v { lo = mid + 1 } else { hi = mid }
        }
        return lo < rowCount && version(lo) == v ? lo : nil
    }

    // MARK: fields

    @inline(__always) func fieldKey(_ f: Int) -> UInt32 {
        base.loadUnaligned(fromByteOffset: fieldsAt + f * Self.fieldSize, as: UInt32.self).littleEndian
    }

    @inline(__always) func fieldNamespace(_ f: Int) -> UInt8 { base[fieldsAt + f * Self.fieldSize + 4] }

    @inline(__always) func fieldKind(_ f: Int) -> Kind { Kind(rawValue: base[fieldsAt + f * Self.fieldSize + 5]) ?? .null }

    @inline(__always) func fieldBits(_ f: Int) -> UInt64 {
        base.loadUnaligned(fromByteOffset: fieldsAt + f * Self.fieldSize + 8, as: UInt64.self).littleEndian
    }

    /// The field of `row` with this namespace and key, if any.
    @inline(__always) func field(_ row: Int, _ ns: Namespace, _ key: UInt32) -> Int? {
        for f in fields(row) where fieldKey(f) == key && fieldNamespace(f) == ns.rawValue { return f }
        return nil
    }

    /// A field's value as JSON.
    func value(_ f: Int) -> JSONValue {
        let bits = fieldBits(f)
        switch fieldKind(f) {
        case .null: return .null
        case .bool: return .bool(bits != 0)
        case .int: return .int(Int64(bitPattern: bits))
        case .double: return .double(Double(bitPattern: bits))
        case .string: return .string(string(UInt32(bits)))
        case .json: return (try? JSONValue.parse(Array(stringBytes(UInt32(bits))))) ?? .string(string(UInt32(bits)))
        }
    }

    // MARK: stages and tags

    /// Stage `i`: its name's string id and the version it holds.
    @inline(__always) func stage(_ i: Int) -> (name: UInt32, version: Int64) { pair(stagesAt, i) }

    /// Tag `i`: its name's string id and the version it names.
    @inline(__always) func tag(_ i: Int) -> (name: UInt32, version: Int64) { pair(tagsAt, i) }

    @inline(__always) private func pair(_ at: Int, _ i: Int) -> (name: UInt32, version: Int64) {
        let o = at + i * Self.pairSize
        return (base.loadUnaligned(fromByteOffset: o, as: UInt32.self).littleEndian,
                base.loadUnaligned(fromByteOffset: o + 8, as: Int64.self).littleEndian)
    }

    // MARK: decoding

    var summary: ModelSummary {
        var stages = [String: Int64](), tags = [String: Int64]()
        for i in 0..<stageCount { let p = stage(i); stages[string(p.name)] = p.version }
        for i in 0..<tagCount { let p = tag(i); tags[string(p.name)] = p.version }
        return ModelSummary(model: model, head: head, eventCount: eventCount, versionCount: liveRowCount, latestVersion: latest,
                            stages: stages, tags: tags, lastChange: lastChange)
    }

    /// Stages holding the version of `row`, sorted.
    func stages(ofRow row: Int) -> [String] {
        let v = version(row)
        return (0..<stageCount).map(stage).filter { $0.version == v }.map { string($0.name) }.sorted()
    }

    /// Tags naming the version of `row`, sorted.
    func tags(ofRow row: Int) -> [String] {
        let v = version(row)
        return (0..<tagCount).map(tag).filter { $0.version == v }.map { string($0.name) }.sorted()
    }

    /// Everything indexed about one version.
    func versionFields(_ row: Int) -> VersionFields {
        var params = [String: JSONValue](), metrics = [String: JSONValue](), formats = [String]()
        var card = [String: JSONValue](), lists = [String: [JSONValue]](), removal = [String: String](), environment = [String: JSONValue]()
        for f in fields(row) {
            switch Namespace(rawValue: fieldNamespace(f)) {
            case .param: params[string(fieldKey(f))] = value(f)
            case .metric: metrics[string(fieldKey(f))] = value(f)
            case .format: formats.append(string(fieldKey(f)))
            case .card: card[string(fieldKey(f))] = value(f)
            case .cardItem: lists[string(fieldKey(f)), default: []].append(value(f))
            case .removal: removal[string(fieldKey(f))] = value(f).stringValue
            case .environment: environment[string(fieldKey(f))] = value(f)
            case nil: break
            }
        }
        for (key, items) in lists { card[key] = .array(items) }
        var fields = VersionFields(version: version(row), manifest: manifest(row), author: string(author(row)),
                                   created: string(createdText(row)),
                                   content: ManifestFields(message: string(message(row)), params: params, metrics: metrics,
                                                           formats: formats, parameters: parameters(row), card: card,
                                                           environment: environment))
        if isRemoved(row) { fields.removal = RemovalFields(by: removal["by"] ?? "", at: removal["at"] ?? "", reason: removal["reason"]) }
        return fields
    }
}
