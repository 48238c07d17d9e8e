/// A validated ref name such as `refs/models/fraud/head`.
///
/// The rules are git's `check-ref-format`: components separated by `/`, none
/// empty, none starting with `.` or ending in `.lock`; no `..`, `@{`, control
/// characters, space, `~ ^ : ? * [ \`; not ending in `.` or `/`. mreg also
/// requires the `refs/` prefix.
public struct RefName: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: String

    public init(_ name: String) throws {
        if let problem = RefName.problem(with: name) {
            throw StoreError(.invalid, "invalid ref name '\(RefName.printable(name))': \(problem)")
        }
        rawValue = name
    }

    /// Why `name` is not a valid ref name, or nil when it is.
    public static func problem(with name: String) -> String? {
        guard name.hasPrefix("refs/") else { return "ref names start with 'refs/'" }
        if let component = problem(withComponentsOf: name) { return component }
        return nil
    }

    /// Checks a name against git's rules without the `refs/` requirement (used for model, tag and stage names too).
    public static func problem(withComponentsOf name: String) -> String? {
        if name.isEmpty { return "it is empty" }
        if name == "@" { return "'@' alone is not allowed" }
        if name.hasSuffix("/") || name.hasPrefix("/") { return "it must not start or end with '/'" }
        if name.hasSuffix(".") { return "it must not end with '.'" }
        if name.contains("..") { return "it must not contain '..'" }
        if name.contains("@{") { return "it must not contain '@{'" }
        if name.contains("//") { return "it must not contain '//'" }
        for scalar in name.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7f { return "it must not contain control characters" }
            if " ~^:?*[\\".unicodeScalars.contains(scalar) { return "it must not contain '\(scalar)'" }
        }
        for component in name.split(separator: "/") {
            if component.hasPrefix(".") { return "a component must not start with '.'" }
            if component.hasSuffix(".lock") { return "a component must not end with '.lock'" }
        }
        return nil
    }

    static func printable(_ name: String) -> String {
        String(name.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7f ? "?" : Character($0) })
    }

    public var description: String { rawValue }
    public static func < (a: RefName, b: RefName) -> Bool { a.rawValue < b.rawValue }
}
