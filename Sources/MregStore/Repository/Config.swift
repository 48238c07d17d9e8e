import Foundation
import SystemPackage

/// A config file in git's INI syntax: `[section]`, `[section "sub"]`, `key = value`.
///
/// Keys are addressed as `section.key` or `section.sub.key`; section and key
/// names are case-insensitive, subsections are not. Editing keeps the other
/// lines, comments included, as they were.
public struct Config: Sendable, Equatable {
    public private(set) var lines: [String]

    public init(text: String = "") {
        lines = text.isEmpty ? [] : text.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
    }

    /// The largest config file read (1 MiB): a config is a few lines; anything larger is a mistake.
    public static let maximumSize = 1 << 20

    /// Reads a config file; a missing file (or `/dev/null`) is an empty config.
    ///
    /// Only a regular file is read, and at most ``maximumSize`` bytes of it: a device, FIFO or
    /// folder named as config (`MREG_CONFIG_GLOBAL=/dev/zero`) is refused at once rather than
    /// read forever or blocked on.
    public static func load(_ path: String) throws -> Config {
        let target = FilePath(path)
        if path == "/dev/null" { return Config() }
        let status: FileStatus
        do {
            status = try FileStatus(target)
        } catch let e as StoreError where e.errno == .noSuchFileOrDirectory || e.errno == .notDirectory {
            return Config()
        }
        guard status.isRegularFile else {
            throw StoreError.invalid(reason: "config file \(path) is not a regular file")
        }
        guard status.size <= maximumSize else {
            throw StoreError.invalid(reason: "config file \(path) is \(status.size) bytes, more than the 1 MiB a config may have")
        }
        let file = try OpenFile.forReading(target)
        defer { file.close() }
        let bytes = try file.readToEnd(limit: maximumSize)
        guard let bytes else {
            throw StoreError.invalid(reason: "config file \(path) grew past the 1 MiB a config may have while it was read")
        }
        return Config(text: String(decoding: bytes, as: UTF8.self))
    }

    /// Writes the file atomically under `<path>.lock`.
    public func save(_ path: String, mode: mode_t = 0o644) throws {
        let target = FilePath(path)
        try FileSystem.makeDirectories(target.removingLastComponent())
        let lock = try LockFile(for: path, mode: mode)
        defer { lock.release() }
        let temp = FilePath("\(path).lock~\(LocalHost.randomSuffix())")
        let file = try OpenFile.creatingNew(temp, permissions: mode)
        do {
            do {
                defer { file.close() }
                try file.writeAll(Array(serialized().utf8))
                try file.sync()
            }
            try FileSystem.move(temp, to: target)
        } catch {
            FileSystem.removeIfPresent(temp)
            throw error
        }
    }

    public func serialized() -> String { lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n" }

    /// A parsed key: section (lowercased), optional subsection, name (lowercased).
    struct Key: Equatable {
        var section: String
        var subsection: String?
        var name: String

        init(_ key: String) throws {
            guard let firstDot = key.firstIndex(of: "."), let lastDot = key.lastIndex(of: "."),
                  firstDot != key.startIndex, key.index(after: lastDot) != key.endIndex else {
                throw StoreError.invalid(reason: "config key '\(key)' must look like 'section.name' or 'section.subsection.name'")
            }
            section = key[..<firstDot].lowercased()
            name = key[key.index(after: lastDot)...].lowercased()
            subsection = firstDot == lastDot ? nil : String(key[key.index(after: firstDot)..<lastDot])
            let okName = name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" } && name.first!.isLetter
            let okSection = section.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." }
            guard okName, okSection else {
                throw StoreError.invalid(reason: "config key '\(key)' has characters git-style config does not allow")
            }
        }

        var text: String { [section, subsection, name].compactMap { $0 }.joined(separator: ".") }
    }

    enum Line {
        case section(String, String?)
        case entry(String, String)
        case other
    }

    static func parse(_ raw: String) -> Line {
        let line = raw.trimmingCharacters(in: .whitespaces)
        if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { return .other }
        if line.hasPrefix("["), let close = line.lastIndex(of: "]") {
            let inner = line[line.index(after: line.startIndex)..<close].trimmingCharacters(in: .whitespaces)
            if let quote = inner.firstIndex(of: "\"") {
                let section = inner[..<quote].trimmingCharacters(in: .whitespaces).lowercased()
                var sub = String(inner[inner.index(after: quote)...])
                if sub.hasSuffix("\"") { sub.removeLast() }
                sub = sub.replacingOccurrences(of: "\\\"", with: "\"").replacingOccurrences(of: "\\\\", with: "\\")
                return .section(section, sub)
            }
            // Legacy [section.sub] form.
            if let dot = inner.firstIndex(of: ".") {
                return .section(inner[..<dot].lowercased(), String(inner[inner.index(after: dot)...]))
            }
            return .section(inner.lowercased(), nil)
        }
        guard let eq = line.firstIndex(of: "=") else {
            return .entry(line.lowercased(), "true")
        }
        let key = line[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
        return .entry(key, unquote(String(line[line.index(after: eq)...])))
    }

    static func unquote(_ raw: String) -> String {
        var out = ""
        // Length of `out` up to its last quoted, escaped or non-blank character: unquoted
        // trailing blanks are dropped, quoted ones kept (as git does).
        var keep = 0
        var inQuotes = false
        var escape = false
        for c in raw.trimmingCharacters(in: .whitespaces) {
            if escape {
                switch c {
                case "n": out.append("\n")
                case "t": out.append("\t")
                default: out.append(c)
                }
                keep = out.count
                escape = false
            } else if c == "\\" {
                escape = true
            } else if c == "\"" {
                inQuotes.toggle()
            } else if !inQuotes && (c == "#" || c == ";") {
                break
            } else {
                out.append(c)
                if inQuotes || !(c == " " || c == "\t") { keep = out.count }
            }
        }
        return String(out.prefix(keep))
    }

    static func quote(_ value: String) -> String {
        let needs = value.hasPrefix(" ") || value.hasSuffix(" ") || value.contains { "#;\"\\\n\t".contains($0) }
        guard needs else { return value }
        let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\t", with: "\\t")
        return "\"\(escaped)\""
    }

    /// Every (key, value) pair in file order, keys in canonical form.
    public var entries: [(key: String, value: String)] {
        var out = [(String, String)]()
        var section: (String, String?)? = nil
        for raw in lines {
            switch Config.parse(raw) {
            case .section(let s, let sub): section = (s, sub)
            case .entry(let k, let v):
                if let section { out.append(([section.0, section.1, k].compactMap { $0 }.joined(separator: "."), v)) }
            case .other: break
            }
        }
        return out
    }

    /// The last value set for `key`.
    public func get(_ key: String) -> String? {
        guard let k = try? Key(key) else { return nil }
        return entries.last { $0.key == k.text }?.value
    }

    /// The names of the subsections of `section` (e.g. the remotes).
    public func subsections(of section: String) -> [String] {
        var out = [String]()
        for raw in lines {
            if case .section(let s, let sub?) = Config.parse(raw), s == section.lowercased(), !out.contains(sub) { out.append(sub) }
        }
        return out
    }

    public func bool(_ key: String) -> Bool? {
        guard let v = get(key)?.lowercased() else { return nil }
        switch v {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0", "": return false
        default: return nil
        }
    }

    /// Sets `key` to `value`, replacing its last occurrence or adding it to its section.
    public mutating func set(_ key: String, _ value: String) throws {
        let k = try Key(key)
        let newLine = "\t\(k.name) = \(Config.quote(value))"
        var section: (String, String?)? = nil
        var lastEntry: Int? = nil
        var sectionEnd: Int? = nil
        for (i, raw) in lines.enumerated() {
            switch Config.parse(raw) {
            case .section(let s, let sub):
                section = (s, sub)
                if s == k.section && sub == k.subsection { sectionEnd = i }
            case .entry(let name, _):
                if let section, section.0 == k.section, section.1 == k.subsection {
                    sectionEnd = i
                    if name == k.name { lastEntry = i }
                }
            case .other: break
            }
        }
        if let lastEntry {
            lines[lastEntry] = newLine
        } else if let sectionEnd {
            lines.insert(newLine, at: sectionEnd + 1)
        } else {
            let header = k.subsection.map { "[\(k.section) \"\($0.replacingOccurrences(of: "\"", with: "\\\""))\"]" } ?? "[\(k.section)]"
            lines.append(header)
            lines.append(newLine)
        }
    }

    /// Removes every occurrence of `key`; returns whether one was there.
    @discardableResult
    public mutating func unset(_ key: String) throws -> Bool {
        let k = try Key(key)
        var section: (String, String?)? = nil
        var keep = [String]()
        var removed = false
        for raw in lines {
            let parsed = Config.parse(raw)
            if case .section(let s, let sub) = parsed { section = (s, sub) }
            if case .entry(let name, _) = parsed, let section, section.0 == k.section, section.1 == k.subsection, name == k.name {
                removed = true
                continue
            }
            keep.append(raw)
        }
        lines = keep
        return removed
    }

    /// Removes a whole `[section "sub"]` and its entries.
    @discardableResult
    public mutating func removeSection(_ section: String, subsection: String?) -> Bool {
        var keep = [String]()
        var skipping = false
        var removed = false
        for raw in lines {
            if case .section(let s, let sub) = Config.parse(raw) {
                skipping = s == section.lowercased() && sub == subsection
                if skipping { removed = true }
            }
            if !skipping { keep.append(raw) }
        }
        lines = keep
        return removed
    }

    /// The user-wide config file: `$MREG_CONFIG_GLOBAL`, else `$XDG_CONFIG_HOME/mreg/config` if it exists, else `~/.mregconfig`.
    public static func globalPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let p = environment["MREG_CONFIG_GLOBAL"], !p.isEmpty { return p }
        let home = environment["HOME"] ?? NSHomeDirectory()
        if let xdg = environment["XDG_CONFIG_HOME"], !xdg.isEmpty, FileSystem.exists(FilePath("\(xdg)/mreg/config")) {
            return "\(xdg)/mreg/config"
        }
        return "\(home)/.mregconfig"
    }
}
