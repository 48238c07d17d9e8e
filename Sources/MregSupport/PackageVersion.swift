/// Python distribution names and versions as people compare them: PEP 503 names and a
/// PEP 440-like version order, shared by environment capture (which stores normalized names)
/// and search (which compares `environment.packages.torch >= '2.1'` as versions, not text).
public enum PackageVersion {
    /// A distribution name as PEP 503 compares them: lowercase, each run of `-`, `_` and `.` as one `-`.
    public static func normalizeName(_ name: String) -> String {
        var out = ""
        var inRun = false
        for c in name.lowercased() {
            if c == "-" || c == "_" || c == "." {
                if !inRun { out.append("-") }
                inRun = true
            } else {
                out.append(c)
                inRun = false
            }
        }
        return out
    }

    /// Sign of `a - b` in version order, or nil when either does not read as a version (a digit
    /// first, after an optional `v`). Release numbers compare numerically with missing parts as
    /// zero (`1.9` < `1.16` = `1.16.0`); then a pre-release (`dev` < `a` < `b` < `rc`) sorts before
    /// the release and `.postN` after it. A local label (`+cu121`) is ignored when `b` has none,
    /// so `2.3.1+cu121` equals `2.3.1` (as pip's `==2.3.1`); otherwise labels compare as text.
    public static func compare(_ a: String, _ b: String) -> Int? {
        guard let x = Parsed(a), let y = Parsed(b) else { return nil }
        for i in 0..<max(x.release.count, y.release.count) {
            let p = i < x.release.count ? x.release[i] : 0
            let q = i < y.release.count ? y.release[i] : 0
            if p != q { return p < q ? -1 : 1 }
        }
        if x.phase != y.phase { return x.phase < y.phase ? -1 : 1 }
        if x.phaseNumber != y.phaseNumber { return x.phaseNumber < y.phaseNumber ? -1 : 1 }
        guard let yl = y.local else { return 0 }
        let xl = x.local ?? ""
        return xl == yl ? 0 : (xl < yl ? -1 : 1)
    }

    /// A version split into release numbers, a phase (dev -4, a -3, b -2, rc -1, final 0, post 1) and its number, and a local label.
    private struct Parsed {
        var release: [UInt64] = []
        var phase = 0
        var phaseNumber: UInt64 = 0
        var local: String?

        init?(_ text: String) {
            var s = Substring(text.lowercased())
            if let plus = s.firstIndex(of: "+") {
                local = String(s[s.index(after: plus)...])
                s = s[..<plus]
            }
            if s.first == "v" { s = s.dropFirst() }
            guard s.first?.isASCII == true, s.first?.isNumber == true else { return nil }
            while let c = s.first, c.isASCII, c.isNumber {
                let digits = s.prefix { $0.isASCII && $0.isNumber }
                // Parts beyond 18 digits are clamped: a version, not a number to be exact about.
                release.append(UInt64(digits.prefix(18)) ?? 0)
                s = s.dropFirst(digits.count)
                guard s.first == ".", let next = s.dropFirst().first, next.isASCII, next.isNumber else { break }
                s = s.dropFirst()
            }
            while let c = s.first, c == "." || c == "-" || c == "_" { s = s.dropFirst() }
            guard !s.isEmpty else { return }
            if let c = s.first, c.isASCII, c.isNumber {  // `1.0-1`: PEP 440's implicit post-release
                phase = 1
                phaseNumber = UInt64(s.prefix { $0.isASCII && $0.isNumber }.prefix(18)) ?? 0
                return
            }
            let phases: [(String, Int)] = [("dev", -4), ("alpha", -3), ("beta", -2), ("preview", -1), ("pre", -1),
                                           ("post", 1), ("rev", 1), ("rc", -1), ("a", -3), ("b", -2), ("c", -1), ("r", 1)]
            guard let (word, rank) = phases.first(where: { s.hasPrefix($0.0) }) else {
                local = String(s) + (local.map { "+" + $0 } ?? "")
                return
            }
            phase = rank
            s = s.dropFirst(word.count)
            while let c = s.first, c == "." || c == "-" || c == "_" { s = s.dropFirst() }
            phaseNumber = UInt64(s.prefix { $0.isASCII && $0.isNumber }.prefix(18)) ?? 0
        }
    }
}
