import MregSupport
import MregRegistry

extension FuzzTarget {
    /// JSON: the strict parser (round trip through canonical and pretty text) and JSON params files.
    static let json = FuzzTarget(
        name: "json",
        summary: "JSONValue.parse (canonical and pretty round trips), a .json params file, KEY=VALUE params",
        dictionary: ["{", "}", "[", "]", "\"", ":", ",", "true", "false", "null", "\\u", "\\ud83d\\ude00", "\\ud800",
                     "1e308", "1e-400", "-0", "0.0", "9223372036854775807", "9223372036854775808", "-9223372036854775809",
                     "\u{FEFF}", "=", "optimizer.lr=", "'"]
    ) { context, input in
        if let value = attempt({ try JSONValue.parse(input) }) {
            let canonical = value.canonicalBytes
            let again = attempt { try JSONValue.parse(canonical) }
            invariant(again == value, "a JSON value does not survive its canonical form")
            invariant(again?.canonicalBytes == canonical, "canonical JSON is not stable")
            invariant(attempt({ try JSONValue.parse(value.pretty) }) == value, "a JSON value does not survive its pretty form")
            _ = JSONValue.difference(value, .object([:]))
            _ = ParamsLoader.flatten(value)
        }
        loadParams(context, "params.json", input)
        let text = String(decoding: input, as: UTF8.self)
        for line in text.split(separator: "\n").prefix(16) {
            _ = attempt { try ParamsLoader.parseAssignment(String(line)) }
        }
    }

    /// YAML params files (and files with no extension, whose format is sniffed).
    static let yaml = FuzzTarget(
        name: "yaml",
        summary: "a .yaml params file and an extension-less one (sniffed: JSON, TOML or YAML), flattened and checked as metrics",
        dictionary: ["---", "...", ": ", "- ", "&a", "*a", "<<: *a", "[", "]", "{", "}", "!!str", "!!binary", "!!map",
                     "%YAML 1.2", "%TAG", "? ", "|", ">", "~", "null", ".inf", ".nan", "0x1F", "0o17", "1e3",
                     "9223372036854775808", "\t", "'", "\""]
    ) { context, input in
        loadParams(context, "params.yaml", input)
        loadParams(context, "params", input)
    }

    /// TOML params files: the TOML reader on the raw bytes, then a `.toml` params file.
    static let toml = FuzzTarget(
        name: "toml",
        summary: "TOML bytes (TOMLReader), then a .toml params file (ParamsLoader), flattened",
        dictionary: ["[", "]", "[[", "]]", "=", ".", "\"", "'", "\"\"\"", "'''", "#", "{", "}", ",", "true", "inf", "nan",
                     "1979-05-27T07:32:00Z", "07:32:00", "0x", "0o", "0b", "_", "+", "-", "\\u", "\\U", "a.b.c", "\r\n"]
    ) { context, input in
        _ = attempt { try TOMLReader.parse(input) }
        loadParams(context, "params.toml", input)
    }

    /// Model cards (`README.md` with YAML front matter).
    static let card = FuzzTarget(
        name: "card",
        summary: "a model card's YAML front matter and title (ModelCard.parse)",
        dictionary: ["---\n", "\n---\n", "# ", "license: ", "tags: ", "datasets: ", "base_model: ", "language: ",
                     "- ", "&a", "*a", "[", "]", "{", "}", "\u{FEFF}", "\r\n", "!!binary"]
    ) { _, input in
        _ = attempt { try ModelCard.parse(markdown: String(decoding: input, as: UTF8.self)) }
    }

    /// Loads a params file with `name` holding `input`, then checks it as metrics.
    static func loadParams(_ context: FuzzContext, _ name: String, _ input: [UInt8]) {
        guard let path = context.file(name, input), let values = attempt({ try ParamsLoader.load(file: path) }) else { return }
        _ = attempt { try ParamsLoader.checkMetrics(values) }
        _ = JSONValue.object(values).canonicalBytes
    }
}
