import MregSupport
/// Rules for model, tag and stage names.
///
/// Model and tag names: letters, digits, `.`, `_`, `-`, starting with a letter
/// or digit, at most 128 characters, not ending in `.lock` or `.`. A tag may not
/// look like a version (`3`, `v3`) or be `latest`. Stage names are lowercase, and not
/// `vN` or `latest` either.
public enum Names {
    public static func validateModel(_ name: String) throws {
        if let problem = problem(name, what: "model") {
            throw RegistryError.invalidName(kind: .model, name: name, reason: problem)
        }
    }

    public static func validateTag(_ name: String) throws {
        if let problem = problem(name, what: "tag") {
            throw RegistryError.invalidName(kind: .tag, name: name, reason: problem)
        }
        if Revision.versionNumber(name) != nil || name == "latest" {
            throw RegistryError.invalidName(kind: .tag, name: name, reason: "it would read as a version; pick a name that is not a number, vN or 'latest'")
        }
    }

    public static func validateStage(_ name: String) throws {
        let ok = name.count <= 64 && name.first?.isLetter == true
            && name.allSatisfy { ($0.isLowercase && $0.isASCII) || $0.isNumber || $0 == "-" || $0 == "_" }
        if !ok {
            throw RegistryError.invalidName(kind: .stage, name: name, reason: "use lowercase letters, digits, '-' and '_', starting with a letter")
        }
        // `MODEL@STAGE` is a revision: a stage named like a version would never be reached.
        if Revision.versionNumber(name) != nil || name == "latest" {
            throw RegistryError.invalidName(kind: .stage, name: name, reason: "it would read as a version; pick a name that is not vN or 'latest'")
        }
    }

    /// Whether a scalar is a control character (C0, DEL, C1) or a bidirectional-text control,
    /// which could rewrite a terminal line when printed.
    public static func isControl(_ s: Unicode.Scalar) -> Bool {
        s.value < 0x20 || (0x7f...0x9f).contains(s.value) || (0x202a...0x202e).contains(s.value)
            || (0x2066...0x2069).contains(s.value) || s.value == 0x200e || s.value == 0x200f
    }

    /// Refuses free text recorded in an event or manifest that holds control characters
    /// (escape sequences, carriage returns, bidirectional controls): they could spoof lines
    /// of `log` and `show`. A message or reason may hold tabs and newlines (`multiline`);
    /// a name (an actor) may not.
    ///
    /// - Parameter field: what the text is, for the error (`the reason`, `user.name`).
    public static func validateText(_ text: String, field: String, multiline: Bool) throws {
        guard let bad = text.unicodeScalars.first(where: { isControl($0) && !(multiline && ($0 == "\n" || $0 == "\t")) }) else { return }
        let allowed = multiline ? "text without control characters (tabs and newlines are allowed)" : "text without control characters"
        throw RegistryError.badInput(.invalidSetting(
            key: field, value: escaped(text),
            expected: "\(allowed); it holds U+\(String(bad.value, radix: 16, uppercase: true).leftPadded(to: 4))"))
    }

    /// `text` with control characters written as escapes (`\n`, `\t`, `\r`, `\u{1B}`), for one-line output.
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = ""
        for s in text.unicodeScalars {
            switch s {
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case _ where isControl(s): out += "\\u{\(String(s.value, radix: 16, uppercase: true))}"
            default: out.unicodeScalars.append(s)
            }
        }
        return out
    }

    static func problem(_ name: String, what: String) -> String? {
        if name.isEmpty { return "it is empty" }
        if name.count > 128 { return "it is longer than 128 characters" }
        guard let first = name.unicodeScalars.first, first.properties.isAlphabetic || ("0"..."9").contains(first), first.isASCII else {
            return "it must start with a letter or digit"
        }
        for s in name.unicodeScalars {
            let ok = s.isASCII && (s.properties.isAlphabetic || ("0"..."9").contains(s) || s == "." || s == "_" || s == "-")
            if !ok { return "use only letters, digits, '.', '_' and '-'" }
        }
        if name.hasSuffix(".lock") || name.hasSuffix(".") || name.contains("..") { return "it must not end in '.lock' or '.', nor contain '..'" }
        return nil
    }

    package static func printable(_ s: String) -> String {
        String(s.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7f ? "?" : Character($0) })
    }
}

extension String {
    /// The string with zeros in front, to at least `width` characters.
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
