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
            result?["title"] = .string(title)
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
        for (keyNode, valueNode) in mapping {
            guard let key = keyNode.scalar?.string, fields.contains(key), result[key] == nil else { continue }
            if let text = scalarString(valueNode) {
                result[key] = listFields.contains(key) ? .array([.string(text)]) : .string(text)
            } else if let sequence = valueNode.sequence {
                result[key] = .array(sequence.compactMap { scalarString($0).map { .string($0) } })
            }
        }
        return result
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
