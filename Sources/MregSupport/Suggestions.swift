import Foundation

/// "Did you mean …?": the known names close to a mistyped one.
public enum Suggestions {
    /// Known names within `maxDistance` edits of `name` (case-insensitive), closest first;
    /// an exact case-insensitive match comes first.
    public static func near(_ name: String, in known: [String], maxDistance: Int = 2, limit: Int = 3) -> [String] {
        let target = name.lowercased()
        let scored = known.compactMap { candidate -> (String, Int)? in
            guard candidate != name else { return nil }
            let d = editDistance(candidate.lowercased(), target)
            return d <= maxDistance ? (candidate, d) : nil
        }
        return scored.sorted { ($0.1, $0.0) < ($1.1, $1.0) }.prefix(limit).map(\.0)
    }

    /// Levenshtein distance over characters.
    public static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var prev = Array(0...b.count)
        for i in 1...a.count {
            var cur = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            prev = cur
        }
        return prev[b.count]
    }
}
