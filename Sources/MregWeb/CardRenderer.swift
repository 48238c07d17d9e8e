import Foundation
import Ink

/// A model card (a `README.md`) as HTML: its YAML front matter dropped, its Markdown rendered
/// by Ink, and the result passed through `HTMLSanitizer` so a card cannot inject markup or scripts.
public enum CardRenderer {
    /// The largest card rendered, in bytes; a larger one is cut there (1 MiB).
    public static let maximumBytes = 1 << 20

    /// Renders `markdown` (a card's text) as sanitized HTML.
    public static func html(markdown: String) -> String {
        var text = markdown
        if text.utf8.count > maximumBytes { text = String(decoding: text.utf8.prefix(maximumBytes), as: UTF8.self) }
        text = escapingTags(withoutFrontMatter(text))
        var parser = MarkdownParser()
        // Raw HTML in the card is shown as the text it is.
        parser.addModifier(Modifier(target: .html) { input in HTML.escape(String(input.markdown)) })
        // Images would load from anywhere: shown as their Markdown text instead.
        parser.addModifier(Modifier(target: .images) { input in "<code>\(HTML.escape(String(input.markdown)))</code>" })
        return HTMLSanitizer.sanitize(parser.html(from: text))
    }

    /// `text` with every `<` outside code written `&lt;`, so raw HTML in a card reads as the text
    /// it is (Ink escapes code itself, and passes `&lt;` in text through).
    static func escapingTags(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        var fenced = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.trimmingCharacters(in: .whitespaces).hasPrefix("```") {
                fenced.toggle()
                out += line + "\n"
                continue
            }
            if fenced {
                out += line + "\n"
                continue
            }
            var inCode = false
            for c in line {
                if c == "`" { inCode.toggle() }
                out += (c == "<" && !inCode) ? "&lt;" : String(c)
            }
            out += "\n"
        }
        return out
    }

    /// `text` without a leading `---` … `---` block (Hugging Face's YAML metadata).
    static func withoutFrontMatter(_ text: String) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let first = lines.first, first.trimmingCharacters(in: .whitespaces) == "---" else { return text }
        guard let end = lines.dropFirst().firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "---" }) else { return text }
        lines.removeSubrange(0...end)
        return lines.joined(separator: "\n")
    }
}

