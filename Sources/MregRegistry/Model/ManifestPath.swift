import Foundation

/// The rules for the paths of a version's entries, and for the targets of its symbolic links.
///
/// A path is relative, `/`-separated UTF-8 text with no empty, `.` or `..` component and no
/// NUL, at most `maximumBytes` long with names of at most `maximumNameBytes`. In one version no
/// two entries have the same path (nor paths that are the same Unicode text), and no entry is
/// inside another (`a` and `a/b`). A symbolic link's target must stay inside the version's
/// folder when followed from the link's own folder, through the version's other links; a
/// target that leads nowhere (dangling, or looping among links) is allowed, as it is harmless.
/// Checked when a manifest is decoded (`Manifest.init(json:)`) and before `register` stores anything.
public enum ManifestPath {
    /// The longest path in a version, in UTF-8 bytes (Linux's `PATH_MAX` less the final NUL).
    public static let maximumBytes = 4095
    /// The longest name (one path component), in UTF-8 bytes (Linux's `NAME_MAX`).
    public static let maximumNameBytes = 255
    /// How many symbolic links one resolution may pass through (Linux's `MAXSYMLINKS`):
    /// beyond it the kernel gives up (`ELOOP`), and so does the check.
    static let maximumLinkHops = 40

    /// Why `path` cannot be a path in a version, or nil when it can.
    public static func problem(_ path: String) -> String? {
        if path.isEmpty { return "it is empty" }
        if path.hasPrefix("/") { return "it is absolute" }
        if path.utf8.contains(0) { return "it holds a NUL byte" }
        if path.utf8.count > maximumBytes { return "it is longer than \(maximumBytes) bytes" }
        for c in path.split(separator: "/", omittingEmptySubsequences: false) {
            if c.isEmpty || c == "." || c == ".." { return "it holds an empty, '.' or '..' component" }
            if c.utf8.count > maximumNameBytes { return "it holds a name longer than \(maximumNameBytes) bytes" }
        }
        return nil
    }

    /// Why a symbolic link's target text cannot be stored, before looking at where it leads.
    public static func targetProblem(_ target: String) -> String? {
        if target.isEmpty { return "its target is empty" }
        if target.utf8.contains(0) { return "its target holds a NUL byte" }
        if target.utf8.count > maximumBytes { return "its target is longer than \(maximumBytes) bytes" }
        return nil
    }

    /// One entry of a version, as far as the path rules care.
    public struct Entry: Sendable, Equatable {
        public var path: String
        /// The target of a symbolic link; nil for a file.
        public var target: String?

        public init(path: String, target: String?) {
            self.path = path
            self.target = target
        }
    }

    /// A violation of the rules: the entry's path (or, for a conflict, both paths) and why.
    public struct Violation: Error, Sendable, Equatable, CustomStringConvertible {
        /// The path the problem is about.
        public var path: String
        /// What is wrong, as a phrase that follows the path ("it is absolute").
        public var problem: String
        /// For a symbolic link that leads outside: its target.
        public var outsideTarget: String?

        public var description: String { "'\(printable(path))': \(problem)" }
    }

    /// The first violation among `entries` (in the order given), or nil when they make a valid version.
    public static func violation(in entries: [Entry]) -> Violation? {
        var byPath = [String: Entry](minimumCapacity: entries.count)
        for entry in entries {
            if let problem = problem(entry.path) { return Violation(path: entry.path, problem: problem) }
            if let other = byPath[entry.path] {
                let same = other.path.utf8.elementsEqual(entry.path.utf8)
                return Violation(path: entry.path, problem: same ? "it appears twice"
                                 : "it is the same Unicode text as '\(printable(other.path))' (another byte sequence)")
            }
            byPath[entry.path] = entry
            if let target = entry.target, let problem = targetProblem(target) {
                return Violation(path: entry.path, problem: problem)
            }
        }
        // No entry is inside another: no proper prefix of a path is itself an entry.
        for entry in entries {
            var prefix = ""
            let parts = entry.path.split(separator: "/")
            for part in parts.dropLast() {
                prefix += prefix.isEmpty ? String(part) : "/\(part)"
                if let holder = byPath[prefix] {
                    let what = holder.target == nil ? "a file" : "a symbolic link"
                    return Violation(path: entry.path, problem: "'\(printable(holder.path))' is \(what) in the same version, so it cannot also be a folder")
                }
            }
        }
        var links = [String: String]()
        for entry in entries { if let t = entry.target { links[entry.path] = t } }
        for entry in entries {
            guard let target = entry.target else { continue }
            if leadsOutside(link: entry.path, target: target, links: links) {
                return Violation(path: entry.path, problem: "it is a symbolic link to '\(printable(target))', outside the folder",
                                 outsideTarget: target)
            }
        }
        return nil
    }

    /// Whether following `target` from the folder of `link`, through the other `links`, leaves
    /// the version's folder. Components that are no entry are taken as folders (as the kernel
    /// would find them at worst); the walk stops after `maximumLinkHops` links, where the kernel stops too.
    static func leadsOutside(link: String, target: String, links: [String: String]) -> Bool {
        var position = link.split(separator: "/").dropLast().map(String.init)
        var pending = ArraySlice(components(target))
        if target.hasPrefix("/") { return true }
        var hops = 0
        while let c = pending.first {
            pending = pending.dropFirst()
            if c == ".." {
                if position.isEmpty { return true }
                position.removeLast()
                continue
            }
            position.append(c)
            guard let next = links[position.joined(separator: "/")] else { continue }
            hops += 1
            if hops > maximumLinkHops { return false }
            if next.hasPrefix("/") { return true }
            position.removeLast()
            pending = ArraySlice(components(next)) + pending
        }
        return false
    }

    /// The components of a target, without empty and `.` ones.
    static func components(_ target: String) -> [String] {
        target.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }.map(String.init)
    }

    /// A path as it can be shown on one line: control characters as `\xNN`.
    public static func printable(_ s: String) -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7f {
                out += String(format: "\\x%02X", scalar.value)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Raw name bytes as they can be shown on one line: UTF-8 kept, anything else (invalid
    /// UTF-8, control characters) as `\xNN`.
    public static func printable(bytes: some Collection<UInt8>) -> String {
        var out = ""
        var rest = Array(bytes)[...]
        while !rest.isEmpty {
            // The longest valid UTF-8 prefix is kept as text.
            var end = rest.startIndex
            var decoder = UTF8()
            var iterator = rest.makeIterator()
            var valid = rest.startIndex
            loop: while true {
                switch decoder.decode(&iterator) {
                case .scalarValue(let s):
                    end += UTF8.width(s)
                    valid = end
                case .emptyInput, .error:
                    break loop
                }
            }
            if valid > rest.startIndex {
                out += printable(String(decoding: rest[rest.startIndex..<valid], as: UTF8.self))
                rest = rest[valid...]
            } else if let b = rest.first {
                out += String(format: "\\x%02X", b)
                rest = rest.dropFirst()
            }
        }
        return out
    }
}
