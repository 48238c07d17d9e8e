/// Building the document's tables, with TOML's rules on defining each table and key once.
extension TOMLReader {
    /// A table being built. Inline tables and arrays are finished values (`Entry.value`): nothing
    /// may add to them later, so any path that would go through one is refused.
    final class Node {
        enum Entry {
            case value(TOMLValue)
            case table(Node)
            case arrayOfTables(NodeList)
        }

        /// A `[[array of tables]]`: its tables, the last one open.
        final class NodeList {
            var items: [Node]
            init(_ first: Node) { items = [first] }
        }

        var entries: [String: Entry] = [:]
        /// Tables and arrays around it (the document is 0; an array of tables counts as a level).
        let depth: Int
        /// Opened by its own `[header]` (or `[[header]]`): no other header may open it.
        var hasHeader = false
        /// The header section whose dotted keys made it, if any: a later header may not open it,
        /// nor may dotted keys under a later header add to it.
        var dottedIn: Int?

        init(depth: Int) { self.depth = depth }

        /// The finished table.
        func tableValue() -> [String: TOMLValue] {
            var out = [String: TOMLValue](minimumCapacity: entries.count)
            for (key, entry) in entries {
                switch entry {
                case .value(let v): out[key] = v
                case .table(let t): out[key] = .table(t.tableValue())
                case .arrayOfTables(let list): out[key] = .array(list.items.map { .table($0.tableValue()) })
                }
            }
            return out
        }
    }

    /// `key` shown in messages: `a.b."c d"`.
    static func show(_ key: some Collection<String>) -> String {
        key.map { part in
            !part.isEmpty && part.utf8.allSatisfy(isBareKey) ? part : "\"" + part.unicodeScalars.map { s in
                s == "\"" || s == "\\" ? "\\" + String(s) : s.value < 0x20 || s.value == 0x7F ? "\\u" + String(s.value, radix: 16).uppercased().leftPadded4 : String(s)
            }.joined() + "\""
        }.joined(separator: ".")
    }

    /// Follows a header's key up to (not including) its last part, making the tables missing on the way.
    /// Through an array of tables it goes into the last table; through a value it cannot go.
    func walkHeader(_ key: [String], at offset: Int) throws(TOMLError) -> Node {
        var node = root
        for (i, part) in key.dropLast().enumerated() {
            switch node.entries[part] {
            case nil:
                let child = try newTable(under: node, levels: 1, at: offset)
                node.entries[part] = .table(child)
                node = child
            case .table(let t):
                node = t
            case .arrayOfTables(let list):
                node = list.items[list.items.count - 1]
            case .value:
                throw fail("[\(Self.show(key))] goes through '\(Self.show(key[...i]))', which is already a value, not a table", at: offset)
            }
        }
        return node
    }

    func newTable(under parent: Node, levels: Int, at offset: Int) throws(TOMLError) -> Node {
        guard parent.depth + levels <= Self.maximumDepth else {
            throw fail("tables and lists nest more than \(Self.maximumDepth) deep here", at: offset)
        }
        return Node(depth: parent.depth + levels)
    }

    /// `[key]`: the table it opens.
    mutating func openTable(_ key: [String], at offset: Int) throws(TOMLError) -> Node {
        section += 1
        let parent = try walkHeader(key, at: offset)
        let last = key[key.count - 1]
        switch parent.entries[last] {
        case nil:
            let table = try newTable(under: parent, levels: 1, at: offset)
            table.hasHeader = true
            parent.entries[last] = .table(table)
            return table
        case .table(let t):
            if t.hasHeader {
                throw fail("table [\(Self.show(key))] is defined twice: merge the two", at: offset)
            }
            if t.dottedIn != nil {
                throw fail("table [\(Self.show(key))] was already made by dotted keys (\(Self.show(key)).x = ...): add to it there", at: offset)
            }
            t.hasHeader = true
            return t
        case .arrayOfTables:
            throw fail("[\(Self.show(key))] is an array of tables: write [[\(Self.show(key))]] to add one", at: offset)
        case .value:
            throw fail("'\(Self.show(key))' is already a value, not a table: [\(Self.show(key))] cannot open it", at: offset)
        }
    }

    /// `[[key]]`: the new table it appends.
    mutating func openArrayTable(_ key: [String], at offset: Int) throws(TOMLError) -> Node {
        section += 1
        let parent = try walkHeader(key, at: offset)
        let last = key[key.count - 1]
        switch parent.entries[last] {
        case nil:
            let table = try newTable(under: parent, levels: 2, at: offset)
            table.hasHeader = true
            parent.entries[last] = .arrayOfTables(Node.NodeList(table))
            return table
        case .arrayOfTables(let list):
            let table = try newTable(under: parent, levels: 2, at: offset)
            table.hasHeader = true
            list.items.append(table)
            return table
        case .table:
            throw fail("'\(Self.show(key))' is already a table: [[\(Self.show(key))]] cannot make it an array of tables", at: offset)
        case .value:
            throw fail("'\(Self.show(key))' is already a value: [[\(Self.show(key))]] cannot add to it (a list written with [ ] is complete)", at: offset)
        }
    }

    /// Adds `key = value` to `table`; dotted keys make (or add to) the tables on their way.
    func insert(_ value: TOMLValue, at key: [String], into table: Node, inline: Bool, keyAt offset: Int) throws(TOMLError) {
        var node = table
        for (i, part) in key.dropLast().enumerated() {
            switch node.entries[part] {
            case nil:
                let child = try newTable(under: node, levels: 1, at: offset)
                child.dottedIn = section
                node.entries[part] = .table(child)
                node = child
            case .table(let t):
                if !inline {
                    if t.hasHeader {
                        throw fail("'\(Self.show(key[...i]))' is a table with its own [header]: add '\(Self.show(key[(i + 1)...]))' under it there", at: offset)
                    }
                    if let s = t.dottedIn, s != section {
                        throw fail("'\(Self.show(key[...i]))' was made by dotted keys under an earlier header: add to it there", at: offset)
                    }
                    t.dottedIn = section
                }
                node = t
            case .arrayOfTables:
                throw fail("'\(Self.show(key[...i]))' is an array of tables: dotted keys cannot add to it", at: offset)
            case .value:
                throw fail("'\(Self.show(key[...i]))' is already a value (a list or inline table is complete): it cannot take '\(Self.show(key[(i + 1)...]))'", at: offset)
            }
        }
        let last = key[key.count - 1]
        guard node.entries[last] == nil else {
            throw fail("key '\(Self.show(key))' is defined twice\(inline ? " in this inline table" : ""): keep one", at: offset)
        }
        node.entries[last] = .value(value)
    }
}

fileprivate extension String {
    var leftPadded4: String { count >= 4 ? self : String(repeating: "0", count: 4 - count) + self }
}
