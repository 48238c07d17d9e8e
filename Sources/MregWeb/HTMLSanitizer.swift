/// An allow-list pass over HTML that Ink rendered from a model card: only the tags Markdown
/// produces survive, with only harmless attributes (`href` of http, https, mailto or a relative
/// link; `start` of a list; `align` of a table cell; a `language-…` class of code): any other
/// attribute (an `onclick` smuggled through a link's URL, a `javascript:` link) is dropped, and
/// anything else that looks like a tag (raw HTML in the card, `<script>`) is shown as text.
enum HTMLSanitizer {
    static let plainTags: Set<String> = [
        "p", "h1", "h2", "h3", "h4", "h5", "h6", "em", "strong", "del", "s", "code", "pre", "ul", "ol", "li",
        "blockquote", "hr", "br", "a", "table", "thead", "tbody", "tr", "th", "td",
    ]

    /// `html` with every tag outside the allow-list escaped.
    static func sanitize(_ html: String) -> String {
        var out = ""
        out.reserveCapacity(html.utf8.count)
        var rest = Substring(html)
        while let lt = rest.firstIndex(of: "<") {
            out += rest[..<lt]
            let afterLT = rest[lt...]
            if let (tag, end) = parseTag(afterLT) {
                out += tag
                rest = afterLT[end...]
            } else {
                out += "&lt;"
                rest = afterLT.dropFirst()
            }
        }
        out += rest
        return out
    }

    /// The cleaned tag at the start of `text` and where it ends, or nil when it is not an allowed tag.
    static func parseTag(_ text: Substring) -> (String, Substring.Index)? {
        var i = text.index(after: text.startIndex)
        var closing = false
        if i < text.endIndex, text[i] == "/" { closing = true; i = text.index(after: i) }
        let nameStart = i
        while i < text.endIndex, text[i].isASCII, text[i].isLetter || text[i].isNumber { i = text.index(after: i) }
        let name = text[nameStart..<i].lowercased()
        guard plainTags.contains(name) else { return nil }
        var attributes = [(String, String)]()
        while true {
            while i < text.endIndex, text[i] == " " { i = text.index(after: i) }
            guard i < text.endIndex else { return nil }
            if text[i] == ">" { break }
            if text[i] == "/", text.index(after: i) < text.endIndex, text[text.index(after: i)] == ">" {
                i = text.index(after: i)
                break
            }
            guard !closing else { return nil }
            let attrStart = i
            while i < text.endIndex, text[i].isASCII, text[i].isLetter { i = text.index(after: i) }
            let attr = text[attrStart..<i].lowercased()
            guard !attr.isEmpty, i < text.endIndex, text[i] == "=" else { return nil }
            i = text.index(after: i)
            guard i < text.endIndex, text[i] == "\"" else { return nil }
            i = text.index(after: i)
            guard let q = text[i...].firstIndex(of: "\"") else { return nil }
            let value = String(text[i..<q])
            i = text.index(after: q)
            if allowed(tag: name, attribute: attr, value: value) { attributes.append((attr, value)) }
        }
        let end = text.index(after: i)
        if closing { return ("</\(name)>", end) }
        let attrs = attributes.map { " \($0.0)=\"\(HTML.escape($0.1))\"" }.joined()
        return ("<\(name)\(attrs)>", end)
    }

    static func allowed(tag: String, attribute: String, value: String) -> Bool {
        switch (tag, attribute) {
        case ("a", "href"): return safeURL(value)
        case ("ol", "start"): return !value.isEmpty && value.count < 10 && value.allSatisfy(\.isNumber)
        case ("td", "align"), ("th", "align"): return ["left", "center", "right"].contains(value)
        case ("code", "class"):
            return value.hasPrefix("language-") && value.count < 64
                && value.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "+") }
        default: return false
        }
    }

    /// http, https and mailto links, fragments and relative paths; never `javascript:` and the like.
    static func safeURL(_ url: String) -> Bool {
        let lower = url.lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") || lower.hasPrefix("mailto:") || lower.hasPrefix("#") { return true }
        if lower.hasPrefix("//") { return false }
        // A relative link: no scheme before the first '/', '?' or '#'.
        let head = lower.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        return !head.contains(":") && !lower.unicodeScalars.contains { $0.value < 0x20 }
    }
}
