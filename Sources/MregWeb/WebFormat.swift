import Foundation
import MregRegistry
import MregSupport

/// Human renderings on pages: `HumanFormat`'s (as the command line words them), and JSON values.
enum WebFormat {
    static func bytes(_ n: Int64) -> String { HumanFormat.bytes(n) }
    static func count(_ n: Int64) -> String { HumanFormat.count(n) }
    static func time(_ text: String) -> String { HumanFormat.time(text) }
    static func fileSummary(_ f: ManifestFile) -> String { HumanFormat.fileSummary(f) }

    /// A JSON value as one line of text (a string without quotes).
    static func value(_ v: JSONValue?) -> String {
        guard let v else { return "-" }
        if let a = v.arrayValue { return a.map(\.displayText).joined(separator: ", ") }
        return v.displayText
    }
}
