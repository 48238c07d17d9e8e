import Foundation

/// Human renderings of sizes, counts, times and files, shared by the command line and the
/// web view so both word them alike.
public enum HumanFormat {
    /// `1.5 MiB`, `812 B`.
    public static func bytes(_ n: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(n)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(n) B" : String(format: value >= 100 ? "%.0f %@" : "%.1f %@", value, units[unit])
    }

    /// `268.4M` parameters.
    public static func count(_ n: Int64) -> String {
        switch n {
        case ..<1_000: return "\(n)"
        case ..<1_000_000: return String(format: "%.1fK", Double(n) / 1e3)
        case ..<1_000_000_000: return String(format: "%.1fM", Double(n) / 1e6)
        default: return String(format: "%.2fB", Double(n) / 1e9)
        }
    }

    /// `2026-11-26 15:20:11` from an RFC 3339 time.
    public static func time(_ text: String) -> String {
        text.replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: "Z", with: "")
    }

    /// A file's format and its tensor and parameter counts: `safetensors 12 tensors 1.2M params F32`.
    public static func fileSummary(_ f: ManifestFile) -> String {
        if let target = f.target { return "symbolic link -> \(target)" }
        var parts = [f.format ?? ""]
        if let t = f.details["tensors"]?.intValue { parts.append("\(t) tensor\(t == 1 ? "" : "s")") }
        if let p = f.details["parameters"]?.intValue { parts.append("\(count(p)) params") }
        if let d = f.details["dtypes"]?.arrayValue { parts.append(d.compactMap(\.stringValue).joined(separator: ",")) }
        return parts.filter { !$0.isEmpty }.joined(separator: " ")
    }
}
