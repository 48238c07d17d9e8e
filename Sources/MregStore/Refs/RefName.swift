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
            throw StoreError.invalid(reason: "invalid ref name '\(RefName.printable(name))': \(problem)")
        }
        rawValue = name
    }

    /// A ref name, or nil when `name` breaks the rules (for names read from disk or typed by a user).
    public static func validated(_ name: String) -> RefName? {
        try? RefName(name)
    }

    /// `refs/` followed by `components` joined with `/`, each checked on its own:
    /// `try RefName.refs("models", model, "head")` fails on a model named `a/b`, `..` or `.x`.
    public static func refs(_ components: String...) throws -> RefName {
        try refs(components)
    }

    /// `refs/` followed by `components` joined with `/`, each checked on its own.
    public static func refs(_ components: [String]) throws -> RefName {
        for component in components {
            if let problem = RefName.problem(withComponent: component) {
                throw StoreError.invalid(reason: "invalid ref name component '\(RefName.printable(component))': \(problem)")
            }
        }
        return try RefName((["refs"] + components).joined(separator: "/"))
    }

    /// This name with `components` appended, each checked on its own.
    public func appending(_ components: String...) throws -> RefName {
        try RefName.refs(rawValue.split(separator: "/").dropFirst().map(String.init) + components)
    }

    /// Why `component` cannot be one component of a ref name (it must not contain `/`), or nil.
    public static func problem(withComponent component: String) -> String? {
        if component.contains("/") { return "it must not contain '/'" }
        return problem(withComponentsOf: component)
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
