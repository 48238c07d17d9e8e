import Foundation
import MregStore
import MregSupport
import MregRegistry
#if canImport(Glibc)
import Glibc
#endif

/// `[groups]`, `[tags.NAME]` and the principals `signers` and `approvers` name: checked when
/// the policy is read, so that a mistake fails closed with the mistake named.
extension PromotionPolicy {
    static let tagKeys = ["signers", "require_reason"]

    /// `[groups]`: `NAME = ["ada@example.com", "group:OTHER", …]`, none empty.
    static func groups(_ value: JSONValue, name: String) throws -> [String: [String]] {
        guard case .object(let o) = value else {
            throw RegistryError.badInput(.invalidPolicy(file: name, problem: "'groups' must be a table: write [groups] then release = [\"ada@example.com\"]"))
        }
        var out = [String: [String]]()
        for group in o.keys.sorted() {
            guard let items = o[group]?.arrayValue, items.allSatisfy({ $0.stringValue != nil }) else {
                throw RegistryError.badInput(.invalidPolicy(file: name, problem: "group '\(group)' in [groups] must be a list of e-mail addresses, e.g. \(group) = [\"ada@example.com\"]"))
            }
            let members = items.compactMap(\.stringValue)
            guard !members.isEmpty else {
                throw RegistryError.badInput(.invalidPolicy(file: name, problem: "group '\(group)' in [groups] is empty: a rule naming it would let nobody through; add members or remove it"))
            }
            if members.contains("group:\(group)") {
                throw RegistryError.badInput(.invalidPolicy(file: name, problem: "group '\(group)' in [groups] names itself: list its members' e-mail addresses"))
            }
            out[group] = members
        }
        return out
    }

    /// `[tags.NAME]` tables.
    static func tagRules(_ value: JSONValue, name: String) throws -> [String: TagRules] {
        guard case .object(let byTag) = value else {
            throw RegistryError.badInput(.invalidPolicy(file: name, problem: "'tags' must be tables: write [tags.released]"))
        }
        var out = [String: TagRules]()
        for tag in byTag.keys.sorted() {
            let place = "[tags.\(tag)]"
            guard case .object(let o)? = byTag[tag] else {
                throw RegistryError.badInput(.invalidPolicy(file: name, problem: "tags.\(tag) must be a table: write \(place)"))
            }
            for key in o.keys.sorted() where !tagKeys.contains(key) {
                throw RegistryError.badInput(.invalidPolicy(file: name, problem: "unknown key '\(key)' in \(place): use \(tagKeys.joined(separator: ", "))"))
            }
            var rules = TagRules()
            if let v = o["signers"] {
                guard let items = v.arrayValue, items.allSatisfy({ $0.stringValue != nil }) else {
                    throw RegistryError.badInput(.invalidPolicy(file: name, problem: "signers in \(place) must be a list of strings, e.g. signers = [\"group:release\"]"))
                }
                rules.signers = items.compactMap(\.stringValue)
            }
            if let v = o["require_reason"] {
                guard let b = v.boolValue else {
                    throw RegistryError.badInput(.invalidPolicy(file: name, problem: "require_reason in \(place) must be true or false"))
                }
                rules.requireReason = b
            }
            out[tag] = rules
        }
        return out
    }

    /// Every group a group or rule names exists (no cycles), every `signers`/`approvers` list is
    /// not empty, and every principal they name is in the allowed-signers file, which they need.
    func checkPrincipals(name: String) throws {
        func fail(_ problem: String) -> RegistryError { .badInput(.invalidPolicy(file: name, problem: problem)) }
        // Groups naming groups: known, and no cycle. Each group is walked once (a group reached
        // again by another path is done): nesting that doubles at every level stays linear.
        var done = Set<String>()
        for group in groups.keys.sorted() where !done.contains(group) {
            var path = [group]
            func walk(_ g: String) throws {
                for member in Set(groups[g] ?? []).sorted() where member.hasPrefix("group:") {
                    let other = String(member.dropFirst("group:".count))
                    guard groups[other] != nil else {
                        throw fail("group '\(g)' in [groups] names unknown group '\(other)' (groups are \(groups.keys.sorted().joined(separator: ", ")))")
                    }
                    if path.contains(other) {
                        throw fail("groups \((path + [other]).joined(separator: " -> ")) name each other in a circle: list e-mail addresses instead")
                    }
                    if done.contains(other) { continue }
                    path.append(other)
                    try walk(other)
                    path.removeLast()
                }
                done.insert(g)
            }
            try walk(group)
        }
        var lists = [(place: String, key: String, principals: [String])]()
        for stage in stages.keys.sorted() {
            guard let r = stages[stage] else { continue }
            if let s = r.signers { lists.append(("[stages.\(stage)]", "signers", s)) }
            if let a = r.approvers { lists.append(("[stages.\(stage)]", "approvers", a)) }
            if r.approvals > 0, r.approvers == nil { lists.append(("[stages.\(stage)]", "approvals", [])) }
        }
        for tag in tags.keys.sorted() {
            if let s = tags[tag]?.signers { lists.append(("[tags.\(tag)]", "signers", s)) }
        }
        guard !lists.isEmpty else { return }
        for group in groups.keys.sorted() {
            for member in groups[group] ?? [] where !member.hasPrefix("group:") && member.contains(where: { "*?[]!".contains($0) }) {
                throw fail("group '\(group)' in [groups] names the pattern '\(member)': members are exact e-mail addresses (patterns are not matched); list each person")
            }
        }
        for (place, key, principals) in lists {
            if key != "approvals", principals.isEmpty {
                throw fail("\(key) in \(place) is empty: nobody could pass it; name e-mail addresses or group:NAME")
            }
            for p in principals where !p.hasPrefix("group:") {
                if groups[p] != nil {
                    throw fail("\(key) in \(place) names '\(p)', which is not an e-mail address: did you mean group:\(p)?")
                }
                if p.contains(where: { "*?[]!".contains($0) }) {
                    throw fail("\(key) in \(place) names the pattern '\(p)': \(key) are exact e-mail addresses or group:NAME (patterns are not matched); list each person, or a group")
                }
            }
            for p in principals where p.hasPrefix("group:") {
                let g = String(p.dropFirst("group:".count))
                guard groups[g] != nil else {
                    let known = groups.isEmpty ? "there is no [groups] section" : "groups are \(groups.keys.sorted().joined(separator: ", "))"
                    throw fail("\(key) in \(place) names unknown group '\(g)' (\(known))")
                }
            }
        }
        guard let allowedSigners else {
            let first = lists[0]
            throw fail("\(first.key) in \(first.place) needs signatures but no allowed-signers file is named: add [signing] allowed_signers = \"allowed_signers\"")
        }
        guard let data = FileManager.default.contents(atPath: allowedSigners) else {
            let first = lists[0]
            throw fail("\(first.key) in \(first.place) needs the allowed-signers file \(allowedSigners), which cannot be read")
        }
        let patterns = Self.allowedPrincipals(String(decoding: data, as: UTF8.self))
        // ssh-keygen compares principals byte for byte, Swift's == by canonical equivalence: a
        // principal in another Unicode normalization (`jose\u{301}` beside `jos\u{e9}`) would be one
        // person to mreg and two to the signature check, so only NFC spellings are accepted.
        let fileName = (allowedSigners as NSString).lastPathComponent
        for p in patterns where !Self.isNFC(p) {
            throw fail("the allowed-signers file \(fileName) names '\(Names.escaped(p))', which is not in Unicode normalization form C (a look-alike of another spelling): write it composed")
        }
        for (place, key, principals) in lists {
            for p in principals where !Self.isNFC(p) {
                throw fail("\(key) in \(place) names '\(Names.escaped(p))', which is not in Unicode normalization form C (a look-alike of another spelling): write it composed")
            }
        }
        for group in groups.keys.sorted() {
            for member in groups[group] ?? [] where !Self.isNFC(member) {
                throw fail("group '\(group)' in [groups] names '\(Names.escaped(member))', which is not in Unicode normalization form C (a look-alike of another spelling): write it composed")
            }
        }
        // Exact principals by their bytes (a set: a group of thousands stays linear); patterns by fnmatch.
        let exact = Set(patterns.filter { !$0.contains(where: { "*?[]!".contains($0) }) }.map { Array($0.utf8) })
        let globs = patterns.filter { $0.contains(where: { "*?[]!".contains($0) }) }
        for (place, key, principals) in lists {
            for p in expand(principals) where !exact.contains(Array(p.utf8)) && !globs.contains(where: { fnmatch($0, p, 0) == 0 }) {
                throw fail("\(key) in \(place) names \(p), who is not in the allowed-signers file \((allowedSigners as NSString).lastPathComponent): add their key there as '\(p) <key>'")
            }
        }
    }

    /// Whether `text` is in Unicode normalization form C, byte for byte.
    static func isNFC(_ text: String) -> Bool {
        Array(text.precomposedStringWithCanonicalMapping.utf8) == Array(text.utf8)
    }

    /// The principal patterns of an allowed-signers file (each line's first field, split at commas).
    static func allowedPrincipals(_ text: String) -> [String] {
        var out = [String]()
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#"), let first = trimmed.split(separator: " ").first else { continue }
            let field = first.hasPrefix("\"") ? first.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) : String(first)
            out += field.split(separator: ",").map(String.init)
        }
        return out
    }
}
