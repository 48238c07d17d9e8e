import Foundation
import MregSupport
import Yams

/// Reads the metadata of a Hugging Face-style model card (`README.md`).
///
/// The card's YAML front matter sits between a first line `---` and the next `---` line.
/// The fields mreg records are kept as plain strings or arrays of strings (YAML scalars are
/// taken as written, so `language: no` stays `"no"`), together with the first `# ` heading.
public enum ModelCard {
    /// The front matter fields that are recorded.
    public static let fields = [
        "license", "base_model", "datasets", "tags", "library_name", "pipeline_tag", "language", "model_name", "metrics",
    ]

    /// Fields whose single-string form is turned into a one-element array.
    public static let listFields: Set<String> = ["datasets", "tags", "base_model", "language"]

    /// The largest model card read, in bytes (16 MiB).
    public static let maximumFileBytes = 16 << 20
    /// The most items a recorded list field may hold.
    public static let maximumItems = 10_000
    /// The longest recorded text (a field, an item, the title), in UTF-8 bytes (1 MiB).
    public static let maximumStringBytes = ParamsLoader.maximumStringBytes

    /// Reads and parses the card at `path` (see `parse(markdown:)`), within `maximumFileBytes`.
    /// - Throws: `RegistryError.notFound` when it cannot be opened, `.badInput` naming it when
    ///   it is too large or its front matter cannot be used.
    public static func load(path: String) throws -> JSONValue? {
        let data = try InputFile.read(path, kind: .modelCard, limit: maximumFileBytes, what: "a model card")
        do {
            return try parse(markdown: String(decoding: data, as: UTF8.self))
        } catch RegistryError.badInput(.malformedFile(path: nil, problem: let problem)) {
            throw RegistryError.badInput(.malformedFile(path: path, problem: problem))
        }
    }

    /// Parses a model card into an object of its recorded front matter fields plus `"title"`.
    ///
    /// - Returns: nil when the card has neither front matter nor a `# ` title.
    /// - Throws: `RegistryError.badInput(.malformedFile)` when the front matter is not valid YAML or not a mapping.
    public static func parse(markdown: String) throws -> JSONValue? {
        // "\r\n" is a single Character, so split on any newline character rather than on "\n".
        var lines = markdown.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        if let first = lines.first, first.hasPrefix("\u{FEFF}") { lines[0] = first.dropFirst() }

        var result: [String: JSONValue]?
        var bodyStart = 0
        if let first = lines.first, isFence(first),
           let close = lines.indices.dropFirst().first(where: { isFence(lines[$0]) }) {
            let yaml = lines[1..<close].joined(separator: "\n")
            result = try frontMatter(yaml)
            bodyStart = close + 1
        }
        if let title = title(in: lines[bodyStart...]) {
            result = result ?? [:]
            result?["title"] = .string(try checked(title, field: "title"))
        }
        return result.map { .object($0) }
    }

    // MARK: - Private

    private static func isFence(_ line: Substring) -> Bool {
        line.hasPrefix("---") && line.dropFirst(3).allSatisfy { $0 == " " || $0 == "\t" }
    }

    /// The recorded fields of the YAML front matter.
    private static func frontMatter(_ yaml: String) throws -> [String: JSONValue] {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw RegistryError.badInput(.malformedFile(path: nil, problem: "model card front matter is not valid YAML: \(oneLine(error))"))
        }
        guard let root else { return [:] }
        guard let mapping = root.mapping else {
            throw RegistryError.badInput(.malformedFile(path: nil, problem: "model card front matter is not a YAML mapping"))
        }
        var result: [String: JSONValue] = [:]
        // YAML aliases may repeat a text: what is recorded may not add up to more than the card could hold.
        var total = 0
        func checked(_ text: String, field: String) throws -> String {
            total += text.utf8.count
            guard total <= maximumFileBytes else {
                throw RegistryError.badInput(.malformedFile(path: nil, problem: "model card fields add up to more than \(maximumFileBytes >> 20) MiB once its YAML aliases are expanded"))
            }
            return try ModelCard.checked(text, field: field)
        }
        for (keyNode, valueNode) in mapping {
            guard let key = keyNode.scalar?.string, fields.contains(key), result[key] == nil else { continue }
            if let text = scalarString(valueNode) {
                let value = try checked(text, field: key)
                result[key] = listFields.contains(key) ? .array([.string(value)]) : .string(value)
            } else if let sequence = valueNode.sequence {
                guard sequence.count <= maximumItems else {
                    throw RegistryError.badInput(.malformedFile(path: nil, problem: "model card field '\(key)' lists more than \(maximumItems) items"))
                }
                result[key] = .array(try sequence.compactMap { try scalarString($0).map { .string(try checked($0, field: key)) } })
            }
        }
        return result
    }

    /// `text`, unless it is longer than `maximumStringBytes`.
    private static func checked(_ text: String, field: String) throws -> String {
        guard text.utf8.count <= maximumStringBytes else {
            throw RegistryError.badInput(.malformedFile(path: nil, problem: "model card field '\(field)' is longer than \(maximumStringBytes >> 20) MiB"))
        }
        return text
    }

    /// A non-null scalar's text as written; nil for nulls, sequences and mappings.
    private static func scalarString(_ node: Node) -> String? {
        guard let scalar = node.scalar, node.null == nil else { return nil }
        return scalar.string
    }

    /// The first ATX level-1 heading (`# Title`) outside fenced code blocks.
    private static func title(in lines: ArraySlice<Substring>) -> String? {
        var fence: Substring?
        for line in lines {
            let indent = line.prefix { $0 == " " }.count
            guard indent <= 3 else { continue }
            let trimmed = line.dropFirst(indent)
            if let open = fence {
                if trimmed.hasPrefix(open) { fence = nil }
                continue
            }
            if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") {
                fence = trimmed.prefix(3)
                continue
            }
            guard trimmed.hasPrefix("# ") || trimmed.hasPrefix("#\t") else { continue }
            var text = trimmed.dropFirst(2)
            // An optional closing sequence of '#' characters preceded by a space is not part of the heading.
            let withoutTrail = text.reversed().drop { $0 == " " || $0 == "\t" }
            let hashes = withoutTrail.prefix { $0 == "#" }.count
            if hashes > 0 {
                let beforeHashes = withoutTrail.dropFirst(hashes)
                if beforeHashes.isEmpty || beforeHashes.first == " " || beforeHashes.first == "\t" {
                    text = text.prefix(beforeHashes.count)
                }
            }
            let heading = text.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }
            let result = String(heading.reversed())
            if !result.isEmpty { return result }
        }
        return nil
    }

    /// The first line of an error's description, for a one-line message.
    private static func oneLine(_ error: any Error) -> String {
        let text = String(describing: error)
        return text.split(separator: "\n").first.map(String.init) ?? text
    }
}
